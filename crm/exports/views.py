"""Download a person's visits (calendar, contacts, route files, sheet) and the calendar feed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from crm.auth.models import Role, User
from crm.exports import bulk, services
from crm.exports.forms import TeamExportForm
from crm.exports.services import FORMATS, ExportError
from crm.extensions import db
from crm.followups.services import local_today
from crm.interactions.models import VisitResult
from crm.jobs.models import BackgroundJob, JobStatus
from crm.jobs.services import submit_job
from crm.permissions import can_see_job, role_required

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _whose() -> User:
    """The person whose visits are exported: yourself, or anyone for coordinators (else 403)."""
    staff_id = request.args.get("staff", type=int)
    if staff_id is None or staff_id == current_user.id:
        return current_user  # type: ignore[return-value]
    user = db.get_or_404(User, staff_id)
    if not services.can_export_for(current_user, user):
        abort(403)
    return user


def _range() -> tuple[date, int]:
    raw = request.args.get("date")
    try:
        first = date.fromisoformat(raw) if raw else local_today()
    except ValueError:
        abort(400)
    days = request.args.get("days", default=1, type=int)
    if days is None or not 1 <= days <= services.MAX_EXPORT_DAYS or first.year >= 9999:
        abort(400)  # (the last year: the range would run past date.max)
    return first, days


def _file_response(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    # The name is ours (built from ids and dates), never the caller's text.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/visits.<fmt>")
def download(fmt: str) -> Response:
    """``visits.ics|vcf|gpx|kml|csv|pdf?staff=<id>&date=YYYY-MM-DD&days=N``."""
    if fmt not in FORMATS:
        abort(404)
    user = _whose()
    first, days = _range()
    try:
        export = services.export_file(user, first, days, fmt)
    except ExportError:
        abort(400)
    return _file_response(export.content, export.mimetype, export.filename)


@bp.route("/sheet")
def sheet() -> str:
    """The printable A4 day sheet (``?staff=&date=&days=``): the browser prints it, or ``visits.pdf``."""
    user = _whose()
    first, days = _range()
    sheet_days, last = services.sheet_days(user, first, days)
    return render_template(
        "exports/sheet.html",
        whose=user,
        first=first,
        days=days,
        sheet_days=sheet_days,
        last=last,
        results=list(VisitResult),
    )


def _team_people() -> list[User]:
    """Whoever may have visits: active operators and coordinators, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_([Role.OPERATOR, Role.COORDINATOR]))
            .order_by(User.full_name, User.id)
        )
    )


@bp.route("/team", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def team() -> Any:
    """Several people's visits over a range of days as one ZIP; a large one runs as a background job."""
    people = _team_people()
    form = TeamExportForm()
    form.staff_ids.choices = [SelectChoice(u.id, u.full_name) for u in people]
    if request.method == "GET":
        today = local_today()
        form.first.data = today - timedelta(days=today.weekday())
        form.staff_ids.data = [u.id for u in people if u.role is Role.OPERATOR]
    elif form.validate_on_submit():
        chosen = set(form.staff_ids.data or ())
        users = [u for u in people if u.id in chosen]
        first, days, fmt = form.first.data, int(form.days.data), form.fmt.data
        if not bulk.needs_job(len(users), days):
            export = bulk.team_zip(users, first, days, fmt)
            return _file_response(export.content, export.mimetype, export.filename)
        last = first + timedelta(days=days - 1)
        job = submit_job(
            "exports.visits",
            params={"staff_ids": [u.id for u in users], "first": first.isoformat(), "days": days, "fmt": fmt},
            user=current_user,
            title=ngettext(
                "%(first)s – %(last)s, %(num)d person, %(fmt)s",
                "%(first)s – %(last)s, %(num)d people, %(fmt)s",
                len(users),
                first=first.strftime("%d/%m/%Y"),
                last=last.strftime("%d/%m/%Y"),
                fmt=fmt.upper(),
            ),
        )
        if job.status is JobStatus.FAILED:
            flash(job.error or _("The export failed."), "danger")
        elif not job.finished:
            flash(
                _("The export is being prepared: this page shows its progress and then the download."), "info"
            )
        return redirect(url_for("jobs.detail", job_id=job.id))
    return (
        render_template(
            "exports/team.html", form=form, threshold=bulk.job_threshold(), max_days=services.MAX_EXPORT_DAYS
        ),
        400 if request.method == "POST" else 200,
    )


@bp.route("/jobs/<int:job_id>/download")
@role_required(Role.COORDINATOR)
def job_download(job_id: int) -> Any:
    """The ZIP a team export job made (its author's and coordinators'; kept a day)."""
    job = db.get_or_404(BackgroundJob, job_id)
    if job.kind != "exports.visits" or not can_see_job(current_user, job):
        abort(404)
    if job.status is not JobStatus.SUCCEEDED:
        return redirect(url_for("jobs.detail", job_id=job.id))
    result = job.result or {}
    path = bulk.stored_result(result.get("file"))
    if path is None:
        flash(
            ngettext(
                "This export is no longer available (exports are kept %(num)d hour): make it again.",
                "This export is no longer available (exports are kept %(num)d hours): make it again.",
                bulk.KEEP_HOURS,
            ),
            "warning",
        )
        return redirect(url_for(".team"))
    response = send_file(
        path,
        mimetype=bulk.ZIP_MIMETYPE,
        as_attachment=True,
        download_name=str(result.get("filename") or path.name),  # ours: dates and format, no input
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/feed/<token>.ics")
def feed(token: str) -> Response:
    """The subscribable calendar: no session, only the secret token (wrong or revoked → 404)."""
    user = services.user_for_feed_token(token)
    if user is None:
        abort(404)
    response = Response(services.feed_calendar(user), mimetype="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="visite.ics"'
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/feed/token", methods=["POST"])
def regenerate_feed() -> str:
    """Make a new secret (the old URL stops working) and show the new URL once."""
    token = services.issue_feed_token(current_user)  # type: ignore[arg-type]
    https_url = url_for(".feed", token=token, _external=True)
    webcal_url = "webcal://" + https_url.split("://", 1)[1]
    return render_template("exports/feed_token.html", https_url=https_url, webcal_url=webcal_url)


@bp.route("/feed/revoke", methods=["POST"])
def revoke_feed() -> Response:
    if services.revoke_feed_token(current_user):  # type: ignore[arg-type]
        flash(_("The calendar subscription link was revoked."), "success")
    return redirect(url_for("visits.agenda"))


@bp.app_template_global("export_navigation")
def _export_navigation(user: User, first: date, days: int) -> dict[str, Any]:
    """For the agenda: per-visit navigation links and the Google directions link(s)."""
    per_stop, directions = services.navigation(user, first, days)
    return {"stops": {v.id: links for v, links in per_stop}, "directions": directions}


@bp.app_template_global("calendar_feed_of")
def _calendar_feed_of(user: User) -> Any:
    return services.feed_token_of(user)
