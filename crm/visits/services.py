"""Visit planning: choose what to plan, run the solver as a job, edit, accept, agenda.

Services own the transaction and never read the request; ``by`` is the staff member acting.
The translation between CRM rows and the routing library is in :mod:`crm.visits.planning`.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from crm.audit.services import acting_as
from crm.auth.models import Role, User
from crm.db_types import utcnow
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import local_timezone
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus
from crm.offices.models import Office
from crm.organizations.models import Organization, OrganizationStatus
from crm.organizations.services import OrganizationFilters, search_organizations
from crm.visits.models import PlanStatus, VisitPlan
from crm.visits.planning import (
    REMOVED_BY_HAND,
    BuiltProblem,
    PlanRequest,
    PlanView,
    build_problem,
    default_provider,
    describe_plan,
    hhmm,
    local_instant,
    time_budget,
)
from routing import MatrixProvider, Plan, Problem, Unassigned, UnassignedReason, Violation
from routing import build_plan as routing_build_plan
from routing import check_plan as routing_check_plan
from routing.io import plan_from_dict, plan_to_dict, problem_from_dict, problem_to_dict

log = logging.getLogger(__name__)

#: Longest range of days one plan may cover.
MAX_PLAN_DAYS = 14
#: "Not visited recently": such organizations are not proposed for a visit again.
RECENT_VISIT_DAYS = 90
#: Error code stored on a job whose process went away.
INTERRUPTED = "interrupted"

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


class PlanningError(Exception):
    """Base of this module's errors."""


class PlanInputError(PlanningError):
    """The request cannot be planned; ``built`` says why, stop by stop and person by person."""

    def __init__(self, built: BuiltProblem) -> None:
        super().__init__("the plan request is not valid")
        self.built = built


class PlanStateError(PlanningError):
    """The plan is not in a state that allows this action."""


class PlanViolationsError(PlanningError):
    """The plan breaks constraints and the user did not confirm accepting it anyway."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__(f"{len(violations)} violations")
        self.violations = list(violations)


def config(name: str, default: Any) -> Any:
    """A planning setting (documented in docs/visits.md) with its default."""
    return current_app.config.get(name, default)


# --- Days, people, places ------------------------------------------------------------------------


def next_working_day(today: date) -> date:
    """The next Monday-to-Friday day after ``today``."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def plan_days(first: date, last: date | None, *, skip_weekends: bool = True) -> list[date]:
    """The days of a range; weekends are skipped when the range also has working days."""
    last = last or first
    if last < first:
        first, last = last, first
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    weekdays = [d for d in days if d.weekday() < 5]
    return weekdays if skip_weekends and weekdays else days


def plannable_staff(by: User | None = None) -> list[User]:
    """Active operators by name, plus ``by`` when a coordinator or admin plans themselves in."""
    users = list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role == Role.OPERATOR)
            .options(selectinload(User.office))
            .order_by(User.full_name)
        )
    )
    if by is not None and by.active and by.role is not Role.OPERATOR:
        users.append(by)
    return users


def all_offices() -> list[Office]:
    return list(db.session.scalars(select(Office).order_by(Office.name)))


def default_office_id(user: User, offices: Sequence[Office]) -> int | None:
    """The user's office if it has coordinates, else the first office that has them."""
    located = [o for o in offices if o.latitude is not None and o.longitude is not None]
    if user.office_id is not None and any(o.id == user.office_id for o in located):
        return user.office_id
    return located[0].id if located else user.office_id


def organizations_by_id(ids: Iterable[int]) -> dict[int, Organization]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.scalars(select(Organization).where(Organization.id.in_(wanted)))
    return {o.id: o for o in rows}


def organizations_for_filters(filters: OrganizationFilters, *, cap: int) -> tuple[list[Organization], bool]:
    """The organizations the list shows with ``filters``, at most ``cap`` (and whether cut)."""
    rows = list(db.session.scalars(search_organizations(filters).limit(cap + 1)))
    return rows[:cap], len(rows) > cap


def follow_up_candidates(first_day: date, last_day: date) -> list[Organization]:
    """Organizations with an open follow-up due by ``last_day`` (overdue ones included)."""
    due = (
        select(FollowUp.organization_id, func.min(FollowUp.due_date).label("due"))
        .where(
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.organization_id.is_not(None),
            FollowUp.due_date <= last_day,
        )
        .group_by(FollowUp.organization_id)
        .subquery()
    )
    stmt = (
        select(Organization)
        .join(due, due.c.organization_id == Organization.id)
        .where(Organization.status != OrganizationStatus.DO_NOT_CONTACT)
        .order_by(due.c.due, Organization.id)
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class Candidate:
    """An organization proposed for a visit, with the stop priority (0..100) it gets."""

    organization: Organization
    priority: int


def visit_priority_candidates(limit: int, *, today: date) -> list[Candidate]:
    """The organizations most worth a visit now, best first, from the outreach ranking
    (:mod:`crm.ranking`): located, not "do not contact" (never ranked), with no visit done in the
    last :data:`RECENT_VISIT_DAYS` days and none planned from today on. The stop priority is the
    ranking score.

    :param today: the local date to measure "recently" from.
    """
    if limit <= 0:
        return []
    from crm.ranking.services import ranked_for_visits

    tz = local_timezone()
    since = datetime.combine(today - timedelta(days=RECENT_VISIT_DAYS), time(0), tz)
    from_today = datetime.combine(today, time(0), tz)
    recently_visited = select(Interaction.organization_id).where(
        Interaction.kind == InteractionKind.VISIT,
        or_(
            and_(Interaction.status == InteractionStatus.DONE, Interaction.occurred_at >= since),
            and_(
                Interaction.status == InteractionStatus.PLANNED,
                Interaction.occurred_at >= from_today,
            ),
        ),
    )
    ranked = ranked_for_visits(limit, exclude=db.session.scalars(recently_visited))
    organizations = organizations_by_id(org_id for org_id, _priority in ranked)
    return [Candidate(organizations[o], priority) for o, priority in ranked if o in organizations]


# --- Creating and solving ------------------------------------------------------------------------


def check_request(request: PlanRequest) -> BuiltProblem:
    """Build the routing problem for ``request`` from the current rows (no writes)."""
    organizations = organizations_by_id(s.organization_id for s in request.stops)
    offices = {o.id: o for o in all_offices()}
    return build_problem(request, organizations, offices)


def create_plan(request: PlanRequest, *, by: User | None) -> VisitPlan:
    """Save a queued plan for ``request`` (solve it with :func:`submit_plan`).

    :raises PlanInputError: when the request cannot be planned (reasons by stop and person).
    """
    built = check_request(request)
    if len(set(request.days)) > MAX_PLAN_DAYS:
        built.errors.append(_("A plan covers at most %(n)d days.", n=MAX_PLAN_DAYS))
    if not built.ok:
        raise PlanInputError(built)
    assert built.problem is not None
    stored = request.to_dict()
    stored["approximate"] = {str(k): v for k, v in built.approximate.items()}
    stored["narrowed"] = built.narrowed
    plan = VisitPlan(
        status=PlanStatus.QUEUED,
        first_day=min(request.days),
        last_day=max(request.days),
        purpose=request.purpose,
        time_limit=request.seconds,
        request=stored,
        problem=problem_to_dict(built.problem),
        excluded={str(k): v for k, v in built.excluded.items()},
        created_by_id=by.id if by is not None else None,
        worker=WORKER_ID,
    )
    db.session.add(plan)
    db.session.commit()
    return plan


def submit_plan(plan: VisitPlan) -> None:
    """Hand the queued plan to the app's job runner (inline in tests)."""
    from crm.visits.jobs import get_runner

    get_runner().submit(plan.id)


def provider() -> MatrixProvider:
    """The app's travel-matrix provider (one instance, so an HTTP provider's cache is kept)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("visit_plan_provider")
    if found is None:
        found = default_provider(app.config.get("PLAN_ROUTING_URL"))
        app.extensions["visit_plan_provider"] = found
    return found  # type: ignore[no-any-return]


def run_plan_job(plan_id: int, *, solver: Callable[[Any, Any, dict[str, Any]], Any]) -> None:
    """Solve a queued plan and store the result (or the failure) in its row.

    Called by the job runner in its own app context; never raises for a solver failure.

    :param solver: ``solver(problem, provider, settings) -> routing.Plan`` where ``settings``
        are :class:`routing.SolverSettings` fields (see :mod:`crm.visits.jobs`).
    """
    plan = db.session.get(VisitPlan, plan_id)
    if plan is None or plan.status is not PlanStatus.QUEUED:
        return
    plan.status = PlanStatus.SOLVING
    plan.started_at = utcnow()
    plan.worker = WORKER_ID
    db.session.commit()
    try:
        problem, _provider = problem_from_dict(plan.problem or {})
        # SolverSettings fields as a dict: building the object imports OR-Tools, which the
        # web process leaves to the solver process.
        settings = {
            "time_limit": time_budget(problem, plan.time_limit),
            "solution_limit": config("PLAN_SOLUTION_LIMIT", None),
        }
        result = solver(problem, provider(), settings)
        if _found_nothing(result) and settings["time_limit"] < plan.time_limit:
            # The adaptive budget was too short to find any first solution: use the limit
            # the user allowed.
            settings["time_limit"] = float(plan.time_limit)
            result = solver(problem, provider(), settings)
    except Exception as exc:
        log.exception("visit plan %s failed", plan_id)
        db.session.rollback()
        plan = db.session.get(VisitPlan, plan_id)
        if plan is not None:
            plan.status = PlanStatus.FAILED
            plan.error = f"{type(exc).__name__}: {exc}"[:2000]
            plan.finished_at = utcnow()
            db.session.commit()
        return
    db.session.refresh(plan)
    plan.result = plan_to_dict(result)
    plan.solve_seconds = round(float(result.solve_seconds), 3)
    plan.finished_at = utcnow()
    if plan.status is PlanStatus.SOLVING:  # it may have been cancelled meanwhile
        plan.status = PlanStatus.SOLVED
    db.session.commit()


def _found_nothing(result: Plan) -> bool:
    return (
        bool(result.unassigned)
        and all(u.reason is UnassignedReason.NO_SOLUTION for u in result.unassigned)
        and not result.assigned_ids
    )


def _worker_gone(worker: str | None) -> bool:
    """True when the process that owns a job ran on this host and no longer exists."""
    if not worker:
        return False
    host, _sep, pid_text = worker.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def expire_stale_plans(now: datetime | None = None) -> int:
    """Mark as failed the queued or solving plans whose job can no longer finish.

    A job is lost when its process is gone (same host, the pid no longer exists: a server
    restart) or when it has run longer than its time limit plus ``PLAN_STALE_SECONDS``
    (another host, or a hung solver). Returns how many plans were failed.
    """
    now = now or utcnow()
    grace = timedelta(seconds=float(config("PLAN_STALE_SECONDS", 120)))
    running = db.session.scalars(
        select(VisitPlan).where(VisitPlan.status.in_([PlanStatus.QUEUED, PlanStatus.SOLVING]))
    ).all()
    failed = 0
    for plan in running:
        since = plan.started_at or plan.created_at
        overdue = since + timedelta(seconds=plan.time_limit) + grace < now
        if overdue or _worker_gone(plan.worker):
            plan.status = PlanStatus.FAILED
            plan.error = INTERRUPTED
            plan.finished_at = now
            failed += 1
    if failed:
        db.session.commit()
    return failed


# --- Reading and editing a plan -------------------------------------------------------------------


def plan_objects(plan: VisitPlan) -> tuple[Problem, Plan]:
    """The routing problem and plan stored with ``plan``.

    :raises PlanStateError: when the plan has no result yet.
    """
    if plan.problem is None or plan.result is None:
        raise PlanStateError("the plan has no result")
    problem, _provider = problem_from_dict(plan.problem)
    return problem, plan_from_dict(plan.result)


def check(plan: VisitPlan) -> list[Violation]:
    """Every constraint the plan breaks (empty: feasible)."""
    problem, result = plan_objects(plan)
    return routing_check_plan(problem, result, provider())


def plan_view(plan: VisitPlan) -> PlanView | None:
    """The plan's routes in CRM terms, with violations; None while there is no result."""
    if plan.problem is None or plan.result is None:
        return None
    problem, result = plan_objects(plan)
    violations = routing_check_plan(problem, result, provider())
    org_ids = [int(s.id) for s in problem.stops]
    organizations = organizations_by_id(org_ids)
    user_ids = {int(sh.staff_id) for sh in problem.shifts}
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    )
    offices_by_point = {
        (o.latitude, o.longitude): o
        for o in all_offices()
        if o.latitude is not None and o.longitude is not None
    }
    approximate = [int(k) for k in (plan.request or {}).get("approximate", {})]
    return describe_plan(
        problem,
        result,
        organizations=organizations,
        users=users,
        offices_by_point=offices_by_point,
        approximate=approximate,
        violations=violations,
    )


def move_visit(
    plan: VisitPlan,
    stop_id: str,
    *,
    target: str | None = None,
    position: int | None = None,
    direction: str | None = None,
    by: User,
) -> list[Violation]:
    """Move a visit by hand and re-time the plan; returns the violations of the new plan.

    :param stop_id: the organization id (as a string) of the visit or unassigned stop.
    :param target: a shift id (``"<user id>@<ordinal day>"``) or ``"unassigned"``; omitted
        with ``direction``.
    :param position: 1-based place in the target route (default: last).
    :param direction: ``"up"`` or ``"down"``: swap with the neighbour in the same route.
    :raises PlanStateError: unless the plan is solved (not yet accepted).
    :raises PlanningError: for an unknown stop, shift or direction.
    """
    if plan.status is not PlanStatus.SOLVED:
        raise PlanStateError("only a solved plan can be edited")
    problem, current = plan_objects(plan)
    routes = {r.shift_id: list(r.stop_ids) for r in current.routes}
    unassigned = {u.stop_id: u for u in current.unassigned}
    source = next((sid for sid, ids in routes.items() if stop_id in ids), None)
    if source is None and stop_id not in unassigned:
        raise PlanningError(f"unknown stop {stop_id!r}")
    if direction is not None:
        if source is None or direction not in ("up", "down"):
            raise PlanningError("cannot move that way")
        ids = routes[source]
        k = ids.index(stop_id)
        j = k - 1 if direction == "up" else k + 1
        if 0 <= j < len(ids):
            ids[k], ids[j] = ids[j], ids[k]
    else:
        if target != "unassigned" and target not in routes:
            raise PlanningError(f"unknown route {target!r}")
        if source is not None:
            routes[source].remove(stop_id)
        unassigned.pop(stop_id, None)
        if target == "unassigned":
            unassigned[stop_id] = Unassigned(stop_id, UnassignedReason.NO_ROOM, REMOVED_BY_HAND)
        else:
            assert target is not None
            ids = routes[target]
            at = len(ids) if position is None else max(0, min(len(ids), position - 1))
            ids.insert(at, stop_id)
    new = routing_build_plan(problem, routes, provider(), unassigned=unassigned.values())
    new = Plan(new.routes, new.unassigned, current.cost, current.solve_seconds)
    plan.result = plan_to_dict(new)
    plan.edited = True
    with acting_as(by.id):
        db.session.commit()
    return routing_check_plan(problem, new, provider())


def _planned_subject(purpose: str | None) -> str:
    # Stored text: in the hub's language, whoever accepts the plan.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Planned visit")
    return f"{subject}: {purpose}"[:200] if purpose else subject


def accept_plan(plan: VisitPlan, *, by: User | None, confirm: bool = False) -> int:
    """Turn every visit of the plan into a planned visit interaction, in one transaction.

    Each visit becomes (or updates, after a re-open) one interaction of kind visit, status
    planned, for the operator, at the planned start; visits already done are left alone and
    planned visits no longer in the plan are cancelled. Accepting an accepted plan does
    nothing.

    :param confirm: accept even though the plan breaks constraints.
    :returns: the number of planned visits written (0 when already accepted).
    :raises PlanStateError: unless the plan is solved or accepted.
    :raises PlanViolationsError: when the plan breaks constraints and ``confirm`` is false.
    """
    if plan.status is PlanStatus.ACCEPTED:
        return 0
    if plan.status is not PlanStatus.SOLVED:
        raise PlanStateError("only a solved plan can be accepted")
    problem, result = plan_objects(plan)
    violations = routing_check_plan(problem, result, provider())
    if violations and not confirm:
        raise PlanViolationsError(violations)
    now = utcnow()
    # Claim the plan atomically: of two simultaneous clicks only one writes the visits.
    claimed = db.session.execute(
        update(VisitPlan)
        .where(VisitPlan.id == plan.id, VisitPlan.status == PlanStatus.SOLVED)
        .values(
            status=PlanStatus.ACCEPTED,
            accepted_at=now,
            accepted_by_id=by.id if by is not None else None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        db.session.refresh(plan)
        return 0
    tz = local_timezone()
    existing = {
        i.organization_id: i
        for i in db.session.scalars(
            select(Interaction).where(
                Interaction.visit_plan_id == plan.id, Interaction.kind == InteractionKind.VISIT
            )
        )
    }
    subject = _planned_subject(plan.purpose)
    written = 0
    for route in result.routes:
        day = date.fromordinal(route.day)
        for visit in route.visits:
            org_id = int(visit.stop_id)
            body = f"{hhmm(visit.start)}–{hhmm(visit.departure)} · #{plan.id}"
            at = local_instant(day, visit.start, tz).astimezone(UTC)
            interaction = existing.pop(org_id, None)
            if interaction is None:
                interaction = Interaction(
                    organization_id=org_id,
                    kind=InteractionKind.VISIT,
                    visit_plan_id=plan.id,
                )
                db.session.add(interaction)
            elif interaction.status is InteractionStatus.DONE:
                continue
            interaction.status = InteractionStatus.PLANNED
            interaction.user_id = int(route.staff_id)
            interaction.occurred_at = at
            interaction.subject = subject
            interaction.body = body
            written += 1
    for leftover in existing.values():
        if leftover.status is InteractionStatus.PLANNED:
            leftover.status = InteractionStatus.CANCELLED
    with acting_as(by.id if by is not None else None):
        db.session.commit()
    db.session.refresh(plan)
    return written


def _cancel_planned_visits(plan: VisitPlan) -> int:
    rows = db.session.scalars(
        select(Interaction).where(
            Interaction.visit_plan_id == plan.id,
            Interaction.status == InteractionStatus.PLANNED,
        )
    ).all()
    for interaction in rows:
        interaction.status = InteractionStatus.CANCELLED
    return len(rows)


def reopen_plan(plan: VisitPlan, *, by: User) -> int:
    """Make an accepted (or cancelled) plan editable again; its planned visits are cancelled
    until it is accepted again. Returns how many visits were cancelled.

    :raises PlanStateError: when the plan has no result or is not accepted or cancelled.
    """
    if plan.status not in (PlanStatus.ACCEPTED, PlanStatus.CANCELLED) or plan.result is None:
        raise PlanStateError("only an accepted or cancelled plan with routes can be re-opened")
    cancelled = _cancel_planned_visits(plan)
    plan.status = PlanStatus.SOLVED
    plan.accepted_at = None
    plan.accepted_by_id = None
    with acting_as(by.id):
        db.session.commit()
    return cancelled


def cancel_plan(plan: VisitPlan, *, by: User) -> int:
    """Cancel the plan and its planned visits (visits already done stay). Returns how many
    visits were cancelled.

    :raises PlanStateError: when it is already cancelled.
    """
    if plan.status is PlanStatus.CANCELLED:
        raise PlanStateError("already cancelled")
    cancelled = _cancel_planned_visits(plan)
    plan.status = PlanStatus.CANCELLED
    with acting_as(by.id):
        db.session.commit()
    return cancelled


def plan_staff_ids(plan: VisitPlan) -> set[int]:
    return {int(s["user_id"]) for s in (plan.request or {}).get("staff", [])}


def recent_plans(limit: int = 30) -> list[VisitPlan]:
    return list(
        db.session.scalars(
            select(VisitPlan)
            .options(selectinload(VisitPlan.created_by))
            .order_by(VisitPlan.created_at.desc(), VisitPlan.id.desc())
            .limit(limit)
        )
    )


# --- Agenda -----------------------------------------------------------------------------------------


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def agenda(user_id: int, first: date, last: date) -> list[tuple[date, list[Interaction]]]:
    """A person's planned and done visits from ``first`` to ``last`` (local days), by day."""
    tz = local_timezone()
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    rows = db.session.scalars(
        select(Interaction)
        .where(
            Interaction.user_id == user_id,
            Interaction.kind == InteractionKind.VISIT,
            Interaction.status.in_([InteractionStatus.PLANNED, InteractionStatus.DONE]),
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
        )
        .options(selectinload(Interaction.organization))
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()
    days: dict[date, list[Interaction]] = {}
    for interaction in rows:
        days.setdefault(interaction.occurred_at.astimezone(tz).date(), []).append(interaction)
    return sorted(days.items())
