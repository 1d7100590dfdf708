"""Re-planning: urgent visits go in, visits under way and locked visits stay put."""

from __future__ import annotations

from collections.abc import Callable

from routing.model import Problem, Stop, TimeWindow
from routing.replan import replan
from routing.solution import UnassignedReason
from routing.solver import SolverSettings, solve

H = 3600
M = 60
FAST = SolverSettings(time_limit=0.5)
Feasible = Callable[..., None]


def test_replan_inserts_urgent_visit_and_keeps_visits_under_way(
    city_problem: Problem, make_stop: Callable[..., Stop], assert_feasible: Feasible
) -> None:
    """At 10:00 the visits already started keep shift and times; the urgent one is planned."""
    accepted = solve(city_problem, settings=FAST)
    assert_feasible(city_problem, accepted)
    now = 10 * H
    under_way = {
        v.stop_id: (r.shift_id, v.start)
        for r in accepted.routes
        for k, v in enumerate(r.visits)
        if (r.visits[k - 1].departure if k else r.departure) <= now
    }
    assert under_way  # the fixture starts at 8:30, so something is under way at 10:00
    urgent = make_stop("fiesole", id="urgent", windows=(TimeWindow(11 * H, 17 * H),), priority=100)
    new = replan(city_problem, accepted, [urgent], now=now, today=0, settings=FAST)
    full = Problem((*city_problem.stops, urgent), city_problem.shifts)
    assert_feasible(full, new)
    assert new.visit("urgent") is not None
    for stop_id, (shift_id, start) in under_way.items():
        found = new.visit(stop_id)
        assert found is not None
        route, visit = found
        assert (route.shift_id, visit.start) == (shift_id, start)


def test_replan_keeps_locked_visits_and_moves_little(
    city_problem: Problem, make_stop: Callable[..., Stop], assert_feasible: Feasible
) -> None:
    """Locked visits keep shift and start time; most other visits keep their shift."""
    accepted = solve(city_problem, settings=FAST)
    locked = [r.visits[-1].stop_id for r in accepted.used_routes]
    before = {v.stop_id: (r.shift_id, v.start) for r in accepted.routes for v in r.visits}
    urgent = make_stop("bagno_a_ripoli", id="urgent", service=20 * M, priority=100)
    new = replan(city_problem, accepted, [urgent], locked=locked, settings=FAST)
    full = Problem((*city_problem.stops, urgent), city_problem.shifts)
    assert_feasible(full, new)
    assert new.visit("urgent") is not None
    for stop_id in locked:
        found = new.visit(stop_id)
        assert found is not None
        assert (found[0].shift_id, found[1].start) == before[stop_id]
    moved = [
        s
        for s, (shift_id, _) in before.items()
        if (f := new.visit(s)) is not None and f[0].shift_id != shift_id
    ]
    assert len(moved) <= 2


def test_replan_late_in_the_day_reports_closed_windows(
    city_problem: Problem, make_stop: Callable[..., Stop], assert_feasible: Feasible
) -> None:
    """An urgent stop whose window has already passed comes back unassigned, no exception."""
    accepted = solve(city_problem, settings=FAST)
    urgent = make_stop("duomo", id="too-late", windows=(TimeWindow(9 * H, 10 * H),))
    new = replan(city_problem, accepted, [urgent], now=15 * H, today=0, settings=FAST)
    full = Problem((*city_problem.stops, urgent), city_problem.shifts)
    assert_feasible(full, new)
    reasons = {u.stop_id: u.reason for u in new.unassigned}
    assert reasons["too-late"] is UnassignedReason.UNREACHABLE
