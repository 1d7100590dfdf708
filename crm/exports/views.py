"""Download a person's visits (calendar, contacts, route files, sheet) and the calendar feed."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.models import User
from crm.exports import services
from crm.exports.services import FORMATS, ExportError
from crm.extensions import db
from crm.followups.services import local_today

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
    if days is None or not 1 <= days <= services.MAX_EXPORT_DAYS:
        abort(400)
    return first, days


def _file_response(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    # The name is ours (built from ids and dates), never the caller's text.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/visits.<fmt>")
def download(fmt: str) -> Response:
    """``visits.ics|vcf|gpx|kml|csv?staff=<id>&date=YYYY-MM-DD&days=N``."""
    if fmt not in FORMATS:
        abort(404)
    user = _whose()
    first, days = _range()
    try:
        export = services.export_file(user, first, days, fmt)
    except ExportError:
        abort(400)
    return _file_response(export.content, export.mimetype, export.filename)


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
