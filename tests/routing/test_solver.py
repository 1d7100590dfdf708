"""Solver invariants on small problems (not exact tours)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from routing.matrix import StaticMatrixProvider
from routing.model import (
    Break,
    Location,
    Objective,
    Problem,
    Shift,
    Stop,
    TimeWindow,
    TravelMode,
)
from routing.solution import Plan, UnassignedReason, check_plan
from routing.solver import SolverSettings, solve

H = 3600
M = 60
FAST = SolverSettings(time_limit=0.5)
Feasible = Callable[..., None]


def test_solve_city_problem_serves_each_stop_once_within_windows(
    city_problem: Problem, assert_feasible: Feasible
) -> None:
    """Every stop is served exactly once or unassigned; windows and lunch are honoured."""
    plan = solve(city_problem, settings=FAST)
    assert_feasible(city_problem, plan)
    served = plan.assigned_ids
    assert len(served) == len(set(served))
    assert sorted(served + plan.unassigned_ids) == sorted(s.id for s in city_problem.stops)
    assert not plan.unassigned  # the day is not over-full
    for route in plan.routes:
        for visit in route.visits:
            stop = city_problem.stop(visit.stop_id)
            assert any(w.start <= visit.start <= w.end for w in stop.windows) or not stop.windows
            assert visit.arrival <= visit.start
            assert visit.departure == visit.start + stop.service


def test_solve_lunch_break_does_not_overlap_visits(
    city_problem: Problem, assert_feasible: Feasible
) -> None:
    """The lunch break is inside its window, lasts its duration and overlaps no visit."""
    plan = solve(city_problem, settings=FAST)
    assert_feasible(city_problem, plan)
    for route in plan.used_routes:
        lunch = city_problem.shift(route.shift_id).lunch
        assert lunch is not None and route.lunch is not None
        assert lunch.earliest_start <= route.lunch.start
        assert route.lunch.end <= lunch.latest_end
        assert route.lunch.end - route.lunch.start == lunch.duration
        for v in route.visits:
            assert v.departure <= route.lunch.start or route.lunch.end <= v.start


def test_solve_multiple_windows_use_the_afternoon_when_needed(
    make_stop: Callable[..., Stop], make_shift: Callable[..., Shift], assert_feasible: Feasible
) -> None:
    """A stop open 9-10 and 15-16 for a shift starting at 11 is visited in the afternoon."""
    stop = make_stop("duomo", windows=(TimeWindow(9 * H, 10 * H), TimeWindow(15 * H, 16 * H)))
    shift = make_shift("anna", window=TimeWindow(11 * H, 18 * H))
    problem = Problem((stop,), (shift,))
    plan = solve(problem, settings=FAST)
    assert_feasible(problem, plan)
    (visit,) = plan.route("anna@0").visits
    assert 15 * H <= visit.start <= 16 * H


def test_solve_fixed_appointment_starts_on_time(
    city_problem: Problem, make_stop: Callable[..., Stop], assert_feasible: Feasible
) -> None:
    """A fixed appointment starts exactly at its time."""
    appt = make_stop("fiesole", appointment=11 * H + 15 * M, priority=100)
    problem = replace(city_problem, stops=(*city_problem.stops, appt))
    plan = solve(problem, settings=FAST)
    assert_feasible(problem, plan)
    found = plan.visit("fiesole")
    assert found is not None
    assert found[1].start == 11 * H + 15 * M


def test_solve_allowed_days_and_required_staff(
    make_stop: Callable[..., Stop], make_shift: Callable[..., Shift], assert_feasible: Feasible
) -> None:
    """Multi-day: stops go only to shifts on their days and to their required staff."""
    stops = (
        make_stop("duomo", days=frozenset({1})),
        make_stop("pitti", days=frozenset({2})),
        make_stop("smn", staff_id="bruno"),
        make_stop("careggi", staff_id="anna", days=frozenset({2})),
        make_stop("novoli"),
        make_stop("gavinana", days=frozenset({1, 2})),
    )
    shifts = tuple(make_shift(s, day=d) for d in (1, 2) for s in ("anna", "bruno"))
    problem = Problem(stops, shifts)
    plan = solve(problem, settings=FAST)
    assert_feasible(problem, plan)
    assert not plan.unassigned
    where = {v.stop_id: r for r in plan.routes for v in r.visits}
    assert where["duomo"].day == 1
    assert where["pitti"].day == 2
    assert where["smn"].staff_id == "bruno"
    assert (where["careggi"].staff_id, where["careggi"].day) == ("anna", 2)


def test_solve_max_visits_per_shift(
    make_stop: Callable[..., Stop], make_shift: Callable[..., Shift], assert_feasible: Feasible
) -> None:
    """No shift does more visits than its maximum; the rest are unassigned with a reason."""
    names = ["duomo", "santa_croce", "pitti", "smn", "campo_marte", "gavinana"]
    stops = tuple(make_stop(n, service=10 * M) for n in names)
    shifts = (make_shift("anna", max_visits=2), make_shift("bruno", max_visits=1))
    problem = Problem(stops, shifts)
    plan = solve(problem, settings=FAST)
    assert_feasible(problem, plan)
    assert len(plan.route("anna@0").visits) <= 2
    assert len(plan.route("bruno@0").visits) <= 1
    assert len(plan.assigned_ids) == 3
    assert {u.reason for u in plan.unassigned} == {UnassignedReason.NO_ROOM}


def test_solve_drops_low_priority_when_time_is_short(
    make_stop: Callable[..., Stop], make_shift: Callable[..., Shift], assert_feasible: Feasible
) -> None:
    """With room for two 2 h visits only, the two high-priority stops are kept."""
    stops = (
        make_stop("duomo", service=2 * H, priority=90),
        make_stop("santa_croce", service=2 * H, priority=0),
        make_stop("pitti", service=2 * H, priority=80),
        make_stop("smn", service=2 * H, priority=5),
    )
    shift = make_shift("anna", window=TimeWindow(9 * H, 13 * H + 30 * M))
    problem = Problem(stops, (shift,))
    plan = solve(problem, settings=FAST)
    assert_feasible(problem, plan)
    assert sorted(plan.assigned_ids) == ["duomo", "pitti"]
    assert sorted(plan.unassigned_ids) == ["santa_croce", "smn"]
    assert all(u.reason is UnassignedReason.NO_ROOM for u in plan.unassigned)


def test_solve_unreachable_stop_is_reported_not_raised(
    make_stop: Callable[..., Stop], make_shift: Callable[..., Shift], assert_feasible: Feasible
) -> None:
    """A stop whose window closes before any walker can arrive comes back unassigned."""
    far = make_stop("impruneta", windows=(TimeWindow(8 * H + 40 * M, 8 * H + 50 * M),))
    near = make_stop("duomo")
    walker = make_shift("anna", mode=TravelMode.WALKING)
    problem = Problem((far, near), (walker,))
    plan = solve(problem, settings=FAST)
    assert_feasible(problem, plan)
    assert plan.assigned_ids == ["duomo"]
    (u,) = plan.unassigned
    assert (u.stop_id, u.reason) == ("impruneta", UnassignedReason.UNREACHABLE)


def test_solve_capacity_and_oversized_demand(assert_feasible: Feasible) -> None:
    """Capacity is respected; a demand above every capacity is reported as such."""
    dur = np.array([[abs(i - j) * 60 for j in range(5)] for i in range(5)])
    provider = StaticMatrixProvider(dur)
    depot = Location(index=0)
    small = tuple(Stop(f"s{i}", Location(index=i), 60, demand=3) for i in range(1, 4))
    stops = (*small, Stop("big", Location(index=4), 60, demand=9))
    shifts = (Shift("anna", depot, TimeWindow(0, 8 * H), capacity=6),)
    problem = Problem(stops, shifts)
    plan = solve(problem, provider, FAST)
    assert_feasible(problem, plan, provider=provider)
    assert len(plan.assigned_ids) == 2
    reasons = {u.stop_id: u.reason for u in plan.unassigned}
    assert reasons["big"] is UnassignedReason.CAPACITY


def test_solve_is_deterministic_for_same_input_and_seed(city_problem: Problem) -> None:
    """Same input, seed and solution limit give the same plan."""
    settings = SolverSettings(time_limit=30.0, solution_limit=60, seed=3)
    a = solve(city_problem, settings=settings)
    b = solve(city_problem, settings=settings)
    assert [r.stop_ids for r in a.routes] == [r.stop_ids for r in b.routes]
    assert a.cost == b.cost


def test_solve_gls_strategy_and_distance_objective(
    city_problem: Problem, assert_feasible: Feasible
) -> None:
    """Guided local search and the distance objective are supported."""
    problem = replace(city_problem, objective=Objective.DISTANCE)
    plan = solve(problem, settings=SolverSettings(time_limit=1.0, strategy="gls"))
    assert_feasible(problem, plan)
    assert not plan.unassigned


def test_solve_empty_problem_returns_empty_routes(make_shift: Callable[..., Shift]) -> None:
    """No stops: one empty route per shift, nothing unassigned."""
    problem = Problem((), (make_shift("anna"),))
    plan = solve(problem, settings=FAST)
    assert [r.visits for r in plan.routes] == [()]
    assert plan.unassigned == ()


def test_check_plan_reports_hand_made_violations(
    city_problem: Problem, assert_feasible: Feasible
) -> None:
    """Moving a visit by hand to a bad place is caught by the checker."""
    from routing.solution import build_plan

    plan = solve(city_problem, settings=FAST)
    assert_feasible(city_problem, plan)
    orders = {r.shift_id: r.stop_ids for r in plan.routes}
    # Put the 9-11 Scandicci visit at the end of Anna's day: it will be late.
    for ids in orders.values():
        if "scandicci" in ids:
            ids.remove("scandicci")
    orders["anna@0"].append("scandicci")
    edited = build_plan(city_problem, orders)
    codes = {(v.code, v.stop_id) for v in check_plan(city_problem, edited)}
    assert ("late", "scandicci") in codes
    # Dropping a stop from every route without explaining it is reported as well.
    broken = Plan(edited.routes, ())
    orders["anna@0"].remove("scandicci")
    broken = build_plan(city_problem, orders)
    assert check_plan(city_problem, Plan(broken.routes, ())) != []


@pytest.mark.parametrize("seed", [0, 1])
def test_solve_seeds_give_feasible_plans(
    city_problem: Problem, assert_feasible: Feasible, seed: int
) -> None:
    """Any seed gives a feasible plan serving everything."""
    plan = solve(city_problem, settings=SolverSettings(time_limit=0.5, seed=seed))
    assert_feasible(city_problem, plan)
    assert not plan.unassigned


def test_solve_lunch_fixed_by_appointments_forces_gap(
    make_stop: Callable[..., Stop], make_shift: Callable[..., Shift], assert_feasible: Feasible
) -> None:
    """Appointments around noon leave the only feasible lunch slot; the plan uses it."""
    lunch = Break(12 * H, 14 * H, H)
    stops = (
        make_stop("duomo", appointment=11 * H, service=H),
        make_stop("santa_croce", appointment=13 * H + 15 * M, service=H),
    )
    problem = Problem(stops, (make_shift("anna", lunch=lunch, mode=TravelMode.WALKING),))
    plan = solve(problem, settings=FAST)
    assert_feasible(problem, plan)
    route = plan.route("anna@0")
    assert route.lunch is not None
    assert route.lunch.start >= 12 * H and route.lunch.end <= 13 * H + 15 * M


def test_solve_first_solution_portfolio_option(
    city_problem: Problem, assert_feasible: Feasible
) -> None:
    """The opt-in first-solution portfolio also returns a feasible, complete plan."""
    plan = solve(city_problem, settings=SolverSettings(time_limit=1.0, first_solution="portfolio"))
    assert_feasible(city_problem, plan)
    assert not plan.unassigned


def test_prune_arcs_removes_only_time_infeasible_arcs() -> None:
    """An arc whose earliest arrival is after the next stop's latest start is removed."""
    from routing.solution import ProblemMatrices
    from routing.solver import _network, _OrToolsModel

    dur = np.array([[0, 10 * M, 10 * M], [10 * M, 0, 5 * M], [10 * M, 5 * M, 0]])
    early = Stop("early", Location(index=1), 30 * M, windows=(TimeWindow(9 * H, 9 * H + 10 * M),))
    late = Stop("late", Location(index=2), 30 * M, windows=(TimeWindow(11 * H, 12 * H),))
    shift = Shift("anna", Location(index=0), TimeWindow(8 * H, 18 * H))
    problem = Problem((early, late), (shift,))
    matrices = ProblemMatrices(problem, StaticMatrixProvider(dur))
    net = _network(problem, matrices, 0)
    runner = _OrToolsModel(problem, matrices, net)
    runner.build(None, 0, 0)
    e, la = (runner._index(runner.stop_node[s]) for s in ("early", "late"))
    assert runner.pruned == 1
    assert runner.model.NextVar(e).Contains(la)  # early -> late is fine
    assert not runner.model.NextVar(la).Contains(e)  # late ends at 12:30 > 9:10
    plan = solve(problem, StaticMatrixProvider(dur), FAST)
    assert plan.route("anna@0").stop_ids == ["early", "late"]


@pytest.mark.parametrize("prune", [True, False])
def test_prune_arcs_keeps_city_problem_feasible(
    city_problem: Problem, assert_feasible: Feasible, prune: bool
) -> None:
    """Pruning never removes an arc a feasible plan needs: same served set either way."""
    plan = solve(city_problem, settings=replace(FAST, prune_arcs=prune))
    assert_feasible(city_problem, plan)
    assert not plan.unassigned


def test_recreate_order_setting_reaches_the_ils_parameters() -> None:
    """The ILS recreate order is configurable; "" keeps OR-Tools' default order."""
    from routing.solver import _search_parameters

    def order(settings: SolverSettings) -> list[int]:
        params = _search_parameters(settings, warm=False)
        rr = params.iterated_local_search_parameters.ruin_recreate_parameters
        return list(rr.recreate_strategy.parameters.local_cheapest_insertion.insertion_sorting_properties)

    assert len(order(SolverSettings())) == 1
    assert order(SolverSettings(recreate_order="")) == []
    with pytest.raises(ValueError):
        order(SolverSettings(recreate_order="NO_SUCH_ORDER"))
