"""Import pages: upload, preview with the column mapping, result of a run, rejects download.

Only coordinators and administrators import. The uploaded file waits in ``instance/imports`` under a
random name between the preview and the import, and is deleted afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.models import Role
from crm.extensions import db
from crm.imports.forms import IMPORT_FIELD_LABELS, UploadForm, mapping_form
from crm.imports.jobs import finished_message
from crm.imports.messages import describe_all, describe_file_error
from crm.imports.models import ImportRow, ImportRun, RowOutcome
from crm.imports.parsing import ImportFileError, auto_mapping, read_table
from crm.imports.services import (
    ImportServiceError,
    UploadTooLargeError,
    discard_upload,
    pending_upload,
    recent_runs,
    rejects_csv,
    resolve_duplicate,
    run_rows,
    safe_display_name,
    save_upload,
)
from crm.jobs.models import JobStatus
from crm.jobs.services import submit_job
from crm.permissions import role_required

bp = Blueprint("imports", __name__, url_prefix="/imports")

PREVIEW_ROWS = 10
#: Rows of each kind listed on the result page; the rejects file has them all.
SHOWN_ROWS = 500
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _too_large_message() -> str:
    return _("The file is too large: at most %(mb)d MB can be imported at once.", mb=_max_bytes() // 2**20)


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def index() -> Any:
    form = UploadForm()
    status = 200
    # Refuse an oversized body before reading it (the multipart overhead is small).
    if request.method == "POST" and (request.content_length or 0) > _max_bytes() + 2**20:
        form.file.errors = [_too_large_message()]
        status = 413
    elif form.validate_on_submit():
        storage = form.file.data
        try:
            upload = save_upload(
                storage.stream,
                storage.filename,
                folder=_folder(),
                max_bytes=_max_bytes(),
                user_id=current_user.id,
            )
        except UploadTooLargeError:
            form.file.errors = [_too_large_message()]
            status = 413
        except ImportFileError as exc:
            form.file.errors = [describe_file_error(exc.code, exc.detail)]
            status = 400
        else:
            try:
                read_table(upload.path, limit=1)
            except ImportFileError as exc:
                discard_upload(upload)
                form.file.errors = [describe_file_error(exc.code, exc.detail)]
                status = 400
            else:
                return redirect(url_for(".preview", token=upload.token))
    elif request.method == "POST":
        status = 400
    return (
        render_template(
            "imports/index.html", form=form, runs=recent_runs(), max_mb=_max_bytes() // 2**20
        ),
        status,
    )


@bp.route("/preview/<token>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def preview(token: str) -> Any:
    upload = pending_upload(token, folder=_folder(), user_id=current_user.id)
    if upload is None:
        flash(_("This upload is no longer available: please upload the file again."), "warning")
        return redirect(url_for(".index"))
    sheet = request.values.get("sheet") or None
    try:
        table = read_table(upload.path, sheet=sheet, limit=PREVIEW_ROWS)
    except ImportFileError as exc:
        if exc.code == "no_sheet":
            abort(404)
        discard_upload(upload)
        flash(describe_file_error(exc.code, exc.detail), "danger")
        return redirect(url_for(".index"))
    form = mapping_form(table.headers, auto_mapping(table.headers))
    if form.validate_on_submit():
        # Large files take a while: the import runs as a background job with a progress page (with
        # the inline backend, or a fast worker, it is already over and the run is shown at once).
        job = submit_job(
            "imports.organizations",
            params={
                "token": upload.token,
                "mapping": form.mapping(),
                "sheet": table.sheet,
                "region": current_app.config.get("DEFAULT_PHONE_REGION", "IT"),
            },
            user=current_user,
            title=safe_display_name(upload.file_name),
        )
        if not job.finished:
            return redirect(url_for("jobs.detail", job_id=job.id))
        if job.status is JobStatus.FAILED:
            flash(job.error or _("The import failed."), "danger")
            return redirect(url_for(".index"))
        counts = job.result or {}
        flash(finished_message(counts), "success" if not counts.get("rejected") else "warning")
        return redirect(job.result_url or url_for(".detail", run_id=counts.get("run_id")))
    return render_template(
        "imports/preview.html",
        upload=upload,
        table=table,
        form=form,
        field_labels=IMPORT_FIELD_LABELS,
    ), (400 if request.method == "POST" else 200)


@bp.route("/preview/<token>/cancel", methods=["POST"])
@role_required(Role.COORDINATOR)
def cancel(token: str) -> Any:
    upload = pending_upload(token, folder=_folder(), user_id=current_user.id)
    if upload is not None:
        discard_upload(upload)
    flash(_("Import cancelled: the uploaded file was deleted."), "info")
    return redirect(url_for(".index"))


@bp.route("/<int:run_id>")
@role_required(Role.COORDINATOR)
def detail(run_id: int) -> str:
    run = db.get_or_404(ImportRun, run_id)
    sections = {outcome: run_rows(run, outcome) for outcome in RowOutcome}
    return render_template(
        "imports/detail.html",
        run=run,
        rejected=sections[RowOutcome.REJECTED],
        duplicates=sections[RowOutcome.DUPLICATE],
        warnings=sections[RowOutcome.WARNING],
        resolved=sections[RowOutcome.RESOLVED],
        shown=SHOWN_ROWS,
        describe=describe_all,
        field_labels=IMPORT_FIELD_LABELS,
    )


@bp.route("/<int:run_id>/rows/<int:row_id>/resolve", methods=["POST"])
@role_required(Role.COORDINATOR)
def resolve(run_id: int, row_id: int) -> Response:
    """A person settles a possible duplicate: a new organization, or the one it looks like."""
    row = db.get_or_404(ImportRow, row_id)
    if row.run_id != run_id:
        abort(404)
    decision = request.form.get("decision")
    if decision not in ("new", "same") or (decision == "same" and row.organization_id is None):
        abort(400)
    try:
        result = resolve_duplicate(
            row, same_as=row.organization_id if decision == "same" else None, by=current_user
        )
    except ImportServiceError:
        flash(_("This row was already settled."), "info")
        return redirect(url_for("imports.detail", run_id=run_id, _anchor="duplicates-heading"))
    if row.outcome is RowOutcome.RESOLVED and row.organization_id is not None:
        message = (
            _("Line %(line)s imported as a new organization.", line=row.line)
            if decision == "new"
            else _("Line %(line)s added to the existing organization.", line=row.line)
        )
        flash(message, "success")
    else:
        reasons = [r for r in result.rows if r.line == row.line]
        detail = describe_all(reasons[0].reasons) if reasons else ""
        flash(_("Line %(line)s could not be imported: %(reason)s", line=row.line, reason=detail), "danger")
    return redirect(url_for("imports.detail", run_id=run_id, _anchor="duplicates-heading"))


@bp.route("/<int:run_id>/rejects.csv")
@role_required(Role.COORDINATOR)
def rejects(run_id: int) -> Response:
    run = db.get_or_404(ImportRun, run_id)
    body = rejects_csv(
        run.columns,
        run_rows(run, RowOutcome.REJECTED),
        describe=describe_all,
        delimiter=run.delimiter or ";",
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="import-{run.id}-rejects.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
