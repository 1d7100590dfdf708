"""``/api/v1/visit-plans`` and ``/api/v1/visits``: the planner and its results, and the visits
themselves (the screens' rules: coordinators plan, see every plan and anyone's agenda; operators the
plans they have a route in, their own routes and their own visits).

A plan is made as on the planning screen: the request goes through the screen's :class:`PlanForm`
and :func:`~crm.visits.services.create_plan`, and :func:`~crm.visits.services.submit_plan` hands it
to the app's runner - solved at once when plans run inline, else in the background (a warm solver
process, or a job worker with RQ), which the client then polls.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any, NoReturn

import marshmallow as ma
from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from crm.api.core import (
    PageArgs,
    api_abort,
    documents_errors,
    make_blueprint,
    page_schema,
    paginate,
    validate_form,
)
from crm.api.fields import Day, Enum, Id, Text
from crm.api.resources.common import OrganizationBrief, UserBrief, load_or_404
from crm.api.resources.interactions import InteractionPage
from crm.api.resources.jobs import JobOut, job_location, plan_job
from crm.auth.models import User
from crm.extensions import db
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus
from crm.interactions.services import to_utc
from crm.visits.forms import ANYONE, PlanForm
from crm.visits.jobs import InlineRunner, get_runner
from crm.visits.models import PlanStatus, VisitPlan
from crm.visits.planning import (
    DEFAULT_LUNCH_FROM,
    DEFAULT_LUNCH_MINUTES,
    DEFAULT_LUNCH_TO,
    DEFAULT_PRIORITY,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    EXCLUSION_REASONS,
    violation_text,
)
from crm.visits.services import (
    MAX_PLAN_DAYS,
    PlanInputError,
    PlanStateError,
    PlanViolationsError,
    accept_plan,
    all_offices,
    cancel_plan,
    config,
    create_plan,
    default_office_id,
    expire_stale_plans,
    organizations_by_id,
    plan_days,
    plan_staff_ids,
    plan_view,
    plannable_staff,
    reopen_plan,
    submit_plan,
)
from routing.model import TravelMode

plans_blp = make_blueprint("visit_plans", "/visit-plans", "Visit plans made by the route planner.")
visits_blp = make_blueprint("visits", "/visits", "Planned and done visits, by person and day.")


def _hhmm(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


class PlanArgs(PageArgs):
    status = Enum(PlanStatus)


class ExcludedOut(ma.Schema):
    organization_id = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class VisitPlanOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = Enum(PlanStatus, required=True)
    first_day = ma.fields.Date(required=True)
    last_day = ma.fields.Date(required=True)
    days = ma.fields.Integer(required=True)
    purpose = ma.fields.String(required=True, allow_none=True)
    time_limit = ma.fields.Integer(required=True, metadata={"description": "Solver seconds allowed."})
    edited = ma.fields.Boolean(required=True, metadata={"description": "Changed by hand after solving."})
    error = ma.fields.String(required=True, allow_none=True)
    solve_seconds = ma.fields.Float(required=True, allow_none=True)
    staff_ids = ma.fields.Method(
        "_staff_ids", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )
    created_by = ma.fields.Nested(UserBrief, required=True, allow_none=True)
    accepted_by = ma.fields.Nested(UserBrief, required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    started_at = ma.fields.DateTime(required=True, allow_none=True)
    finished_at = ma.fields.DateTime(required=True, allow_none=True)
    accepted_at = ma.fields.DateTime(required=True, allow_none=True)

    def _staff_ids(self, plan: VisitPlan) -> list[int]:
        return sorted(plan_staff_ids(plan))


VisitPlanPage = page_schema(VisitPlanOut, "VisitPlanPage")


class PlannedVisitOut(ma.Schema):
    position = ma.fields.Integer(required=True)
    organization = ma.fields.Nested(OrganizationBrief, required=True, allow_none=True)
    organization_id = ma.fields.Integer(required=True)
    arrival = ma.fields.String(required=True, metadata={"description": "Local time HH:MM."})
    start = ma.fields.String(required=True)
    departure = ma.fields.String(required=True)
    travel_minutes = ma.fields.Integer(required=True)
    waiting_minutes = ma.fields.Integer(required=True)
    approximate = ma.fields.Boolean(
        required=True, metadata={"description": "Coordinates only of the comune."}
    )


class RouteOut(ma.Schema):
    user = ma.fields.Nested(UserBrief, required=True, allow_none=True)
    day = ma.fields.Date(required=True)
    mode = Enum(TravelMode, required=True)
    departure = ma.fields.String(required=True)
    arrival = ma.fields.String(required=True)
    travel_minutes = ma.fields.Integer(required=True)
    km = ma.fields.Float(required=True)
    visits = ma.fields.List(ma.fields.Nested(PlannedVisitOut), required=True)


class UnassignedOut(ma.Schema):
    organization_id = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class VisitPlanDetailOut(VisitPlanOut):
    excluded = ma.fields.List(ma.fields.Nested(ExcludedOut), required=True)
    routes = ma.fields.List(ma.fields.Nested(RouteOut), required=True)
    unassigned = ma.fields.List(ma.fields.Nested(UnassignedOut), required=True)


@plans_blp.route("")
@plans_blp.arguments(PlanArgs, location="query")
@plans_blp.response(200, VisitPlanPage)
def list_plans(args: dict[str, Any]) -> dict[str, Any]:
    """List visit plans, newest first (coordinators, as the planning screen)."""
    if not current_user.is_coordinator:
        api_abort(403, "forbidden", "The list of plans is for coordinators.")
    expire_stale_plans()
    stmt = select(VisitPlan).options(selectinload(VisitPlan.created_by), selectinload(VisitPlan.accepted_by))
    if args.get("status") is not None:
        stmt = stmt.where(VisitPlan.status == args["status"])
    return paginate(stmt.order_by(VisitPlan.created_at.desc(), VisitPlan.id.desc()), args)


@plans_blp.route("/<int:plan_id>")
@plans_blp.response(200, VisitPlanDetailOut)
def get_plan(plan_id: int) -> _PlanDetail:
    """One plan with its routes (operators: plans they have a route in, and only their routes)."""
    plan: VisitPlan = load_or_404(VisitPlan, plan_id)
    if not current_user.is_coordinator and current_user.id not in plan_staff_ids(plan):
        api_abort(403, "forbidden", "You have no route in this plan.")
    if plan.status.is_running:
        expire_stale_plans()
    return _plan_detail(plan)


def _plan_detail(plan: VisitPlan) -> _PlanDetail:
    """The plan with the routes the current user may see."""
    view = plan_view(plan)
    routes = []
    unassigned = []
    if view is not None:
        for route in view.routes:
            if not current_user.is_coordinator and route.user_id != current_user.id:
                continue
            routes.append(
                {
                    "user": route.user,
                    "day": route.day,
                    "mode": route.mode,
                    "departure": _hhmm(route.departure),
                    "arrival": _hhmm(route.arrival),
                    "travel_minutes": route.travel_minutes,
                    "km": route.km,
                    "visits": [
                        {
                            "position": v.position,
                            "organization": v.organization,
                            "organization_id": v.organization_id,
                            "arrival": _hhmm(v.arrival),
                            "start": _hhmm(v.start),
                            "departure": _hhmm(v.departure),
                            "travel_minutes": round(v.travel_seconds / 60),
                            "waiting_minutes": round(v.waiting_seconds / 60),
                            "approximate": v.approximate,
                        }
                        for v in route.visits
                    ],
                }
            )
        unassigned = [
            {"organization_id": u.organization_id, "reason": u.reason, "text": str(u.text)}
            for u in view.unassigned
        ]
    excluded = [
        {"organization_id": int(k), "reason": str(v), "text": str(EXCLUSION_REASONS.get(v, v))}
        for k, v in (plan.excluded or {}).items()
    ]
    return _PlanDetail(plan, excluded, routes, unassigned)


class _PlanDetail:
    """The plan's attributes plus the computed routes, for VisitPlanDetailOut to dump."""

    def __init__(
        self, plan: VisitPlan, excluded: list[Any], routes: list[Any], unassigned: list[Any]
    ) -> None:
        self._plan = plan
        self.excluded = excluded
        self.routes = routes
        self.unassigned = unassigned

    def __getattr__(self, name: str) -> Any:
        return getattr(self._plan, name)


# --- Planning -------------------------------------------------------------------------------------


def _hh_mm(value: time | None) -> str | None:
    """A time as the planning form's fields read it (``HH:MM``)."""
    return None if value is None else value.strftime("%H:%M")


class PlanStaffIn(ma.Schema):
    """One person who makes visits on every chosen day (as a row of the planning screen)."""

    user_id = Id(metadata={"description": "The operator's user id (or give `email`)."})
    email = Text(max_length=254, metadata={"description": "The operator's e-mail (or give `user_id`)."})
    mode = Enum(TravelMode, load_default=TravelMode.CAR, metadata={"description": "How they travel."})
    start_office_id = Id(metadata={"description": "Office the day starts at (default: their office)."})
    end_office_id = Id(metadata={"description": "Office the day ends at (default: where it starts)."})
    work_start = ma.fields.Time(metadata={"description": f"Default {DEFAULT_WORK_START:%H:%M}."})
    work_end = ma.fields.Time(metadata={"description": f"Default {DEFAULT_WORK_END:%H:%M}."})
    lunch_minutes = ma.fields.Integer(
        strict=True, validate=validate.Range(min=0, max=120), metadata={"description": "Default 30."}
    )
    lunch_from = ma.fields.Time(
        metadata={"description": f"Lunch not before; default {DEFAULT_LUNCH_FROM:%H:%M}."}
    )
    lunch_to = ma.fields.Time(metadata={"description": f"Lunch over by; default {DEFAULT_LUNCH_TO:%H:%M}."})
    max_visits = ma.fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=30))

    @ma.validates_schema
    def _one_identity(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("user_id" in data) == ("email" in data):
            raise ma.ValidationError(_("Give either user_id or email."), "user_id")


class PlanStopIn(ma.Schema):
    """One organization to visit (as a row of the planning screen)."""

    organization_id = Id(required=True)
    minutes = ma.fields.Integer(
        strict=True,
        validate=validate.Range(min=5, max=480),
        metadata={"description": "Length of the visit (default: DEFAULT_VISIT_MINUTES, 45)."},
    )
    priority = ma.fields.Integer(
        strict=True, validate=validate.Range(min=0, max=100), metadata={"description": "Default 50."}
    )
    appointment_date = Day(allow_none=True, metadata={"description": "Agreed day (with the time)."})
    appointment_time = ma.fields.Time(allow_none=True, metadata={"description": "Agreed local time."})
    staff_id = Id(allow_none=True, metadata={"description": "The operator who must make this visit."})

    @ma.validates_schema
    def _whole_appointment(self, data: dict[str, Any], **kwargs: Any) -> None:
        # The screen's form checks this only when the time is given; a day alone would be dropped.
        day, hour = data.get("appointment_date"), data.get("appointment_time")
        if (day is None) != (hour is None):
            raise ma.ValidationError(
                _("Give both the day and the time of the appointment."),
                "appointment_time" if hour is None else "appointment_date",
            )


class PlanCreate(ma.Schema):
    first_day = Day(required=True)
    days = ma.fields.Integer(
        strict=True,
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PLAN_DAYS),
        metadata={"description": "How many days from first_day (Saturdays and Sundays skipped, see below)."},
    )
    skip_weekends = ma.fields.Boolean(
        load_default=True, metadata={"description": "Skip Saturdays and Sundays in a range."}
    )
    purpose = Text(max_length=150, allow_none=True, metadata={"description": "Subject of the visits."})
    seconds = ma.fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=30),
        metadata={"description": "Time the solver may search (default PLAN_SECONDS, 5)."},
    )
    staff = ma.fields.List(
        ma.fields.Nested(PlanStaffIn), required=True, validate=validate.Length(min=1, max=100)
    )
    stops = ma.fields.List(
        ma.fields.Nested(PlanStopIn), required=True, validate=validate.Length(min=1, max=1000)
    )


class PlanSubmittedOut(ma.Schema):
    """A plan being solved in the background: poll the `Location` header's URL."""

    plan = ma.fields.Nested(VisitPlanOut, required=True)
    job = ma.fields.Nested(
        JobOut,
        required=True,
        allow_none=True,
        metadata={
            "description": "The background job, when plans go to the job queue; else null (poll the plan)."
        },
    )


@plans_blp.route("", methods=["POST"])
@plans_blp.arguments(PlanCreate)
@plans_blp.response(201, VisitPlanDetailOut)
@plans_blp.alt_response(
    202,
    schema=PlanSubmittedOut,
    description="Solving in the background: poll the job (or the plan) at `Location`.",
    headers={"Location": {"description": "URL to poll", "schema": {"type": "string"}}},
    success=True,
)
@documents_errors(plans_blp, 403)
def create(data: dict[str, Any]) -> _PlanDetail | Response:
    """Plan visits, as the planning screen does (coordinators).

    The new plan is a draft: accept it with `POST /visit-plans/{id}/accept`. 201 with the plan when
    it was solved at once; 202 when it is solved in the background.
    """
    if not current_user.is_coordinator:
        api_abort(403, "forbidden", _("Only coordinators plan visits."))
    offices = all_offices()
    staff = plannable_staff(current_user)
    errors: dict[str, list[str]] = {}
    rows = _staff_rows(data["staff"], staff, offices, errors)
    stops = _stop_rows(data["stops"], staff, errors)
    if errors:
        api_abort(422, "validation_failed", _("Some fields are not valid."), errors=errors)
    last_day = _last_day(data["first_day"], data["days"], data["skip_weekends"])
    values: dict[str, Any] = {
        "first_day": data["first_day"],
        "last_day": last_day,
        "skip_weekends": data["skip_weekends"],
        "purpose": data.get("purpose"),
        "seconds": data.get("seconds") or int(config("PLAN_SECONDS", 5)),
    }
    for index, row in enumerate(rows):
        values.update({f"staff-{index}-{name}": value for name, value in row.items()})
    for index, row in enumerate(stops):
        values.update({f"stops-{index}-{name}": value for name, value in row.items()})
    form: PlanForm = validate_form(PlanForm, values, prepare=lambda f: f.set_choices(offices, staff))
    days = plan_days(form.first_day.data, form.last_day.data, skip_weekends=form.skip_weekends.data)
    try:
        plan = create_plan(form.to_request(days), by=current_user)
    except PlanInputError as exc:
        _refused(exc, rows, stops)
    inline = isinstance(get_runner(), InlineRunner)
    submit_plan(plan)
    if inline:
        db.session.refresh(plan)
        return _plan_detail(plan)
    job = plan_job(plan.id, current_user.id)
    response = jsonify(PlanSubmittedOut().dump({"plan": plan, "job": job}))
    response.status_code = 202
    response.headers["Location"] = (
        job_location(job) if job is not None else url_for("api_visit_plans.get_plan", plan_id=plan.id)
    )
    return response


def _staff_rows(
    requested: list[dict[str, Any]], staff: list[User], offices: list[Any], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """The screen's staff rows for ``requested``: only people the screen offers, each once (what is
    wrong goes into ``errors`` by field path)."""
    by_id = {user.id: user for user in staff}
    by_email = {user.email.lower(): user for user in staff}
    office_ids = {office.id for office in offices}
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for index, spec in enumerate(requested):
        field = "user_id" if "user_id" in spec else "email"
        user = by_id.get(spec["user_id"]) if field == "user_id" else by_email.get(spec["email"].lower())
        if user is None:
            errors[f"staff.{index}.{field}"] = [_("Not an active operator who can be planned.")]
            continue
        if user.id in seen:
            errors[f"staff.{index}.{field}"] = [_("This person is already in the plan.")]
            continue
        seen.add(user.id)
        start = spec.get("start_office_id", default_office_id(user, offices))
        end = spec.get("end_office_id", start)
        for name in ("start_office_id", "end_office_id"):
            # Only what was sent: the end defaults to the start, reported once.
            if spec.get(name) is not None and spec[name] not in office_ids:
                errors[f"staff.{index}.{name}"] = [_("No office with id %(id)d.", id=spec[name])]
        rows.append(
            {
                "user_id": user.id,
                "include": True,
                "mode": spec["mode"],
                "start_office_id": start,
                "end_office_id": end,
                "work_start": _hh_mm(spec.get("work_start", DEFAULT_WORK_START)),
                "work_end": _hh_mm(spec.get("work_end", DEFAULT_WORK_END)),
                "lunch_minutes": spec.get("lunch_minutes", DEFAULT_LUNCH_MINUTES),
                "lunch_from": _hh_mm(spec.get("lunch_from", DEFAULT_LUNCH_FROM)),
                "lunch_to": _hh_mm(spec.get("lunch_to", DEFAULT_LUNCH_TO)),
                "max_visits": spec.get("max_visits"),
            }
        )
    return rows


def _stop_rows(
    requested: list[dict[str, Any]], staff: list[User], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """The screen's organization rows for ``requested``: existing organizations, each once (what is
    wrong goes into ``errors`` by field path)."""
    cap = int(config("PLAN_MAX_STOPS", 100))
    if len(requested) > cap:
        errors["stops"] = [_("A plan visits at most %(n)d organizations.", n=cap)]
        return []
    found = organizations_by_id(spec["organization_id"] for spec in requested)
    staff_ids = {user.id for user in staff}
    minutes = int(config("DEFAULT_VISIT_MINUTES", 45))
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for index, spec in enumerate(requested):
        organization_id = spec["organization_id"]
        if organization_id not in found:
            errors[f"stops.{index}.organization_id"] = [
                _("No organization with id %(id)d.", id=organization_id)
            ]
        elif organization_id in seen:
            errors[f"stops.{index}.organization_id"] = [_("This organization is already in the plan.")]
        seen.add(organization_id)
        staff_id = spec.get("staff_id")
        if staff_id is not None and staff_id not in staff_ids:
            errors[f"stops.{index}.staff_id"] = [_("Not an active operator who can be planned.")]
        rows.append(
            {
                "organization_id": organization_id,
                "include": True,
                "minutes": spec.get("minutes", minutes),
                "priority": spec.get("priority", DEFAULT_PRIORITY),
                "appointment_date": spec.get("appointment_date"),
                "appointment_time": _hh_mm(spec.get("appointment_time")),
                "staff_id": staff_id or ANYONE,
            }
        )
    return rows


def _last_day(first: date, count: int, skip_weekends: bool) -> date:
    """The last day of the range holding ``count`` plan days from ``first`` (screen's rule for
    weekends, :func:`~crm.visits.services.plan_days`)."""
    last = first
    while len(plan_days(first, last, skip_weekends=skip_weekends)) < count:
        last += timedelta(days=1)
    return last


def _refused(exc: PlanInputError, staff: list[dict[str, Any]], stops: list[dict[str, Any]]) -> NoReturn:
    """The planner's reasons, by the index of the staff member or organization in the request."""
    built = exc.built
    staff_index = {row["user_id"]: index for index, row in enumerate(staff)}
    stop_index = {row["organization_id"]: index for index, row in enumerate(stops)}
    errors: dict[str, list[str]] = {}
    if built.errors:
        errors["_schema"] = [str(message) for message in built.errors]
    for user_id, message in built.staff_errors.items():
        errors.setdefault(f"staff.{staff_index.get(user_id, user_id)}", []).append(str(message))
    for organization_id, message in built.stop_errors.items():
        errors.setdefault(f"stops.{stop_index.get(organization_id, organization_id)}", []).append(
            str(message)
        )
    api_abort(422, "plan_not_possible", _("These visits cannot be planned as asked."), errors=errors)


# --- A coordinator's decisions on a plan ------------------------------------------------------------


class AcceptArgs(ma.Schema):
    confirm = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Accept although the plan breaks constraints (after moves by hand)."},
    )


class PlanDecisionOut(ma.Schema):
    plan = ma.fields.Nested(VisitPlanOut, required=True)
    visits = ma.fields.Integer(
        required=True, metadata={"description": "Planned visits written (accept) or withdrawn."}
    )


def _decidable(plan_id: int) -> VisitPlan:
    if not current_user.is_coordinator:
        api_abort(403, "forbidden", "Only coordinators decide on visit plans.")
    return load_or_404(VisitPlan, plan_id)  # type: ignore[no-any-return]


@plans_blp.route("/<int:plan_id>/accept", methods=["POST"])
@plans_blp.arguments(AcceptArgs)
@plans_blp.response(200, PlanDecisionOut)
def accept(args: dict[str, Any], plan_id: int) -> dict[str, Any]:
    """Accept a solved plan: its visits go into the operators' agendas (as the plan page does)."""
    plan = _decidable(plan_id)
    if plan.status is PlanStatus.ACCEPTED:
        api_abort(409, "invalid_plan_state", "This plan was already accepted.")
    try:
        written = accept_plan(plan, by=current_user, confirm=args["confirm"])
    except PlanViolationsError as exc:
        api_abort(
            409,
            "plan_has_violations",
            "The plan breaks constraints: send confirm=true to accept it anyway.",
            errors={"plan": [violation_text(v) for v in exc.violations]},
        )
    except PlanStateError:
        api_abort(409, "invalid_plan_state", "Only a solved plan can be accepted.")
    return {"plan": plan, "visits": written}


@plans_blp.route("/<int:plan_id>/reopen", methods=["POST"])
@plans_blp.response(200, PlanDecisionOut)
def reopen(plan_id: int) -> dict[str, Any]:
    """Re-open an accepted plan: its planned visits are withdrawn until it is accepted again."""
    plan = _decidable(plan_id)
    try:
        withdrawn = reopen_plan(plan, by=current_user)
    except PlanStateError:
        api_abort(409, "invalid_plan_state", "This plan cannot be re-opened.")
    return {"plan": plan, "visits": withdrawn}


@plans_blp.route("/<int:plan_id>/cancel", methods=["POST"])
@plans_blp.response(200, PlanDecisionOut)
def cancel(plan_id: int) -> dict[str, Any]:
    """Cancel a plan and the visits it planned."""
    plan = _decidable(plan_id)
    try:
        cancelled = cancel_plan(plan, by=current_user)
    except PlanStateError:
        api_abort(409, "invalid_plan_state", "This plan is already cancelled.")
    return {"plan": plan, "visits": cancelled}


# --- Visits ---------------------------------------------------------------------------------------


class VisitArgs(PageArgs):
    user_id = Id(query=True, metadata={"description": "Whose visits (coordinators; default yourself)."})
    date_from = Day(metadata={"description": "Local date, inclusive."})
    date_to = Day(metadata={"description": "Local date, inclusive."})
    status = Enum(InteractionStatus)
    organization_id = Id(query=True)
    visit_plan_id = Id(query=True)


@visits_blp.route("")
@visits_blp.arguments(VisitArgs, location="query")
@visits_blp.response(200, InteractionPage)
def list_visits(args: dict[str, Any]) -> dict[str, Any]:
    """A person's visits in time order, like the agenda (coordinators may ask for anyone's)."""
    user_id = args.get("user_id", current_user.id)
    if user_id != current_user.id and not current_user.is_coordinator:
        api_abort(403, "forbidden", "Operators see their own visits.")
    stmt = (
        select(Interaction)
        .where(Interaction.kind == InteractionKind.VISIT, Interaction.user_id == user_id)
        .options(
            selectinload(Interaction.organization),
            selectinload(Interaction.user),
            selectinload(Interaction.contact),
        )
    )
    if args.get("status") is not None:
        stmt = stmt.where(Interaction.status == args["status"])
    if args.get("organization_id") is not None:
        stmt = stmt.where(Interaction.organization_id == args["organization_id"])
    if args.get("visit_plan_id") is not None:
        stmt = stmt.where(Interaction.visit_plan_id == args["visit_plan_id"])
    if args.get("date_from") is not None:
        stmt = stmt.where(Interaction.occurred_at >= to_utc(args["date_from"], time(0)))
    if args.get("date_to") is not None:
        stmt = stmt.where(Interaction.occurred_at < to_utc(args["date_to"] + timedelta(days=1), time(0)))
    return paginate(stmt.order_by(Interaction.occurred_at, Interaction.id), args)
