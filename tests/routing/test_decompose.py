"""Route-based decomposition in the solver: feasible, deterministic, never drops more."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from routing import solver as solver_module
from routing.matrix import StaticMatrixProvider
from routing.model import Break, Location, Problem, Shift, Stop, TimeWindow, TravelMode
from routing.solution import ProblemMatrices, default_provider
from routing.solver import SolverSettings, solve

H = 3600
M = 60
Feasible = Callable[..., None]

#: Decomposition on small problems, with sub-problems of a few routes and little effort.
SMALL = SolverSettings(
    time_limit=20.0,
    solution_limit=40,
    decompose_min_stops=10,
    subproblem_stops=8,
    subproblem_seconds=0.2,
    decompose_rounds=4,
)


def mixed_problem(n_stops: int = 36, *, seed: int = 5, short_days: bool = False) -> Problem:
    """Two days, two start places, three travel modes, lunches, priorities and restrictions.

    With ``short_days`` the shifts are too short for every stop (drops are forced).
    """
    rng = np.random.default_rng(seed)
    office = Location(43.7696, 11.2558)
    home = Location(43.7960, 11.2230)
    end = 11 * H if short_days else 17 * H + 30 * M
    lunch = Break(12 * H + 30 * M, 14 * H + 30 * M, 45 * M) if not short_days else None
    shifts = []
    for day in (1, 2):
        for staff, start, mode in (
            ("anna", office, TravelMode.SCOOTER),
            ("bruno", home, TravelMode.CAR),
            ("carla", office, TravelMode.BICYCLE),
        ):
            shifts.append(
                Shift(
                    staff,
                    start,
                    TimeWindow(8 * H + 30 * M, end),
                    day=day,
                    lunch=lunch,
                    mode=mode,
                    max_visits=7,
                )
            )
    stops = []
    for i in range(n_stops):
        loc = Location(43.7696 + float(rng.normal(0, 0.025)), 11.2558 + float(rng.normal(0, 0.035)))
        kind = i % 6
        extra: dict[str, Any] = {"priority": int(rng.integers(0, 4)) * 25}
        if kind == 1:
            extra["days"] = frozenset({1})
        elif kind == 2:
            extra["days"] = frozenset({2})
        elif kind == 3 and not short_days:
            extra["staff_id"] = "bruno"
        hours: list[tuple[int, int]] = [
            [(9 * H, 13 * H)],
            [(8 * H + 30 * M, 17 * H + 30 * M)],
            [(9 * H, 12 * H), (14 * H + 30 * M, 17 * H + 30 * M)],
        ][i % 3]
        if short_days:
            hours = [(8 * H + 30 * M, 11 * H)]
        stops.append(Stop.from_opening_hours(f"s{i:02d}", loc, 20 * M, hours, **extra))
    return Problem(tuple(stops), tuple(shifts), name="mixed")


@pytest.fixture
def count_groups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the sub-problems the solver solves (one entry per group, its size)."""
    calls: list[int] = []
    original = solver_module._improve_group

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[6]))
        return original(*args, **kwargs)

    monkeypatch.setattr(solver_module, "_improve_group", counted)
    return calls


def test_decomposition_runs_and_keeps_a_general_problem_feasible(
    assert_feasible: Feasible, count_groups: list[int]
) -> None:
    """Several starts, modes, days, lunches, staff and day restrictions: a feasible plan."""
    problem = mixed_problem()
    plan = solve(problem, settings=SMALL)
    assert count_groups, "the decomposition phase did not run"
    assert all(size < len(problem.shifts) for size in count_groups)
    assert_feasible(problem, plan)
    assert not plan.unassigned


def test_decomposition_is_deterministic_with_a_solution_limit(
    count_groups: list[int],
) -> None:
    """Same input, seed and solution limit: the same plan, sub-problems included."""
    problem = mixed_problem(seed=11)
    a = solve(problem, settings=replace(SMALL, seed=2))
    b = solve(problem, settings=replace(SMALL, seed=2))
    assert count_groups
    assert [r.stop_ids for r in a.routes] == [r.stop_ids for r in b.routes]
    assert a.cost == b.cost


def test_improve_group_never_leaves_out_more_stops_or_costs_more() -> None:
    """On an over-full day a sub-problem may only lower the objective and the drops."""
    problem = mixed_problem(40, seed=3, short_days=True)
    matrices = ProblemMatrices(problem, default_provider(problem))
    net = solver_module._network(problem, matrices, 0)
    costs = solver_module._Costs(problem, matrices, net)
    n = len(net.stops)
    runner = solver_module._OrToolsModel(problem, matrices, net)
    runner.build(None, 0, 0)
    settings = replace(SMALL, solution_limit=5, gls_tail=0.0)
    orders, _ = runner.run(settings, None)
    assert orders is not None
    before = solver_module._objective(costs, orders, n)
    assert before[0][1] > 0  # the day is over-full: something is left out
    rng = np.random.default_rng(0)
    for seed_route in range(len(problem.shifts)):
        if not orders[seed_route]:
            continue
        group = solver_module._pick_group(orders, seed_route, costs, 8)
        after_orders = solver_module._improve_group(
            problem,
            matrices,
            net,
            replace(settings, solution_limit=60),
            costs,
            orders,
            group,
            1.0,
            rng,
            n,
        )
        after = solver_module._objective(costs, after_orders, n)
        assert after[0][1] <= before[0][1]
        assert after <= before
        for v, sh in enumerate(problem.shifts):
            stops = [net.stops[k] for k in after_orders[v]]
            assert solver_module._route_is_feasible(sh, stops, matrices)
        orders, before = after_orders, after


def test_decomposition_respects_the_time_limit(assert_feasible: Feasible) -> None:
    """The whole call, sub-problems and guided tail included, stays within its limit."""
    problem = mixed_problem(48, seed=7)
    settings = replace(SMALL, time_limit=1.5, solution_limit=None, subproblem_seconds=0.1)
    started = time.monotonic()
    plan = solve(problem, settings=settings)
    assert time.monotonic() - started < 1.5 + 0.3
    assert_feasible(problem, plan)


def test_small_problems_are_not_decomposed(
    city_problem: Problem, monkeypatch: pytest.MonkeyPatch, assert_feasible: Feasible
) -> None:
    """Below decompose_min_stops (the default 75) no sub-problem is solved."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("decomposition on a 10-stop problem")

    monkeypatch.setattr(solver_module, "_improve_group", refuse)
    plan = solve(city_problem, settings=SolverSettings(time_limit=0.5))
    assert_feasible(city_problem, plan)


def test_pick_group_takes_the_nearest_routes_first() -> None:
    """Routes along a line: the group of the middle route is its two neighbours."""
    # Depot at 0; stops 1..8 on a line, two per route: routes {1,2} {3,4} {5,6} {7,8}; the
    # third route is nearer to the second than to the fourth.
    xs = np.array([0, 1, 2, 10, 11, 20, 21, 32, 33])
    dur = np.abs(xs[:, None] - xs[None, :]) * 60
    depot = Location(index=0)
    stops = tuple(Stop(f"s{i}", Location(index=i), 60) for i in range(1, 9))
    shifts = tuple(Shift(f"v{k}", depot, TimeWindow(0, 10 * H)) for k in range(4))
    problem = Problem(stops, shifts)
    matrices = ProblemMatrices(problem, StaticMatrixProvider(dur))
    net = solver_module._network(problem, matrices, 0)
    costs = solver_module._Costs(problem, matrices, net)
    orders = [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert solver_module._pick_group(orders, 2, costs, 4) == [1, 2]
    assert solver_module._pick_group(orders, 0, costs, 6) == [0, 1, 2]
    assert costs.travel(0, []) == 0
    assert costs.travel(0, [0, 1]) == (1 + 1 + 2) * 60


def test_ils_runs_follow_the_time_limit_not_the_clock() -> None:
    """Restarts only when each run still gets restart_seconds per 100 stops."""
    runs = solver_module._ils_runs
    assert runs(SolverSettings(time_limit=2.0), 0.4, 100) == 1
    assert runs(SolverSettings(time_limit=10.0), 0.4, 100) == 2
    assert runs(SolverSettings(time_limit=60.0), 0.4, 100) == 2  # at most ``restarts``
    assert runs(SolverSettings(time_limit=60.0, restarts=4), 0.4, 100) == 4
    assert runs(SolverSettings(time_limit=10.0, restart_seconds=0.0), 0.4, 100) == 1
