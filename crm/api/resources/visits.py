"""``/api/v1/visit-plans`` and ``/api/v1/visits``: the planner's results and the visits themselves
(the screens' rules: coordinators see every plan and anyone's agenda; operators the plans they have
a route in, their own routes and their own visits)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import marshmallow as ma
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.api.core import PageArgs, api_abort, make_blueprint, page_schema, paginate
from crm.api.fields import Day, Enum, Id
from crm.api.resources.common import OrganizationBrief, UserBrief, load_or_404
from crm.api.resources.interactions import InteractionPage
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus
from crm.interactions.services import to_utc
from crm.visits.models import PlanStatus, VisitPlan
from crm.visits.planning import EXCLUSION_REASONS, violation_text
from crm.visits.services import (
    PlanStateError,
    PlanViolationsError,
    accept_plan,
    cancel_plan,
    expire_stale_plans,
    plan_staff_ids,
    plan_view,
    reopen_plan,
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
