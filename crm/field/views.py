"""The phone pages: today's stops, logging a visit (form and JSON for the offline queue), the web
app manifest and the service worker."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from crm.auth.models import User
from crm.extensions import db
from crm.field import qr
from crm.field.forms import VisitLogForm, payload_data
from crm.field.services import (
    FieldError,
    FieldPermissionError,
    VisitConflict,
    field_day,
    log_visit,
    version_of,
    visible_visit,
    visit_state,
)
from crm.followups.services import FollowUpError, local_today
from crm.interactions.models import Interaction, VisitResult
from crm.interactions.services import to_local
from crm.labels import label
from crm.permissions import can_log_visit

bp = Blueprint("field", __name__, url_prefix="/field")


def _messages() -> dict[str, str]:
    """What each service error code means, for people (the page and the JSON ``message``)."""
    return {
        "forbidden": _("You can log only your own visits."),
        "conflict": _("This visit was changed by someone else after you opened it."),
        "bad_key": _("The request is malformed (key)."),
        "key_reused": _("The request is malformed (key)."),
        "naive_time": _("Give the time with its time zone."),
        "bad_time": _("Enter the time as HH:MM."),
        "future": _("This time is in the future."),
        "too_early": _("This time is long before the planned visit."),
        "left_before_arrived": _("You cannot leave before arriving."),
        "not_a_visit": _("This is not a visit."),
        "cancelled": _("This visit was cancelled: it cannot be logged."),
        "result_required": _("Choose what happened."),
        "too_long": _("This text is too long."),
        "not_text": _("The request is malformed."),
        "not_an_object": _("The request is malformed."),
        "bad_date": _("Enter the date as YYYY-MM-DD."),
        "past": _("The follow-up cannot be before the visit."),
        "follow_up": _("The follow-up could not be assigned: its operator is no longer active."),
    }


def _whose() -> User:
    """Yourself, or (coordinators) the colleague in ``?staff=``."""
    staff_id = request.args.get("staff", type=int)
    if staff_id is None or staff_id == current_user.id:
        user: User = current_user
        return user
    if not current_user.is_coordinator:
        abort(403)
    return db.get_or_404(User, staff_id)


def _visit_or_404(interaction_id: int) -> Interaction:
    interaction = visible_visit(interaction_id)
    if interaction is None:
        abort(404)
    if not can_log_visit(current_user, interaction):
        abort(403)
    return interaction


def _local_day(interaction: Interaction) -> date:
    return to_local(interaction.occurred_at).date()


@bp.context_processor
def _field_labels() -> dict[str, Any]:
    return {"results_labels": {r.value: label(r) for r in VisitResult}}


@bp.app_template_global("qr_svg")
def _qr_svg(data: str, *, title: str = "") -> Markup:
    return Markup(qr.svg(data, title=title))  # noqa: S704 - segno's SVG of our own URL, escaped


@bp.route("/")
def today() -> str:
    """The stops of one day (default today in Florence), in planned order."""
    whose = _whose()
    raw = request.args.get("date")
    try:
        day = date.fromisoformat(raw) if raw else local_today()
    except ValueError:
        abort(400)
    fday = field_day(whose, day)
    forms = {}
    for stop in fday.stops:
        if stop.cancelled:
            continue
        form = VisitLogForm(prefix=f"v{stop.interaction.id}", formdata=None)
        _fill(form, stop.interaction)
        forms[stop.interaction.id] = form
    return render_template(
        "field/today.html",
        fday=fday,
        whose=whose,
        forms=forms,
        today=local_today(),
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
    )


def _fill(form: VisitLogForm, interaction: Interaction) -> None:
    """The form as the visit is now: a new log (fresh key), or the saved one to correct."""
    form.key.data = str(uuid.uuid4())
    form.version.data = version_of(interaction)
    form.result.data = interaction.visit_result
    form.notes.data = interaction.body or ""
    form.next_step.data = interaction.next_step or ""
    if interaction.arrived_at:
        form.arrived_time.data = to_local(interaction.arrived_at).time().replace(second=0, microsecond=0)
    if interaction.left_at:
        form.left_time.data = to_local(interaction.left_at).time().replace(second=0, microsecond=0)


@bp.route("/visits/<int:interaction_id>", methods=["GET", "POST"])
def visit(interaction_id: int) -> str | WerkzeugResponse:
    """One visit: the details and the log form (the page works without JavaScript)."""
    interaction = _visit_or_404(interaction_id)
    day = _local_day(interaction)
    fday = field_day(interaction.user or current_user, day)
    stop = next((s for s in fday.stops if s.interaction.id == interaction.id), None)
    if stop is None:  # pragma: no cover - the visit is on its own day by construction
        abort(404)
    # The today page's inline forms carry a prefix (several forms on one page).
    prefix = f"v{interaction.id}" if f"v{interaction.id}-key" in request.form else ""
    form = VisitLogForm(prefix=prefix)
    conflict = None
    if request.method == "GET":
        _fill(form, interaction)
    elif form.validate_on_submit():
        try:
            result = log_visit(
                interaction,
                form.model_data(day),
                by=current_user,
                key=form.key.data or None,
                version=form.version.data or None,
            )
        except FieldPermissionError:
            abort(403)
        except VisitConflict as error:
            conflict = error.current
            form.version.data = conflict["version"]
            form.result.errors = [*form.result.errors, _messages()["conflict"]]
        except FieldError as error:
            form.field_for(error.field).errors.append(_messages().get(error.code, error.code))
        except FollowUpError:
            form.follow_up_date.errors.append(_messages()["follow_up"])
        else:
            if result.duplicate:
                flash(_("This log had already been saved."), "info")
            else:
                flash(_("Visit logged."), "success")
            saved = result.interaction
            if saved.visit_result is VisitResult.OPENING_FOUND and not result.duplicate:
                return redirect(
                    url_for(
                        "openings.create",
                        organization_id=saved.organization_id,
                        interaction_id=saved.id,
                    )
                )
            staff = saved.user_id if saved.user_id != current_user.id else None
            target = url_for(".today", date=day.isoformat(), staff=staff)
            return redirect(target + f"#visit-{saved.id}")
    return render_template(
        "field/visit.html", stop=stop, form=form, conflict=conflict, day=day, results=VisitResult
    )


def _json_error(status: int, code: str, field: str | None = None, **extra: Any) -> tuple[Response, int]:
    body = {"error": code, "message": _messages().get(code, code), **extra}
    if field:
        body["field"] = field
    return jsonify(body), status


@bp.route("/visits/<int:interaction_id>/log", methods=["POST"])
def log_json(interaction_id: int) -> tuple[Response, int] | Response:
    """The phone's queue sends here: ``200`` with the saved visit (``duplicate`` on a resend),
    ``409`` with the visit as it is now when it changed meanwhile, ``4xx`` with a reason."""
    interaction = visible_visit(interaction_id)
    if interaction is None:
        return _json_error(404, "not_found")
    if not can_log_visit(current_user, interaction):
        return _json_error(403, "forbidden")
    payload = request.get_json(silent=True)
    try:
        data, key, version = payload_data(payload, _local_day(interaction))
        result = log_visit(interaction, data, by=current_user, key=key, version=version)
    except VisitConflict as error:
        return _json_error(409, "conflict", current=error.current)
    except FieldPermissionError:
        return _json_error(403, "forbidden")
    except FieldError as error:
        return _json_error(422 if error.field else 400, error.code, error.field)
    except FollowUpError:
        return _json_error(422, "follow_up", "follow_up_date")
    saved = result.interaction
    body: dict[str, Any] = {"duplicate": result.duplicate, "visit": visit_state(saved)}
    if saved.visit_result is VisitResult.OPENING_FOUND:
        body["opening_url"] = url_for(
            "openings.create", organization_id=saved.organization_id, interaction_id=saved.id
        )
    if result.follow_up is not None:
        body["follow_up_id"] = result.follow_up.id
    return jsonify(body)


@bp.route("/csrf.json")
def csrf_token() -> Response:
    """A fresh CSRF token for a queue that outlived the page's one (tokens expire)."""
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


def _icon(name: str, sizes: str, mimetype: str, **extra: str) -> dict[str, str]:
    return {"src": url_for("static", filename=f"field/{name}"), "sizes": sizes, "type": mimetype, **extra}


@bp.route("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest (public: browsers fetch it without cookies; it holds no data)."""
    data = {
        "name": "Flor@Work — " + _("Today's visits"),
        "short_name": _("Visits"),
        "description": _("Your visits of the day, also without connection."),
        "lang": str(request.accept_languages.best_match(["it", "en"]) or "it"),
        "start_url": url_for(".today"),
        "scope": url_for(".today"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d91",
        "icons": [
            _icon("icon.svg", "any", "image/svg+xml"),
            _icon("icon-192.png", "192x192", "image/png"),
            _icon("icon-512.png", "512x512", "image/png"),
            _icon("icon-maskable-512.png", "512x512", "image/png", purpose="maskable"),
        ],
    }
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/sw.js")
def service_worker() -> Response:
    """The service worker, served under /field/ so that its scope is the field pages (public: the
    browser's update check may come without cookies; it is code, no data)."""
    response = current_app.response_class(
        (Path(current_app.static_folder or "static") / "field" / "sw.js").read_bytes(),
        mimetype="text/javascript",
    )
    # The browser must see a new version at once; the scope is where the script lives.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for(".today")
    return response

