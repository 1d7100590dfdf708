"""Visit planning pages: plan, the job's status, result (move, accept, re-open, cancel), agenda."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
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
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.auth.models import Role, User
from crm.extensions import db
from crm.followups.services import local_today
from crm.permissions import role_required
from crm.visits.forms import ANYONE, PlanForm
from crm.visits.jobs import get_runner
from crm.visits.models import PlanStatus, VisitPlan
from crm.visits.planning import (
    APPROXIMATE_PRECISIONS,
    EXCLUSION_REASONS,
    TRAVEL_MODE_LABELS,
    PlanRequest,
    has_opening_hours,
    hhmm,
    violation_text,
)
from crm.visits.services import (
    INTERRUPTED,
    MAX_PLAN_DAYS,
    PlanInputError,
    PlanningError,
    PlanStateError,
    PlanViolationsError,
    accept_plan,
    agenda,
    all_offices,
    cancel_plan,
    config,
    create_plan,
    default_office_id,
    expire_stale_plans,
    follow_up_candidates,
    move_visit,
    next_working_day,
    organizations_by_id,
    organizations_for_filters,
    plan_days,
    plan_staff_ids,
    plan_view,
    plannable_staff,
    recent_plans,
    reopen_plan,
    submit_plan,
    visit_priority_candidates,
    week_of,
)

bp = Blueprint("visits", __name__, url_prefix="/visits")

#: Query arguments of the organization list that select organizations to plan.
LIST_FILTER_ARGS = ("q", "kind", "status", "comune", "section", "size", "tag", "owner")


@bp.app_template_filter("hhmm")
def _hhmm(seconds: int | None) -> str:
    return "" if seconds is None else hhmm(int(seconds))


@bp.app_template_global("travel_mode_label")
def _travel_mode_label(mode: Any) -> str:
    return str(TRAVEL_MODE_LABELS.get(mode, mode))


# --- Plan -----------------------------------------------------------------------------------------------


def _visit_minutes() -> int:
    return int(current_app.config.get("DEFAULT_VISIT_MINUTES", 45))


def _staff_row(user: User, offices: list[Any], include: bool = False, **values: Any) -> dict[str, Any]:
    office_id = default_office_id(user, offices)
    row = {
        "user_id": user.id,
        "include": include,
        "start_office_id": office_id,
        "end_office_id": office_id,
    }
    row.update(values)
    return row


def _initial_form(form: PlanForm, staff: list[User], offices: list[Any]) -> list[str]:
    """Fill a new form from the query arguments; returns notes for the user."""
    notes: list[str] = []
    today = local_today()
    form.first_day.data = next_working_day(today)
    form.seconds.data = int(config("PLAN_SECONDS", 5))
    form.skip_weekends.data = True
    source = _source_plan()
    if source is not None:
        stored = PlanRequest.from_dict(source.request)
        form.first_day.data, form.last_day.data = source.first_day, source.last_day
        form.seconds.data, form.purpose.data = stored.seconds, stored.purpose
        chosen = {s.user_id: s for s in stored.staff}
        for user in staff:
            spec = chosen.get(user.id)
            values = (
                {}
                if spec is None
                else {
                    k: (v.value if hasattr(v, "value") else v)
                    for k, v in spec.__dict__.items()
                    if k != "user_id"
                }
            )
            form.staff.append_entry(_staff_row(user, offices, include=spec is not None, **values))
        for stop in stored.stops:
            form.stops.append_entry(
                {
                    "organization_id": stop.organization_id,
                    "include": True,
                    "minutes": stop.minutes,
                    "priority": stop.priority,
                    "appointment_date": stop.appointment.date() if stop.appointment else None,
                    "appointment_time": stop.appointment.time() if stop.appointment else None,
                    "staff_id": stop.staff_id or ANYONE,
                }
            )
        return notes
    for user in staff:
        form.staff.append_entry(_staff_row(user, offices))
    minutes = _visit_minutes()
    cap = int(config("PLAN_MAX_STOPS", 100))
    ids = request.args.getlist("organization_id", type=int)
    # From the outreach ranking ("plan visits" there): each stop's priority is its score.
    priorities: dict[int, int] = {}
    if request.args.get("ranked") and ids:
        from crm.ranking.services import stop_priorities

        priorities = stop_priorities(ids[:cap])
        notes.append(_("The priorities are the organizations' outreach scores."))
    for org_id in ids[:cap]:
        if org_id in priorities:
            form.add_stop(org_id, minutes, priority=priorities[org_id])
        else:
            form.add_stop(org_id, minutes)
    if len(ids) > cap:
        notes.append(_("Only the first %(n)d organizations were taken.", n=cap))
    if any(request.args.get(name) for name in LIST_FILTER_ARGS):
        from crm.organizations.views import parse_list_filters

        _filter_form, filters, _invalid = parse_list_filters(request.args)
        found, truncated = organizations_for_filters(filters, cap=cap)
        for org in found:
            form.add_stop(org.id, minutes)
        if truncated:
            notes.append(
                _("More than %(n)d organizations match the filters: only the first %(n)d were taken.", n=cap)
            )
    form.top.data = request.args.get("top", type=int)
    form.add_follow_ups.data = bool(request.args.get("follow_ups"))
    return notes


def _source_plan() -> VisitPlan | None:
    plan_id = request.args.get("from_plan", type=int)
    return db.session.get(VisitPlan, plan_id) if plan_id else None


def _add_candidates(form: PlanForm, days: list[date]) -> int:
    """Add the follow-up and top-N organizations the form asks for; returns how many."""
    added = 0
    minutes = _visit_minutes()
    if form.add_follow_ups.data and days:
        for org in follow_up_candidates(min(days), max(days)):
            added += form.add_stop(org.id, minutes, priority=70)
    if form.top.data:
        for candidate in visit_priority_candidates(form.top.data, today=local_today()):
            added += form.add_stop(candidate.organization.id, minutes, priority=candidate.priority)
    # Applied once: the rows are now in the list, where the user can untick them.
    form.add_follow_ups.data = False
    form.top.data = None
    form.top.raw_data = []
    return added


def _day_warnings(days: list[date]) -> list[str]:
    warnings = []
    today = local_today()
    if days and min(days) < today:
        warnings.append(_("The plan starts in the past."))
    if any(d.weekday() >= 5 for d in days):
        warnings.append(_("The plan includes a Saturday or a Sunday."))
    return warnings


@bp.route("/plan", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def plan() -> str | Response:
    staff = plannable_staff(current_user)
    offices = all_offices()
    form = PlanForm()
    notes: list[str] = []
    errors: dict[str, Any] = {"general": [], "stops": {}, "staff": {}}
    warnings: list[str] = []
    if request.method == "GET":
        notes = _initial_form(form, staff, offices)
        # Start the solver process now (it loads OR-Tools) while the coordinator fills the form.
        get_runner()
    form.set_choices(offices, staff)
    if request.method == "POST" and form.validate():
        days = plan_days(form.first_day.data, form.last_day.data, skip_weekends=form.skip_weekends.data)
        warnings = _day_warnings(days)
        added = _add_candidates(form, days)
        form.set_choices(offices, staff)
        if len(days) > MAX_PLAN_DAYS:
            errors["general"].append(_("A plan covers at most %(n)d days.", n=MAX_PLAN_DAYS))
        elif form.refresh.data:
            if added:
                notes.append(ngettext("%(num)d organization added.", "%(num)d organizations added.", added))
        else:
            try:
                new_plan = create_plan(form.to_request(days), by=current_user)
            except PlanInputError as exc:
                built = exc.built
                errors = {"general": built.errors, "stops": built.stop_errors, "staff": built.staff_errors}
            else:
                for warning in warnings:
                    flash(warning, "warning")
                submit_plan(new_plan)
                return redirect(url_for(".detail", plan_id=new_plan.id))
    elif request.method == "POST":
        errors["general"].append(_("Please correct the highlighted fields."))
    organizations = organizations_by_id(form.stop_ids())
    return render_template(
        "visits/plan.html",
        form=form,
        users={u.id: u for u in staff},
        organizations=organizations,
        notes=notes,
        warnings=warnings,
        errors=errors,
        approximate_precisions=APPROXIMATE_PRECISIONS,
        has_opening_hours=has_opening_hours,
        offices_without_location=[o for o in offices if o.latitude is None or o.longitude is None],
        has_offices=bool(offices),
    )


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> str:
    expire_stale_plans()
    return render_template("visits/index.html", plans=recent_plans())


# --- One plan -------------------------------------------------------------------------------------------


def _load_visible(plan_id: int) -> VisitPlan:
    """Coordinators see every plan; operators the plans they have a route in."""
    plan = db.get_or_404(VisitPlan, plan_id)
    if not current_user.is_coordinator and current_user.id not in plan_staff_ids(plan):
        abort(403)
    return plan


def _error_text(plan: VisitPlan) -> str | None:
    if plan.status is not PlanStatus.FAILED:
        return None
    if plan.error == INTERRUPTED:
        return _("The planning was interrupted (the server may have restarted). Plan again.")
    return _("The planner stopped with an error: %(error)s", error=plan.error or "?")


@bp.route("/plans/<int:plan_id>")
def detail(plan_id: int) -> str:
    plan = _load_visible(plan_id)
    if plan.status.is_running:
        expire_stale_plans()
    view = plan_view(plan)
    excluded = []
    if plan.excluded:
        orgs = organizations_by_id(int(k) for k in plan.excluded)
        excluded = [
            {"id": int(k), "organization": orgs.get(int(k)), "text": EXCLUSION_REASONS.get(v, v)}
            for k, v in plan.excluded.items()
        ]
    focus = request.args.get("route")
    routes = view.routes if view else []
    if not current_user.is_coordinator:
        routes = [r for r in routes if r.user_id == current_user.id]
    move_targets = [(r.shift_id, f"{r.user} · {r.day.strftime('%d/%m')}") for r in routes]
    map_routes = []
    if view is not None:
        shown = {r.shift_id for r in routes}
        map_routes = [m for m in view.map_data() if m["id"] in shown]
    return render_template(
        "visits/detail.html",
        plan=plan,
        view=view,
        routes=routes,
        focus=focus,
        excluded=excluded,
        error_text=_error_text(plan),
        move_targets=move_targets,
        map_routes=map_routes,
        can_edit=current_user.is_coordinator and plan.status is PlanStatus.SOLVED,
        violation_text=violation_text,
        tile_url=current_app.config.get("MAP_TILE_URL", ""),
        tile_attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
    )


@bp.route("/plans/<int:plan_id>/status.json")
def status(plan_id: int) -> Response:
    """The job's state, polled every second by the result page while it is solving."""
    plan = _load_visible(plan_id)
    if plan.status.is_running:
        expire_stale_plans()
        db.session.refresh(plan)
    return jsonify(
        id=plan.id,
        status=plan.status.value,
        running=plan.status.is_running,
        error=_error_text(plan),
        seconds=plan.solve_seconds,
        url=url_for(".detail", plan_id=plan.id),
    )


@bp.route("/plans/<int:plan_id>/move", methods=["POST"])
@role_required(Role.COORDINATOR)
def move(plan_id: int) -> Response:
    plan = db.get_or_404(VisitPlan, plan_id)
    stop_id = request.form.get("stop_id", "")
    target = request.form.get("target") or None
    direction = request.form.get("direction") or None
    position = request.form.get("position", type=int)
    try:
        violations = move_visit(
            plan, stop_id, target=target, position=position, direction=direction, by=current_user
        )
    except PlanStateError:
        flash(_("Re-open the plan before changing it."), "warning")
    except PlanningError:
        flash(_("That visit cannot be moved there."), "danger")
    else:
        if violations:
            flash(
                ngettext(
                    "Visit moved. The plan now has %(num)d problem: see the warnings below.",
                    "Visit moved. The plan now has %(num)d problems: see the warnings below.",
                    len(violations),
                ),
                "warning",
            )
        else:
            flash(_("Visit moved. The plan is still feasible."), "success")
    return redirect(url_for(".detail", plan_id=plan.id) + "#routes")


@bp.route("/plans/<int:plan_id>/accept", methods=["POST"])
@role_required(Role.COORDINATOR)
def accept(plan_id: int) -> Response:
    plan = db.get_or_404(VisitPlan, plan_id)
    if plan.status is PlanStatus.ACCEPTED:
        flash(_("This plan was already accepted."), "info")
        return redirect(url_for(".detail", plan_id=plan.id))
    try:
        written = accept_plan(plan, by=current_user, confirm=bool(request.form.get("confirm")))
    except PlanViolationsError:
        flash(_("The plan has problems. Tick the confirmation to accept it anyway."), "danger")
    except PlanStateError:
        flash(_("Only a finished plan can be accepted."), "warning")
    else:
        flash(
            ngettext(
                "Plan accepted: %(num)d visit is in the operators' agendas.",
                "Plan accepted: %(num)d visits are in the operators' agendas.",
                written,
            ),
            "success",
        )
    return redirect(url_for(".detail", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/reopen", methods=["POST"])
@role_required(Role.COORDINATOR)
def reopen(plan_id: int) -> Response:
    plan = db.get_or_404(VisitPlan, plan_id)
    try:
        cancelled = reopen_plan(plan, by=current_user)
    except PlanStateError:
        flash(_("This plan cannot be re-opened."), "warning")
    else:
        flash(
            ngettext(
                "Plan re-opened: %(num)d planned visit was withdrawn until you accept it again.",
                "Plan re-opened: %(num)d planned visits were withdrawn until you accept it again.",
                cancelled,
            ),
            "info",
        )
    return redirect(url_for(".detail", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/cancel", methods=["POST"])
@role_required(Role.COORDINATOR)
def cancel(plan_id: int) -> Response:
    plan = db.get_or_404(VisitPlan, plan_id)
    try:
        cancelled = cancel_plan(plan, by=current_user)
    except PlanStateError:
        flash(_("This plan is already cancelled."), "info")
    else:
        flash(
            ngettext(
                "Plan cancelled; %(num)d planned visit was cancelled.",
                "Plan cancelled; %(num)d planned visits were cancelled.",
                cancelled,
            ),
            "info",
        )
    return redirect(url_for(".detail", plan_id=plan.id))


# --- Agenda ---------------------------------------------------------------------------------------------


@bp.route("/agenda", endpoint="agenda")
def agenda_page() -> str:
    """A person's visits by day for a week (coordinators may look at anyone's)."""
    whose: User = current_user
    staff: list[User] = []
    if current_user.is_coordinator:
        staff = plannable_staff(current_user)
        chosen = request.args.get("user_id", type=int)
        if chosen and chosen != current_user.id:
            whose = db.get_or_404(User, chosen)
    try:
        start_day = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        start_day = local_today()
    first, last = week_of(start_day)
    days = agenda(whose.id, first, last)
    return render_template(
        "visits/agenda.html",
        whose=whose,
        staff=staff,
        first=first,
        last=last,
        days=days,
        previous_week=first - timedelta(days=7),
        next_week=first + timedelta(days=7),
        today=local_today(),
    )
