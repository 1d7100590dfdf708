"""Demo visit plans (crm.demo.visits): accepted weekly rounds whose routes, times and distances are
the routing library's own, with one visit interaction per stop, coherent with the rest of the demo."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, timedelta

import pytest

from crm.demo.generator import OPERATOR_IDS, ROME, DemoData, generate, local_to_utc
from crm.demo.visits import MAX_STOPS, MIN_GAP_DAYS, MIN_STOPS, WEEKS
from crm.interactions.models import InteractionKind, InteractionStatus
from crm.organizations.models import OrganizationStatus
from crm.visits.models import PlanStatus
from crm.visits.planning import local_instant
from routing import HaversineProvider, check_plan
from routing.io import plan_from_dict, problem_from_dict
from routing.solution import ProblemMatrices

TODAY = date(2026, 3, 11)  # a Wednesday


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(seed=2025, scale=400, today=TODAY)


def _plan_visits(data: DemoData) -> list[dict]:
    return [x for x in data.interactions if x.get("visit_plan_id") is not None]


def test_accepted_plans_cover_the_last_weeks_and_the_next(demo: DemoData):
    """One accepted plan a week, from about 12 weeks ago to next week, each operator out a few days."""
    plans = demo.visit_plans
    assert WEEKS <= len(plans) <= WEEKS + 2
    assert all(p["status"] is PlanStatus.ACCEPTED and p["accepted_by_id"] for p in plans)
    assert min(p["first_day"] for p in plans) <= TODAY - timedelta(weeks=WEEKS - 1)
    assert max(p["last_day"] for p in plans) > TODAY
    now = local_to_utc(TODAY, 8, 0)  # the demo's "now"
    for p in plans:
        assert p["created_at"] < p["finished_at"] < p["accepted_at"] <= now
        assert p["created_at"].astimezone(ROME).date() < TODAY
        assert p["first_day"].weekday() < 5 and p["last_day"].weekday() < 5
    routes = [r for p in plans for r in p["result"]["routes"] if any(s["type"] == "job" for s in r["steps"])]
    sizes = [sum(s["type"] == "job" for s in r["steps"]) for r in routes]
    assert sizes and all(MIN_STOPS <= n <= MAX_STOPS for n in sizes)
    per_operator = Counter(int(r["staff_id"]) for r in routes)
    assert set(per_operator) == set(OPERATOR_IDS)
    assert all(n >= 2 * WEEKS for n in per_operator.values())


def test_stored_routes_are_the_routing_librarys_schedule(demo: DemoData):
    """Each stored plan passes routing's checker against its stored problem, and its travel times and
    distances are the haversine matrix's: nothing invented."""
    for p in demo.visit_plans:
        problem, _provider = problem_from_dict(p["problem"])
        plan = plan_from_dict(p["result"])
        matrices = ProblemMatrices(problem, HaversineProvider())
        assert check_plan(problem, plan, matrices=matrices) == []
        assert not plan.unassigned
        shifts = {sh.id: sh for sh in problem.shifts}
        for route in plan.routes:
            shift = shifts[route.shift_id]
            here = shift.start
            for visit in route.visits:
                there = problem.stop(visit.stop_id).location
                assert (visit.travel_time, visit.travel_distance) == matrices.travel(shift.mode, here, there)
                here = there
            if route.visits:
                assert route.end_travel_distance == matrices.travel(shift.mode, here, shift.end_location)[1]
                assert shift.window.start <= route.departure and route.arrival <= shift.window.end
                # office start and end
                assert shift.end is None or shift.end == shift.start


def test_each_planned_stop_is_one_visit_interaction(demo: DemoData):
    """Accepting is replayed: one visit per stop, by the route's operator, at the planned start."""
    by_plan: dict[int, dict[int, dict]] = {}
    for x in _plan_visits(demo):
        assert x["kind"] is InteractionKind.VISIT
        assert x["organization_id"] not in by_plan.setdefault(x["visit_plan_id"], {})
        by_plan[x["visit_plan_id"]][x["organization_id"]] = x
    for p in demo.visit_plans:
        visits = by_plan.pop(p["id"])
        expected = set()
        for route in plan_from_dict(p["result"]).routes:
            day = date.fromordinal(route.day)
            for visit in route.visits:
                row = visits[int(visit.stop_id)]
                expected.add(int(visit.stop_id))
                assert row["user_id"] == int(route.staff_id)
                assert row["occurred_at"] == local_instant(day, visit.start, ROME).astimezone(UTC)
                assert row["subject"].startswith("Visita pianificata")
        assert set(visits) == expected
    assert not by_plan


def test_past_visits_are_done_coming_ones_planned(demo: DemoData):
    """Done with an outcome before today, planned after, none today; field-logged times are the plan's."""
    org_status = {o["id"]: o["status"] for o in demo.organizations}
    rows = _plan_visits(demo)
    assert any(x["status"] is InteractionStatus.PLANNED for x in rows)
    for x in rows:
        day = x["occurred_at"].astimezone(ROME).date()
        assert day != TODAY
        if day < TODAY:
            assert x["status"] is InteractionStatus.DONE and x["outcome"] is not None
            assert org_status[x["organization_id"]] is not OrganizationStatus.PROSPECT
            if x["arrived_at"] is not None:
                assert x["arrived_at"] == x["occurred_at"] < x["left_at"]
        else:
            assert x["status"] is InteractionStatus.PLANNED and x["outcome"] is None
            assert x["arrived_at"] is None and x["visit_result"] is None
    assert any(x["visit_result"] is not None for x in rows)


def test_plan_visits_stay_coherent_with_the_rest_of_the_history(demo: DemoData):
    """No organization has two interactions of which one is a plan's visit on the same day, nor two
    plan visits within the minimum gap; dormant or do-not-contact organizations are not visited."""
    status = {o["id"]: o["status"] for o in demo.organizations}
    per_day = Counter(
        (x["organization_id"], x["occurred_at"].astimezone(ROME).date()) for x in demo.interactions
    )
    for x in _plan_visits(demo):
        assert per_day[(x["organization_id"], x["occurred_at"].astimezone(ROME).date())] == 1
        assert status[x["organization_id"]] not in (
            OrganizationStatus.DORMANT,
            OrganizationStatus.DO_NOT_CONTACT,
        )
    days: dict[int, list[date]] = {}
    for x in _plan_visits(demo):
        days.setdefault(x["organization_id"], []).append(x["occurred_at"].date())
    for visits in days.values():
        visits.sort()
        assert all((b - a).days >= MIN_GAP_DAYS for a, b in itertools.pairwise(visits))
    planned = Counter(
        x["organization_id"] for x in demo.interactions if x["status"] is InteractionStatus.PLANNED
    )
    assert max(planned.values()) == 1


def test_visit_plans_are_reproducible():
    """The same seed and day give the same plans and visits; another seed other ones."""
    a = generate(seed=5, scale=150, today=TODAY)
    b = generate(seed=5, scale=150, today=TODAY)
    assert a.visit_plans == b.visit_plans and _plan_visits(a) == _plan_visits(b)
    assert a.visit_plans
    assert generate(seed=6, scale=150, today=TODAY).visit_plans != a.visit_plans
