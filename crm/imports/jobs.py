"""A confirmed web import as a background job (``imports.organizations``).

The uploaded file waits in ``instance/imports`` (see :func:`crm.imports.services.save_upload`); with
RQ workers on another host, that folder must be shared with them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from crm.extensions import db
from crm.jobs.services import JobContext, JobError, JobOutcome


def upload_folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def import_organizations_job(
    ctx: JobContext,
    *,
    token: str,
    mapping: list[str | None],
    sheet: str | None = None,
    region: str = "IT",
) -> JobOutcome:
    """Import the pending upload ``token`` with ``mapping``; the upload is deleted afterwards."""
    from crm.auth.models import User
    from crm.imports.messages import describe_file_error
    from crm.imports.parsing import ImportFileError, read_table
    from crm.imports.services import (
        InvalidMappingError,
        MissingNameColumnError,
        discard_upload,
        import_table,
        pending_upload,
    )

    user = db.session.get(User, ctx.user_id) if ctx.user_id is not None else None
    upload = pending_upload(token, folder=upload_folder(), user_id=ctx.user_id)
    if upload is None:
        raise JobError(_("This upload is no longer available: please upload the file again."))
    ctx.progress(0, _("Reading the file…"))
    try:
        table = read_table(upload.path, sheet=sheet)
        total = len(table.rows)

        def advance(done: int, of: int) -> None:
            # Checking the rows is most of the work; writing them is the last tenth.
            ctx.progress(90 * done / max(of, 1), _("%(done)d of %(total)d rows checked", done=done, total=of))

        ctx.progress(1, _("%(done)d of %(total)d rows checked", done=0, total=total))
        result = import_table(
            table,
            file_name=upload.file_name,
            mapping=mapping,
            user=user,
            source="web",
            region=region,
            progress=advance,
        )
    except ImportFileError as exc:
        discard_upload(upload)
        raise JobError(describe_file_error(exc.code, exc.detail)) from None
    except (MissingNameColumnError, InvalidMappingError):
        raise JobError(_("The column mapping is not valid.")) from None
    discard_upload(upload)
    counts: dict[str, Any] = {
        "run_id": result.run_id,
        "imported": result.imported,
        "updated": result.updated,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
    }
    return JobOutcome(
        message=finished_message(counts),
        result_url=url_for("imports.detail", run_id=result.run_id),
        result=counts,
    )


def finished_message(counts: dict[str, Any]) -> str:
    return _(
        "Import finished: %(imported)d imported, %(updated)d updated, "
        "%(duplicates)d possible duplicates, %(rejected)d rejected.",
        imported=counts["imported"],
        updated=counts["updated"],
        duplicates=counts["duplicates"],
        rejected=counts["rejected"],
    )
