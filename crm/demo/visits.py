"""Demo visit plans: accepted weekly rounds of the operators, as the coordinator would have planned
them, for the last :data:`WEEKS` weeks and the coming week.

Each week has a plan (``visit_plan``) over a few weekdays for the three operators; each operator goes
out on two or three of them, from the office and back, visiting 4–8 organizations close to each
other. The plan is built the way the CRM builds one: the request goes through
:func:`crm.visits.planning.build_problem` (opening hours become windows, closed days are excluded),
the routes are timed by :func:`routing.build_plan` on the straight-line
:class:`routing.HaversineProvider` matrices and checked by :func:`routing.check_plan` (a stop the
schedule cannot fit is dropped and the route timed again), and the stored ``problem`` and ``result``
are ``routing.io``'s serialisations. Nothing is solved (no OR-Tools): the routes are nearest-neighbour
tours, so the demo stays fast. Accepting is replayed as :func:`crm.visits.services.accept_plan` does
it: one visit interaction per stop with ``visit_plan_id``, at the planned start, by the operator.

Visits of past days are done, with an outcome (those of the last weeks logged from the field: arrival
and departure at the planned times), visits of the coming days are planned; nothing happens today
(the demo's "now" is the morning of ``today``). An organization is never visited on a day it already
has an interaction, nor twice within :data:`MIN_GAP_DAYS`; an organization with a planned visit is
not planned again; prospects (never contacted) only get planned first visits, in the coming days;
dormant organizations and those not to contact are left alone. Pure (rows only) and deterministic:
a random stream of its own.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from crm.demo import vocabulary as voc
from crm.demo.field import FIELD_DAYS, RESULTS
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus
from crm.organizations.models import OrganizationStatus
from crm.visits.models import PlanStatus

if TYPE_CHECKING:
    from crm.demo.generator import DemoData

#: Past weeks with an accepted plan (the current and the next week come on top).
WEEKS = 12
#: Stops per route, before the schedule check may drop some; routes left with fewer than
#: :data:`MIN_STOPS` are not kept.
MIN_STOPS, MAX_STOPS = 4, 8
#: How far (km, straight line) the stops of one route may be from its first organization.
CLUSTER_KM = 6.0
#: How far from the office a round may go (km, straight line).
REACH_KM = 30.0
#: An organization is not visited again sooner than this.
MIN_GAP_DAYS = 21
VISIT_MINUTES = (30, 30, 45, 45, 60)
PURPOSES = ("Giro visite settimanale", "Visite ad aziende e cooperative", "Presentazione del servizio")
#: Prospects (first visits, only ahead) and contacted organizations are visited to present the service,
#: partners to follow up.
VISITABLE = frozenset(
    {OrganizationStatus.PROSPECT, OrganizationStatus.CONTACTED, OrganizationStatus.ACTIVE_PARTNER}
)
#: Outcome weights (positive, neutral, negative) of a visit per organization status.
OUTCOME_WEIGHTS: dict[OrganizationStatus, tuple[int, int, int]] = {
    OrganizationStatus.ACTIVE_PARTNER: (65, 30, 5),
    OrganizationStatus.CONTACTED: (45, 45, 10),
    OrganizationStatus.PROSPECT: (35, 50, 15),
}
#: The text accepting a plan writes as the visits' subject (``crm.visits.services._planned_subject``
#: in the hub's language, Italian).
PLANNED_SUBJECT = "Visita pianificata"


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742.0 * math.asin(math.sqrt(h))


def _point(row: dict[str, Any]) -> tuple[float, float]:
    return (float(row["latitude"]), float(row["longitude"]))


def _weeks(today: date) -> list[date]:
    """Mondays of the planned weeks, oldest first: ``WEEKS`` past weeks, this week and the next."""
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(weeks=n) for n in range(-WEEKS, 2)]


def add_visit_plans(data: DemoData) -> None:
    """Fill ``data.visit_plans`` and add the plans' visit interactions (see the module)."""
    from crm.demo.generator import COORDINATOR_ID, OFFICE_ID, OPERATOR_IDS

    rng = random.Random(f"{data.seed}-visits")
    for row in data.interactions:  # every row has the column, so the loader's batches stay uniform
        row.setdefault("visit_plan_id", None)
    office = next((o for o in data.offices if o["id"] == OFFICE_ID), None)
    if office is None or not OPERATOR_IDS:
        return
    state = _State(data, _point(office))
    for monday in _weeks(data.today):
        days = sorted(rng.sample([monday + timedelta(days=n) for n in range(5)], 3))
        routes: dict[tuple[int, date], list[int]] = {}
        for user_id in OPERATOR_IDS:
            out = sorted(rng.sample(days, rng.choice((2, 2, 3))))
            for day in out:
                if day == data.today:
                    continue  # the demo's "now" is this morning: today's round is not out yet
                stops = state.pick_route(rng, day, rng.randint(MIN_STOPS + 1, MAX_STOPS + 1))
                if stops:
                    routes[(user_id, day)] = stops
        if not routes:
            continue
        minutes = {org_id: rng.choice(VISIT_MINUTES) for ids in routes.values() for org_id in ids}
        built = _timed_plan(days, OPERATOR_IDS, OFFICE_ID, routes, minutes, state)
        if built is None:
            continue
        state.release_unused(routes, built[2])
        _store(rng, data, state, days, built, COORDINATOR_ID, OFFICE_ID)


class _State:
    """What the rounds have to respect: the organizations' existing interactions and earlier rounds."""

    def __init__(self, data: DemoData, office: tuple[float, float]) -> None:
        self.data = data
        self.today = data.today
        self.orgs = {o["id"]: o for o in data.organizations}
        self.busy: set[tuple[int, date]] = set()  # (organization, local day) with an interaction
        self.planned: set[int] = set()  # organizations with a planned interaction
        self.visited: dict[int, list[date]] = {}
        self._open: dict[tuple[int, int], bool] = {}  # (organization, weekday): open that day
        from crm.demo.generator import ROME

        for x in data.interactions:
            day = x["occurred_at"].astimezone(ROME).date()
            self.busy.add((x["organization_id"], day))
            if x["status"] is InteractionStatus.PLANNED:
                self.planned.add(x["organization_id"])
            if x["kind"] is InteractionKind.VISIT and x["status"] is InteractionStatus.DONE:
                self.visited.setdefault(x["organization_id"], []).append(day)
        self.candidates = [
            o
            for o in data.organizations
            if o["status"] in VISITABLE
            and o.get("latitude") is not None
            and o.get("longitude") is not None
            and _km(office, _point(o)) <= REACH_KM
        ]

    def usable(self, org: dict[str, Any], day: date) -> bool:
        org_id = org["id"]
        if day < self.today and org["status"] is OrganizationStatus.PROSPECT:
            return False  # a prospect has never been contacted: it can only have a first visit ahead
        if (org_id, day) in self.busy:
            return False
        if day > self.today and org_id in self.planned:
            return False
        if any(abs((day - d).days) < MIN_GAP_DAYS for d in self.visited.get(org_id, ())):
            return False
        # The organization existed before it was visited (and before the plan was made).
        created = org["created_at"]
        return created is None or created.date() < day - timedelta(days=7)

    def pick_route(self, rng: random.Random, day: date, count: int) -> list[int]:
        """Up to ``count`` organizations close to a random first one, free on ``day``."""
        weekday = day.weekday()
        free = [o for o in self.candidates if self.open_on(o, weekday, day) and self.usable(o, day)]
        if len(free) < MIN_STOPS:
            return []
        near: list[tuple[float, int]] = []
        for _try in range(4):  # an isolated first organization: start from another one
            centre = _point(rng.choice(free))
            near = sorted((d, o["id"]) for o in free if (d := _km(centre, _point(o))) <= CLUSTER_KM)[:count]
            if len(near) >= MIN_STOPS:
                break
        if len(near) < MIN_STOPS:
            return []
        ids = [org_id for _d, org_id in near]
        for org_id in ids:
            self.take(org_id, day)
        return ids

    def open_on(self, org: dict[str, Any], weekday: int, day: date) -> bool:
        key = (org["id"], weekday)
        known = self._open.get(key)
        if known is None:
            known = self._open[key] = _open_on(org, day)
        return known

    def take(self, org_id: int, day: date) -> None:
        self.busy.add((org_id, day))
        self.visited.setdefault(org_id, []).append(day)
        if day > self.today:
            self.planned.add(org_id)

    def release(self, org_id: int, day: date) -> None:
        self.busy.discard((org_id, day))
        days = self.visited.get(org_id, [])
        if day in days:
            days.remove(day)
        if day > self.today and not any(d > self.today for d in days):
            self.planned.discard(org_id)

    def release_unused(
        self, asked: dict[tuple[int, date], list[int]], kept: dict[tuple[int, date], list[int]]
    ) -> None:
        for key, ids in asked.items():
            keep = set(kept.get(key, ()))
            for org_id in ids:
                if org_id not in keep:
                    self.release(org_id, key[1])


def _open_on(org: dict[str, Any], day: date) -> bool:
    from crm.visits.planning import has_opening_hours, opening_slots

    hours = org.get("opening_hours")
    return not has_opening_hours(hours) or bool(opening_slots(hours, day))


def _nearest_neighbour(start: tuple[float, float], ids: Sequence[int], orgs: dict[int, Any]) -> list[int]:
    left, here, tour = list(ids), start, []
    while left:
        nxt = min(left, key=lambda i: (_km(here, _point(orgs[i])), i))
        left.remove(nxt)
        tour.append(nxt)
        here = _point(orgs[nxt])
    return tour


def _timed_plan(
    days: Sequence[date],
    operator_ids: Iterable[int],
    office_id: int,
    routes: dict[tuple[int, date], list[int]],
    minutes: dict[int, int],
    state: _State,
) -> tuple[Any, Any, dict[tuple[int, date], list[int]], Any] | None:
    """``(problem, plan, routes, request)`` for the week, every route feasible, or None if none is left.

    Each route is ordered nearest-neighbour from the office; stops the CRM would refuse (closed on
    all the days, no slot long enough) or that the timed route breaks (late, lunch, end of the day)
    are dropped and the week is built again, until :func:`routing.check_plan` finds nothing.
    """
    from crm.visits.planning import PlanRequest, StaffSpec, StopSpec, build_problem, default_provider
    from routing import build_plan, check_plan
    from routing.solution import ProblemMatrices

    data = state.data
    office_row = next(o for o in data.offices if o["id"] == office_id)
    offices = {office_id: SimpleNamespace(**office_row)}
    orgs_ns = {o["id"]: SimpleNamespace(**o) for ids in routes.values() for o in (state.orgs[i] for i in ids)}
    start = _point(office_row)
    routes = {k: _nearest_neighbour(start, ids, state.orgs) for k, ids in routes.items()}
    staff = tuple(
        StaffSpec(user_id=u, start_office_id=office_id, end_office_id=office_id) for u in operator_ids
    )
    provider = default_provider()  # straight lines (HaversineProvider), as the CRM without a routing server
    for _attempt in range(MAX_STOPS + 2):
        # The spare organization picked for each route is only needed when the check drops one.
        routes = {k: ids[:MAX_STOPS] for k, ids in routes.items() if len(ids) >= MIN_STOPS}
        if not routes:
            return None
        stops = tuple(
            StopSpec(organization_id=i, minutes=minutes[i]) for key in sorted(routes) for i in routes[key]
        )
        request = PlanRequest(days=tuple(days), staff=staff, stops=stops, seconds=5)
        built = build_problem(request, orgs_ns, offices)
        refused = set(built.stop_errors) | set(built.excluded)
        if refused or built.problem is None:
            if not refused:
                return None
            routes = {k: [i for i in ids if i not in refused] for k, ids in routes.items()}
            continue
        problem = built.problem
        matrices = ProblemMatrices(problem, provider)
        by_shift = {f"{u}@{d.toordinal()}": [str(i) for i in ids] for (u, d), ids in routes.items()}
        plan = build_plan(problem, by_shift, matrices=matrices)
        violations = check_plan(problem, plan, matrices=matrices)
        if not violations:
            return problem, plan, routes, request
        drop: set[int] = set()
        for v in violations:
            if v.stop_id is not None:
                drop.add(int(v.stop_id))
            elif v.shift_id is not None:  # the day runs over (or loses its lunch): drop its last visit
                user, _sep, ordinal = v.shift_id.rpartition("@")
                ids = routes.get((int(user), date.fromordinal(int(ordinal))))
                if ids:
                    drop.add(ids[-1])
        if not drop:
            return None
        routes = {k: [i for i in ids if i not in drop] for k, ids in routes.items()}
    return None


def _store(
    rng: random.Random,
    data: DemoData,
    state: _State,
    days: Sequence[date],
    built: tuple[Any, Any, dict[tuple[int, date], list[int]], Any],
    coordinator_id: int,
    office_id: int,
) -> None:
    from crm.demo.generator import ROME, local_to_utc
    from crm.visits.planning import hhmm, local_instant
    from routing.io import plan_to_dict, problem_to_dict

    problem, plan, _routes, request = built
    plan_id = len(data.visit_plans) + 1
    purpose = rng.choice(PURPOSES)
    # Planned on the Thursday or Friday before the week, accepted a little later.
    made_on = days[0] - timedelta(days=days[0].weekday() + rng.choice((3, 4)))
    made_on = min(made_on, data.today - timedelta(days=1))  # next week's plan was made already
    created = local_to_utc(made_on, rng.choice((9, 10, 11, 15)), rng.choice((0, 15, 30, 45)))
    finished = created + timedelta(seconds=rng.randint(2, 9))
    accepted = finished + timedelta(minutes=rng.randint(5, 90))
    data.visit_plans.append(
        {
            "id": plan_id,
            "status": PlanStatus.ACCEPTED,
            "first_day": min(days),
            "last_day": max(days),
            "purpose": purpose,
            "time_limit": request.seconds,
            "request": request.to_dict(),
            "problem": problem_to_dict(problem),
            "result": plan_to_dict(plan),
            "excluded": {},
            "error": None,
            "edited": False,
            "solve_seconds": None,
            "worker": None,
            "created_by_id": coordinator_id,
            "accepted_by_id": coordinator_id,
            "created_at": created,
            "updated_at": accepted,
            "started_at": created + timedelta(seconds=1),
            "finished_at": finished,
            "accepted_at": accepted,
        }
    )
    first_contact: dict[int, int] = {}
    for contact in data.contacts:  # the primary contact is each organization's first
        first_contact.setdefault(contact["organization_id"], contact["id"])
    next_id = max((x["id"] for x in data.interactions), default=0) + 1
    field_since = data.today - timedelta(days=FIELD_DAYS)
    for route in plan.routes:
        day = date.fromordinal(route.day)
        user_id = int(route.staff_id)
        for visit in route.visits:
            org = state.orgs[int(visit.stop_id)]
            start = local_instant(day, visit.start, ROME).astimezone(UTC)
            departure = local_instant(day, visit.departure, ROME).astimezone(UTC)
            row = _visit_row(next_id, org, user_id, plan_id, purpose, accepted, first_contact.get(org["id"]))
            row["occurred_at"] = start
            row["body"] = f"{hhmm(visit.start)}–{hhmm(visit.departure)} · #{plan_id}"
            if day < data.today:
                _done(rng, row, org, departure, logged_from_field=day >= field_since)
            data.interactions.append(row)
            next_id += 1


def _visit_row(
    row_id: int,
    org: dict[str, Any],
    user_id: int,
    plan_id: int,
    purpose: str,
    accepted: datetime,
    contact_id: int | None,
) -> dict[str, Any]:
    return {
        "id": row_id,
        "organization_id": org["id"],
        "contact_id": contact_id,
        "user_id": user_id,
        "kind": InteractionKind.VISIT,
        "status": InteractionStatus.PLANNED,
        "occurred_at": None,
        "subject": f"{PLANNED_SUBJECT}: {purpose}"[:200],
        "body": None,
        "outcome": None,
        "next_step": None,
        "created_at": accepted,
        "updated_at": accepted,
        "arrived_at": None,
        "left_at": None,
        "visit_result": None,
        "visit_plan_id": plan_id,
    }


def _done(
    rng: random.Random,
    row: dict[str, Any],
    org: dict[str, Any],
    departure: datetime,
    *,
    logged_from_field: bool,
) -> None:
    """The visit happened: an outcome, a note, logged after it; the organization's dates follow."""
    status = org["status"]
    weights = OUTCOME_WEIGHTS.get(status, OUTCOME_WEIGHTS[OrganizationStatus.CONTACTED])
    outcome = rng.choices(
        (InteractionOutcome.POSITIVE, InteractionOutcome.NEUTRAL, InteractionOutcome.NEGATIVE),
        weights=weights,
    )[0]
    logged = departure + timedelta(minutes=rng.randint(2, 25))
    row["status"] = InteractionStatus.DONE
    row["outcome"] = outcome
    if rng.random() < 0.6:
        row["body"] = f"{row['body']}\n{rng.choice(voc.INTERACTION_BODIES[outcome.value])}"
    if logged_from_field:  # field mode: the phone records arrival and departure, at the planned times
        choices = RESULTS[outcome]
        row["visit_result"] = rng.choices([r for r, _ in choices], weights=[w for _, w in choices])[0]
        row["arrived_at"] = row["occurred_at"]
        row["left_at"] = departure
    row["updated_at"] = max(row["created_at"], logged)
    if org["last_interaction_at"] is None or org["last_interaction_at"] < row["occurred_at"]:
        org["last_interaction_at"] = row["occurred_at"]
    org["updated_at"] = max(org["updated_at"], org["last_interaction_at"])
