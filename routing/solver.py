"""OR-Tools backend: the only module that imports ``ortools``.

OR-Tools' Python API moves between releases (the iterated local search used here appeared
in 9.12), so everything that touches it is confined here; the rest of the library only sees
:class:`~routing.model.Problem` in and :class:`~routing.solution.Plan` out.

Model
-----
* one vehicle per :class:`~routing.model.Shift` (staff member x day), with its own start
  and end node, working window, travel-mode matrices and lunch break
  (``SetBreakIntervalsOfVehicle``; service time is the non-interruptible part of a transit);
* a time dimension whose transit is ``service(i) + travel(i, j)`` and whose cumul is the start
  of service; multiple windows are ``[first open, last close]`` minus the gaps
  (``RemoveInterval``); a fixed appointment fixes the cumul;
* every stop is optional (``AddDisjunction``) with a penalty larger than any achievable
  saving in travel cost, scaled by ``priority + 1`` - so the solver serves as many stops as
  possible, prefers high priorities, and never fails on an over-full day;
* allowed days and required staff become ``SetAllowedVehiclesForIndex``, after removing
  shifts that cannot reach the stop in time even with no other visit;
* a visit-count dimension for ``max_visits`` and a load dimension for capacity;
* stop-to-stop arcs that the time windows rule out (earliest start + service + fastest
  travel after the latest start of the next stop) are removed from the next variables.

Search
------
Iterated local search (``SolveWithIteratedLocalSearch``) with SISR ruin-and-recreate
(Christiaens & Vanden Berghe; ruined visits re-inserted in ``recreate_order``) and
simulated-annealing acceptance, with a lean set of
local-search operators (the default set spends ~10x longer per descent on operators that
rarely pay off on VRPTW), in up to two independent runs (restarts, when the time allows);
on 75 stops or more, route-based decomposition: groups of neighbouring routes are
re-solved as small problems of their own with a short ILS (see :func:`_search`); then
guided local search from the best solution for the last 30 % of the time. Measured with
``benchmarks/bench_routing.py``; see ``docs/routing.md``.
Warm starts (re-planning) use guided local search from the given routes because OR-Tools'
ILS entry point has no initial-solution argument.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from routing.matrix import UNREACHABLE, MatrixProvider
from routing.model import Location, Objective, Problem, Shift, Stop, eligible_shifts
from routing.solution import (
    Plan,
    ProblemMatrices,
    Route,
    Unassigned,
    UnassignedReason,
    default_provider,
    route_lateness,
    schedule_route,
)

__all__ = ["SolverSettings", "solve"]

log = logging.getLogger(__name__)

#: Local-search operators switched off: LNS-style operators and chain moves that make one
#: descent ~10x slower inside the ILS loop, where ruin-and-recreate already provides the
#: large moves. Pickup-and-delivery operators are no-ops here and cost nothing.
_SLOW_OPERATORS = (
    "use_lin_kernighan",
    "use_relocate_expensive_chain",
    "use_relocate_subtrip",
    "use_exchange_subtrip",
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_shortest_path_swap_active",
    "use_swap_active_chain",
    "use_shortest_path_two_opt",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_make_chain_inactive",
    # Never improving here: every drop penalty exceeds any travel saving (see build()), so
    # deactivating a visit on its own can only make the cost worse. Swap-active (one visit
    # out, another in) and the ILS recreate step still handle priorities.
    "use_make_inactive",
)


#: First-solution strategies tried by ``first_solution="portfolio"``: the four whose local
#: optimum is reached in ~0.15 s on 100 stops. None dominates: on the Solomon set the best of
#: them per instance is 3.9 % above the best known, each alone 6.2-7.3 %.
PORTFOLIO = (
    "PARALLEL_CHEAPEST_INSERTION",
    "SAVINGS",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
)


@dataclass(frozen=True)
class SolverSettings:
    """Search settings. Defaults are the ones the benchmark showed best.

    :ivar time_limit: wall-clock limit in seconds.
    :ivar seed: changes the search trajectory; same input, seed and ``solution_limit`` give
        the same plan.
    :ivar solution_limit: stop after this many solutions (deterministic, unlike time);
        ``None`` means no limit.
    :ivar strategy: ``"ils"`` (iterated local search, default) or ``"gls"`` (guided local
        search, used for warm starts).
    :ivar first_solution: OR-Tools first-solution strategy name, or ``"portfolio"``: try
        each of :data:`PORTFOLIO` followed by one local-search descent and start the ILS
        from the strategy whose local optimum is cheapest.
    :ivar ruin_removed: average number of visits removed per ruin (SISR), whole problem.
    :ivar ruin_sequence: maximum length of a removed string (SISR).
    :ivar gls_lambda: guided local search penalty coefficient.
    :ivar gls_tail: with ``"ils"``, the fraction of the time spent at the end in guided local
        search from the best solution so far (intensification around it).
    :ivar recreate_order: order in which the ILS re-inserts ruined visits, an OR-Tools
        ``InsertionSortingProperty`` name without the ``SORTING_PROPERTY_`` prefix, or ``""``
        for OR-Tools' default (farthest from the depots first).
    :ivar prune_arcs: remove stop-to-stop arcs that time windows make impossible from the
        model before the search (exact: only arcs no feasible route can use).
    :ivar decompose_min_stops: with ``"ils"`` and at least this many stops, route-based
        decomposition runs between the whole-problem ILS and the guided-search tail (see
        :func:`_search`); smaller problems are searched whole. ``0`` switches it off.
    :ivar decompose_after: fraction of the time spent in the whole-problem ILS before the
        decomposition phase (which lasts until the guided-search tail).
    :ivar subproblem_stops: number of served stops a sub-problem gathers (whole routes,
        nearest to a seed route, until at least this many).
    :ivar subproblem_seconds: time limit of each sub-problem's ILS.
    :ivar decompose_rounds: number of sub-problems solved when ``solution_limit`` is set (a
        wall-clock phase would not repeat run to run); otherwise the phase runs until its
        share of the time is used.
    :ivar subproblem_ruin: average number of visits removed per ruin in a sub-problem's
        ILS (a sub-problem is a third of a Solomon instance: a smaller ruin than the
        whole problem's).
    :ivar restarts: most independent whole-problem ILS runs.
    :ivar restart_seconds: seconds per 100 stops each whole-problem ILS run needs at least;
        the time limit decides how many runs (up to ``restarts``) fit. ``0``: one run.
    :ivar log_search: let OR-Tools log its search to stderr.
    """

    time_limit: float = 5.0
    seed: int = 0
    solution_limit: int | None = None
    strategy: Literal["ils", "gls"] = "ils"
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    ruin_removed: int = 15
    ruin_sequence: int = 15
    gls_lambda: float = 0.1
    gls_tail: float = 0.3
    prune_arcs: bool = True
    recreate_order: str = "HIGHEST_DIMENSION_USAGE"
    decompose_min_stops: int = 75
    decompose_after: float = 0.4
    subproblem_stops: int = 30
    subproblem_seconds: float = 0.3
    decompose_rounds: int = 12
    subproblem_ruin: int = 10
    restarts: int = 2
    restart_seconds: float = 1.5
    log_search: bool = False


@dataclass
class _Network:
    """Nodes of the OR-Tools model and their data (depots first, then stops)."""

    locations: list[Location]
    stops: list[Stop]
    n_depots: int
    starts: list[int]
    ends: list[int]
    service: list[int]
    allowed: list[list[int]]
    excluded: list[Unassigned] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.locations)


def _network(problem: Problem, matrices: ProblemMatrices, seed: int) -> _Network:
    depot_pos: dict[Location, int] = {}
    for sh in problem.shifts:
        for loc in (sh.start, sh.end_location):
            depot_pos.setdefault(loc, len(depot_pos))
    locations = list(depot_pos)
    starts = [depot_pos[sh.start] for sh in problem.shifts]
    ends = [depot_pos[sh.end_location] for sh in problem.shifts]
    order = list(range(len(problem.stops)))
    if seed:
        # A seed permutes the node order, which is what OR-Tools' heuristics break ties on.
        order = [int(k) for k in np.random.default_rng(seed).permutation(len(order))]
    stops: list[Stop] = []
    allowed: list[list[int]] = []
    excluded: list[Unassigned] = []
    for k in order:
        stop = problem.stops[k]
        vehicles, why = _feasible_vehicles(problem, stop, matrices)
        if not vehicles:
            excluded.append(why)
            continue
        stops.append(stop)
        allowed.append(vehicles)
    return _Network(
        locations + [s.location for s in stops],
        stops,
        len(locations),
        starts,
        ends,
        [0] * len(locations) + [s.service for s in stops],
        allowed,
        excluded,
    )


def _feasible_vehicles(
    problem: Problem, stop: Stop, matrices: ProblemMatrices
) -> tuple[list[int], Unassigned]:
    """Shifts that could serve ``stop`` on its own, and the reason if there is none."""
    vehicles = []
    too_small = 0
    eligible = eligible_shifts(stop, problem.shifts)
    for v in eligible:
        sh = problem.shifts[v]
        if (sh.capacity is not None and stop.demand > sh.capacity) or sh.max_visits == 0:
            too_small += 1
            continue
        if route_lateness(sh, [stop], matrices) == 0:
            vehicles.append(v)
    if vehicles:
        return vehicles, Unassigned(stop.id, UnassignedReason.NO_ROOM)
    if too_small == len(eligible):
        return [], Unassigned(
            stop.id,
            UnassignedReason.CAPACITY,
            "demand exceeds the capacity (or visit limit) of every eligible shift",
        )
    return [], Unassigned(
        stop.id,
        UnassignedReason.UNREACHABLE,
        "no eligible shift can travel there, visit within a time window and return in time",
    )


def _node_matrix(
    matrices: ProblemMatrices, shift: Shift, net: _Network, kind: Literal["time", "distance"]
) -> NDArray[np.int64]:
    if kind == "time":
        return matrices.durations(shift.mode, net.locations)
    return matrices.distances(shift.mode, net.locations)


def _search_parameters(settings: SolverSettings, *, warm: bool) -> Any:
    params = pywrapcp.DefaultRoutingSearchParameters()
    fs = routing_enums_pb2.FirstSolutionStrategy
    first = settings.first_solution if settings.first_solution != "portfolio" else PORTFOLIO[0]
    params.first_solution_strategy = getattr(fs, first)
    ops = params.local_search_operators
    for name in _SLOW_OPERATORS:
        setattr(ops, name, optional_boolean_pb2.BOOL_FALSE)
    if settings.strategy == "ils" and not warm:
        params.use_iterated_local_search = True
        ils = params.iterated_local_search_parameters
        rr = ils.ruin_recreate_parameters
        del rr.ruin_strategies[:]
        sisr = rr.ruin_strategies.add().sisr
        sisr.max_removed_sequence_size = settings.ruin_sequence
        sisr.avg_num_removed_visits = settings.ruin_removed
        sisr.bypass_factor = 0.01
        rr.recreate_strategy.heuristic = fs.LOCAL_CHEAPEST_INSERTION
        if settings.recreate_order:
            lci = rr.recreate_strategy.parameters.local_cheapest_insertion
            prop = lci.InsertionSortingProperty.Value("SORTING_PROPERTY_" + settings.recreate_order)
            lci.insertion_sorting_properties[:] = [prop]
        sa = ils.reference_solution_acceptance_strategy.simulated_annealing
        sa.cooling_schedule_strategy = 1  # EXPONENTIAL
        # Temperatures from the average arc cost: no per-instance tuning needed.
        sa.automatic_temperatures = True
        ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()
        ils.improve_perturbed_solution = True
    else:
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        params.guided_local_search_lambda_coefficient = settings.gls_lambda
    params.time_limit.FromMilliseconds(max(1, int(settings.time_limit * 1000)))
    if settings.solution_limit is not None:
        params.solution_limit = settings.solution_limit
    params.log_search = settings.log_search
    return params


def _pick_first_solution(fresh: Callable[[], _OrToolsModel], settings: SolverSettings) -> str:
    """Strategy of :data:`PORTFOLIO` whose first solution + one descent is cheapest."""
    best, best_cost = PORTFOLIO[0], None
    # Each descent gets a slice of the budget so a huge instance cannot eat it all.
    slice_s = min(1.0, 0.08 * settings.time_limit)
    for name in PORTFOLIO:
        trial = replace(settings, first_solution=name, time_limit=slice_s, strategy="gls")
        params = _search_parameters(trial, warm=False)
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        solution = fresh().model.SolveWithParameters(params)
        if solution is None:
            continue
        cost = int(solution.ObjectiveValue())
        if best_cost is None or cost < best_cost:
            best, best_cost = name, cost
    log.debug("first solution %s (cost %s)", best, best_cost)
    return best


def solve(
    problem: Problem,
    provider: MatrixProvider | None = None,
    settings: SolverSettings | None = None,
    *,
    matrices: ProblemMatrices | None = None,
    initial_routes: Mapping[str, Sequence[str]] | None = None,
    reassign_penalty: int = 0,
    rearc_penalty: int = 0,
) -> Plan:
    """Plan the problem.

    Stops that cannot be served are returned in ``Plan.unassigned`` with a reason; the
    function raises only for invalid input (already rejected when the
    :class:`~routing.model.Problem` was built) or when the matrix provider fails.

    :param problem: what to plan.
    :param provider: travel matrices; haversine by default for coordinates.
    :param settings: search settings.
    :param matrices: precomputed matrices (skips the provider).
    :param initial_routes: warm start, ``shift id -> ordered stop ids`` (unknown or
        infeasible entries are ignored).
    :param reassign_penalty: cost added when a stop of ``initial_routes`` is served by a
        different shift (re-planning: move as little as possible).
    :param rearc_penalty: cost added for every leg that was not in ``initial_routes``.
    :returns: the plan.
    :raises routing.matrix.MatrixError: when the provider fails.
    """
    config: SolverSettings = settings or SolverSettings()
    started = time.monotonic()
    if matrices is None:
        matrices = ProblemMatrices(problem, provider or default_provider(problem))
    net = _network(problem, matrices, config.seed)
    if not net.stops or not problem.shifts:
        routes = tuple(schedule_route(sh, [], matrices) for sh in problem.shifts)
        return Plan(routes, tuple(net.excluded), 0, time.monotonic() - started)

    def fresh() -> _OrToolsModel:
        # OR-Tools closes a model with the parameters of its first solve and the ILS entry
        # point needs its own, so every search gets its own model (cheap next to a search).
        runner = _OrToolsModel(problem, matrices, net)
        runner.prune_arcs = config.prune_arcs
        runner.build(initial_routes, reassign_penalty, rearc_penalty)
        return runner

    def left() -> float:
        # The time limit covers the whole call: model building comes out of the budget.
        return max(0.05, config.time_limit - (time.monotonic() - started))

    if config.first_solution == "portfolio":
        best = PORTFOLIO[0]
        if config.strategy == "ils" and not initial_routes:
            best = _pick_first_solution(fresh, config)
        config = replace(config, first_solution=best)
    if config.strategy == "ils" and not initial_routes:
        orders, cost = _search(problem, matrices, net, config, fresh, left)
    else:
        orders, cost = fresh().run(replace(config, time_limit=left()), initial_routes)
    if orders is None and config.strategy == "ils":
        # Safety net: never come back empty-handed while a plain search could still run.
        log.warning("iterated local search found nothing; falling back to guided search")
        fallback = replace(config, strategy="gls", time_limit=max(0.5, left()))
        orders, cost = fresh().run(fallback, initial_routes)
    elapsed = time.monotonic() - started
    if orders is None:
        unassigned = list(net.excluded) + [
            Unassigned(s.id, UnassignedReason.NO_SOLUTION, "no solution within the time limit")
            for s in net.stops
        ]
        routes = tuple(schedule_route(sh, [], matrices) for sh in problem.shifts)
        return Plan(routes, tuple(unassigned), 0, elapsed)
    routes_out: list[Route] = []
    served: set[str] = set()
    for v, sh in enumerate(problem.shifts):
        stops = [net.stops[k] for k in orders[v]]
        served.update(s.id for s in stops)
        routes_out.append(schedule_route(sh, stops, matrices))
    unassigned = list(net.excluded)
    for s in net.stops:
        if s.id not in served:
            unassigned.append(
                Unassigned(
                    s.id,
                    UnassignedReason.NO_ROOM,
                    "the shifts are full; left out for higher-priority or cheaper visits",
                )
            )
    return Plan(tuple(routes_out), tuple(unassigned), cost, elapsed)


class _Costs:
    """The whole problem's objective for route orders, evaluated without OR-Tools.

    Travel cost per shift from the same matrices the model uses (an empty route costs
    nothing, as in OR-Tools), drops weighted by ``priority + 1`` like the disjunction
    penalties: comparing ``(drop weight, travel)`` lexicographically ranks solutions as the
    model's objective does, because a drop penalty exceeds any travel difference.
    """

    def __init__(self, problem: Problem, matrices: ProblemMatrices, net: _Network) -> None:
        kind: Literal["time", "distance"] = "time" if problem.objective is Objective.DURATION else "distance"
        self.net = net
        self.shifts = problem.shifts
        by_mode: dict[object, NDArray[np.int64]] = {}
        for sh in problem.shifts:
            if sh.mode not in by_mode:
                by_mode[sh.mode] = _node_matrix(matrices, sh, net, kind)
        self.by_mode = by_mode
        self.weight = [s.priority + 1 for s in net.stops]

    def matrix(self, v: int) -> NDArray[np.int64]:
        return self.by_mode[self.shifts[v].mode]

    def travel(self, v: int, order: Sequence[int]) -> int:
        if not order:
            return 0
        d = self.net.n_depots
        nodes = [self.net.starts[v], *(d + k for k in order), self.net.ends[v]]
        return int(self.matrix(v)[nodes[:-1], nodes[1:]].sum())

    def dropped(self, stops: Sequence[int]) -> tuple[int, int]:
        """Drop weight and count of ``stops`` left out."""
        return sum(self.weight[k] for k in stops), len(stops)


def _route_is_feasible(shift: Shift, stops: Sequence[Stop], matrices: ProblemMatrices) -> bool:
    """The checker's view of one route: windows, lunch, return time, visits and capacity."""
    if shift.max_visits is not None and len(stops) > shift.max_visits:
        return False
    if shift.capacity is not None and sum(s.demand for s in stops) > shift.capacity:
        return False
    return route_lateness(shift, stops, matrices) == 0


def _pick_group(orders: Sequence[Sequence[int]], seed_route: int, costs: _Costs, target: int) -> list[int]:
    """The seed route plus the used routes closest to it, until ``target`` stops.

    Closeness of route ``r`` to the seed: mean, over the seed's stops, of the cost to the
    nearest stop of ``r`` - it needs only the matrices (Solomon and matrix-index problems
    have no coordinates for a polar sweep) and favours routes that interleave with the seed.
    """
    d = costs.net.n_depots
    seed_nodes = [d + k for k in orders[seed_route]]
    m = costs.matrix(seed_route)

    def closeness(v: int) -> float:
        nodes = [d + k for k in orders[v]]
        return float(m[np.ix_(seed_nodes, nodes)].min(axis=1).mean())

    others = [v for v, o in enumerate(orders) if o and v != seed_route]
    group, size = [seed_route], len(orders[seed_route])
    for v in sorted(others, key=lambda v: (closeness(v), v)):
        if size >= target:
            break
        group.append(v)
        size += len(orders[v])
    return sorted(group)


def _subproblem(
    problem: Problem,
    net: _Network,
    group: Sequence[int],
    stop_ks: Sequence[int],
) -> tuple[Problem, _Network]:
    """The shifts of ``group`` and the stops ``stop_ks`` (positions in ``net.stops``).

    Windows, appointments, lunch breaks, limits and modes come with the :class:`Stop` and
    :class:`Shift` objects; each stop keeps only its allowed shifts within the group.
    """
    shifts = tuple(problem.shifts[v] for v in group)
    position = {v: i for i, v in enumerate(group)}
    depot_pos: dict[Location, int] = {}
    for sh in shifts:
        for loc in (sh.start, sh.end_location):
            depot_pos.setdefault(loc, len(depot_pos))
    stops = [net.stops[k] for k in stop_ks]
    allowed = [[position[v] for v in net.allowed[k] if v in position] for k in stop_ks]
    sub_net = _Network(
        list(depot_pos) + [s.location for s in stops],
        stops,
        len(depot_pos),
        [depot_pos[sh.start] for sh in shifts],
        [depot_pos[sh.end_location] for sh in shifts],
        [0] * len(depot_pos) + [s.service for s in stops],
        allowed,
    )
    return Problem(tuple(stops), shifts, problem.objective, problem.name), sub_net


def _ils_runs(config: SolverSettings, share: float, n_stops: int) -> int:
    """Number of independent whole-problem ILS runs: as many as get ``restart_seconds``
    per 100 stops each, at most ``restarts``. From the time limit, not the clock, so a
    solution limit keeps the search deterministic."""
    if config.restart_seconds <= 0:
        return 1
    fit = int(config.time_limit * share / (config.restart_seconds * max(n_stops, 1) / 100))
    return max(1, min(config.restarts, fit))


def _reordered(net: _Network, order: Sequence[int]) -> _Network:
    """``net`` with its stops in ``order`` (positions in ``net.stops``)."""
    d = net.n_depots
    return _Network(
        net.locations[:d] + [net.stops[k].location for k in order],
        [net.stops[k] for k in order],
        d,
        net.starts,
        net.ends,
        net.service[:d] + [net.service[d + k] for k in order],
        [net.allowed[k] for k in order],
        net.excluded,
    )


def _search(
    problem: Problem,
    matrices: ProblemMatrices,
    net: _Network,
    config: SolverSettings,
    fresh: Callable[[], _OrToolsModel],
    left: Callable[[], float],
) -> tuple[list[list[int]] | None, int]:
    """Whole-problem ILS runs, route-based decomposition, then guided local search.

    1. ``_ils_runs`` independent ILS runs on the whole problem (different node orders),
       sharing ``decompose_after`` of the time (``1 - gls_tail`` without decomposition);
       the best one goes on. Independent runs land in different basins; the best of two
       shorter runs was more reliable than one longer run where each still gets enough
       iterations (``restart_seconds`` per 100 stops).
    2. With at least ``decompose_min_stops`` stops, until the guided-search tail:
       decomposition. An OR-Tools ILS iteration is a full CP search whose cost grows with
       the model, so on 100 stops 10 s buys only ~1000 ruin-and-recreate iterations.
       Groups of neighbouring routes (``subproblem_stops`` served stops, plus the unserved
       stops they may take) are solved as problems of their own with a short ILS - several
       times more iterations per stop - and a group's routes are replaced when the
       sub-solution is at least as good for the whole objective: less drop weight, or the
       same drops and no more travel, never more stops left out, each new route
       re-checked. Routes of other shifts are untouched, so the plan stays feasible.
       (Santini, Schneider, Vidal, Vigo 2023, "Decomposition strategies for vehicle routing
       heuristics"; route-based decomposition as in HGS.)
    3. Guided local search on the whole problem from the result for the last ``gls_tail``
       (it can move stops between groups that were never solved together).
    """
    total = left()
    tail_share = min(max(config.gls_tail, 0.0), 0.9)
    tail = tail_share * total
    costs = _Costs(problem, matrices, net)
    n = len(net.stops)
    decomposing = 0 < config.decompose_min_stops <= n
    ils_share = config.decompose_after if decomposing else 1.0 - tail_share
    runs = _ils_runs(config, ils_share, n)
    first = replace(config, gls_tail=0.0, time_limit=total * ils_share / runs)
    found: list[list[int]] | None = None
    drop_unit = 1
    for run in range(runs):
        # Independent ILS runs differ by the node order (what OR-Tools breaks ties on).
        order = list(range(n))
        if run:
            order = [int(k) for k in np.random.default_rng((config.seed, run)).permutation(n)]
        runner = _OrToolsModel(problem, matrices, _reordered(net, order))
        runner.prune_arcs = config.prune_arcs
        runner.build(None, 0, 0)
        drop_unit = runner.drop_unit
        if run == runs - 1:
            # The last run takes what the earlier ones (and model building) left over.
            rest = left() - (1.0 - ils_share) * total
            first = replace(first, time_limit=max(0.05, rest))
        result, _ = runner.run(first, None)
        if result is None:
            continue
        mapped = [[order[i] for i in o] for o in result]
        if found is None or _objective(costs, mapped, n) < _objective(costs, found, n):
            found = mapped
    if found is None:
        return None, 0
    orders = found
    rng = np.random.default_rng(config.seed)
    seeded: set[int] = set()
    rounds = 0
    while decomposing:
        if config.solution_limit is not None and rounds >= config.decompose_rounds:
            break
        budget = min(config.subproblem_seconds, left() - tail)
        if budget < 0.5 * config.subproblem_seconds:
            break
        used = [v for v, o in enumerate(orders) if o]
        if len(used) < 2:
            break
        # Seed routes in random order without repeats until each has been a seed once.
        fresh_seeds = [v for v in used if v not in seeded] or used
        if len(fresh_seeds) == len(used):
            seeded.clear()
        seed_route = fresh_seeds[int(rng.integers(len(fresh_seeds)))]
        seeded.add(seed_route)
        group = _pick_group(orders, seed_route, costs, config.subproblem_stops)
        rounds += 1
        if len(group) == len(used):
            # The group would be the whole plan: nothing left to decompose.
            break
        orders = _improve_group(problem, matrices, net, config, costs, orders, group, budget, rng, n)
    log.debug(
        "decomposition: %d sub-problems, %s -> %s",
        rounds,
        _objective(costs, found, n),
        _objective(costs, orders, n),
    )
    routes = {sh.id: [net.stops[k].id for k in orders[v]] for v, sh in enumerate(problem.shifts)}
    best = (orders, _objective(costs, orders, n))
    if tail > 0:
        polished, _ = fresh().run(replace(config, strategy="gls", time_limit=left()), routes)
        if polished is not None:
            score = _objective(costs, polished, n)
            log.debug("guided local search tail: %s -> %s", best[1], score)
            if score < best[1]:
                best = (polished, score)
    (weight, _), travel = best[1]
    return best[0], weight * drop_unit + travel


def _objective(costs: _Costs, orders: Sequence[Sequence[int]], n: int) -> tuple[tuple[int, int], int]:
    served = {k for o in orders for k in o}
    dropped = costs.dropped([k for k in range(n) if k not in served])
    travel = sum(costs.travel(v, o) for v, o in enumerate(orders))
    return dropped, travel


def _improve_group(
    problem: Problem,
    matrices: ProblemMatrices,
    net: _Network,
    config: SolverSettings,
    costs: _Costs,
    orders: list[list[int]],
    group: Sequence[int],
    budget: float,
    rng: np.random.Generator,
    n: int,
) -> list[list[int]]:
    """Solve ``group``'s routes as a sub-problem; return the orders, improved or not."""
    served = {k for o in orders for k in o}
    members = set(group)
    waiting = [k for k in range(n) if k not in served and members.intersection(net.allowed[k])]
    if len(waiting) > config.subproblem_stops:
        # An over-full day: offer the group the unserved stops nearest to its visits.
        d = net.n_depots
        nodes = [d + k for v in group for k in orders[v]] or [net.starts[group[0]]]
        m = costs.matrix(group[0])
        near = m[np.ix_(nodes, [d + k for k in waiting])].min(axis=0)
        waiting = [waiting[i] for i in np.argsort(near, kind="stable")[: config.subproblem_stops]]
    mine = [k for v in group for k in orders[v]] + sorted(waiting)
    # A fresh node order per sub-problem: OR-Tools breaks ties on it, so repeated
    # sub-problems over the same routes explore differently.
    stop_ks = [mine[int(i)] for i in rng.permutation(len(mine))]
    sub_problem, sub_net = _subproblem(problem, net, group, stop_ks)
    runner = _OrToolsModel(sub_problem, matrices, sub_net)
    runner.prune_arcs = config.prune_arcs
    runner.build(None, 0, 0)
    limit = None
    if config.solution_limit is not None:
        limit = max(20, config.solution_limit * len(stop_ks) // n)
    sub_settings = replace(
        config,
        time_limit=budget,
        solution_limit=limit,
        gls_tail=0.0,
        ruin_removed=config.subproblem_ruin,
    )
    sub_orders, _ = runner.run(sub_settings, None)
    if sub_orders is None:
        return orders
    new = [[stop_ks[i] for i in o] for o in sub_orders]
    kept = {k for o in new for k in o}
    old_drop = costs.dropped(sorted(waiting))
    new_drop = costs.dropped([k for k in stop_ks if k not in kept])
    old_travel = sum(costs.travel(v, orders[v]) for v in group)
    new_travel = sum(costs.travel(v, o) for v, o in zip(group, new, strict=True))
    # Equal cost is accepted: a different but as good group gives the next sub-problems
    # other routes to work on (measured: mean gap 0.74 -> 0.68 % at 10 s over 4 seeds).
    if new_drop[1] > old_drop[1] or (new_drop[0], new_travel) > (old_drop[0], old_travel):
        return orders
    for v, o in zip(group, new, strict=True):
        if o != orders[v] and not _route_is_feasible(problem.shifts[v], [net.stops[k] for k in o], matrices):
            log.warning(
                "sub-problem route for %s fails the checker; kept the old routes", problem.shifts[v].id
            )
            return orders
    out = list(orders)
    for v, o in zip(group, new, strict=True):
        out[v] = o
    return out


class _OrToolsModel:
    def __init__(self, problem: Problem, matrices: ProblemMatrices, net: _Network) -> None:
        self.problem = problem
        self.matrices = matrices
        self.net = net
        shifts = problem.shifts
        self.manager = pywrapcp.RoutingIndexManager(net.size, len(shifts), net.starts, net.ends)
        self.model = pywrapcp.RoutingModel(self.manager)
        self.stop_node = {s.id: net.n_depots + k for k, s in enumerate(net.stops)}
        self.prune_arcs = True
        self.pruned = 0
        #: penalty per unit of drop weight (``priority + 1``), set by :meth:`build`
        self.drop_unit = 1

    def _index(self, node: int) -> int:
        return int(self.manager.NodeToIndex(node))

    def build(
        self,
        initial_routes: Mapping[str, Sequence[str]] | None,
        reassign_penalty: int,
        rearc_penalty: int,
    ) -> None:
        model, net, shifts = self.model, self.net, self.problem.shifts
        n_stops = len(net.stops)
        service = np.asarray(net.service, dtype=np.int64)
        # One transit matrix per travel mode, not per shift: vehicles of the same mode share
        # an evaluator (and a vehicle class, which the search exploits).
        time_cb: dict[object, int] = {}
        cost_mats: dict[object, NDArray[np.int64]] = {}
        max_arc = 1
        durations: list[NDArray[np.int64]] = []
        for sh in shifts:
            if sh.mode in time_cb:
                continue
            dur = _node_matrix(self.matrices, sh, net, "time")
            durations.append(dur)
            transit = dur + service[:, None]
            time_cb[sh.mode] = model.RegisterTransitMatrix(transit.tolist())
            costs = (
                dur
                if self.problem.objective is Objective.DURATION
                else _node_matrix(self.matrices, sh, net, "distance")
            )
            cost_mats[sh.mode] = costs
            finite = costs[costs < UNREACHABLE]
            if finite.size:
                max_arc = max(max_arc, int(finite.max()))
        self._cost_callbacks(cost_mats, initial_routes, reassign_penalty, rearc_penalty)
        horizon = max(sh.window.end for sh in shifts)
        model.AddDimensionWithVehicleTransits(
            [time_cb[sh.mode] for sh in shifts], horizon, horizon, False, "time"
        )
        tdim = model.GetDimensionOrDie("time")
        self.time_dim = tdim
        for v, sh in enumerate(shifts):
            tdim.CumulVar(model.Start(v)).SetRange(sh.window.start, sh.window.end)
            tdim.CumulVar(model.End(v)).SetRange(sh.window.start, sh.window.end)
        # Penalty above any travel saving a drop could bring: a bound on any solution's cost.
        big = (n_stops + len(shifts) + 1) * max_arc + reassign_penalty * n_stops + 1
        self.drop_unit = big
        all_vehicles = list(range(len(shifts)))
        for k, stop in enumerate(net.stops):
            index = self._index(net.n_depots + k)
            cumul = tdim.CumulVar(index)
            if stop.appointment is not None:
                cumul.SetRange(stop.appointment, stop.appointment)
            elif stop.windows:
                cumul.SetRange(stop.windows[0].start, stop.windows[-1].end)
                for a, b in zip(stop.windows, stop.windows[1:], strict=False):
                    cumul.RemoveInterval(a.end + 1, b.start - 1)
            model.AddDisjunction([index], big * (stop.priority + 1))
            if net.allowed[k] != all_vehicles:
                # SetAllowedVehiclesForIndex has a broken binding in OR-Tools 9.15 (absl::Span
                # argument); restricting the vehicle variable is equivalent (-1 = unperformed).
                model.VehicleVar(index).SetValues([-1, *net.allowed[k]])
        self._breaks(shifts)
        if self.prune_arcs:
            self._prune_arcs(np.minimum.reduce(durations))
        if any(sh.max_visits is not None for sh in shifts):
            counts = [0] * net.n_depots + [1] * n_stops
            cb = model.RegisterUnaryTransitVector(counts)
            caps = [n_stops if sh.max_visits is None else sh.max_visits for sh in shifts]
            model.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "visits")
        if any(s.demand for s in net.stops):
            demand = [0] * net.n_depots + [s.demand for s in net.stops]
            total = sum(demand)
            cb = model.RegisterUnaryTransitVector(demand)
            caps = [total if sh.capacity is None else sh.capacity for sh in shifts]
            model.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "load")

    def _cost_callbacks(
        self,
        cost_mats: Mapping[object, NDArray[np.int64]],
        initial_routes: Mapping[str, Sequence[str]] | None,
        reassign_penalty: int,
        rearc_penalty: int,
    ) -> None:
        model, shifts = self.model, self.problem.shifts
        if not initial_routes or (reassign_penalty == 0 and rearc_penalty == 0):
            cb = {mode: model.RegisterTransitMatrix(m.tolist()) for mode, m in cost_mats.items()}
            for v, sh in enumerate(shifts):
                model.SetArcCostEvaluatorOfVehicle(cb[sh.mode], v)
            return
        # Re-planning: per-shift cost matrices that charge for moving a stop to another shift
        # (on its incoming arc, which every served stop has exactly one of) and for legs that
        # were not in the accepted plan, so the new plan stays close to the old one.
        owner: dict[int, int] = {}
        arcs: dict[int, set[tuple[int, int]]] = {}
        shift_pos = {sh.id: v for v, sh in enumerate(shifts)}
        for shift_id, ids in initial_routes.items():
            pos = shift_pos.get(shift_id)
            if pos is None:
                continue
            inner = [self.stop_node[i] for i in ids if i in self.stop_node]
            for i in inner:
                owner[i] = pos
            nodes = [self.net.starts[pos], *inner, self.net.ends[pos]]
            arcs[pos] = set(itertools.pairwise(nodes))
        n = self.net.size
        for v, sh in enumerate(shifts):
            m = cost_mats[sh.mode].copy()
            if reassign_penalty:
                moved = [j for j, o in owner.items() if o != v]
                m[:, moved] += reassign_penalty
            if rearc_penalty:
                keep = np.zeros((n, n), dtype=bool)
                for i, j in arcs.get(v, ()):
                    keep[i, j] = True
                m += np.where(keep, 0, rearc_penalty).astype(np.int64)
                np.fill_diagonal(m, 0)
            model.SetArcCostEvaluatorOfVehicle(model.RegisterTransitMatrix(m.tolist()), v)

    def _prune_arcs(self, travel: NDArray[np.int64]) -> None:
        """Remove stop-to-stop arcs that no route can use because of time windows.

        ``i -> j`` is impossible when the earliest start at ``i`` plus its service and the
        fastest travel to ``j`` is after the latest start at ``j`` (breaks only add time).
        Fewer next-values make propagation, insertion and local search cheaper.
        """
        net, shifts = self.net, self.problem.shifts
        d = net.n_depots
        n = len(net.stops)
        if n < 2:
            return
        horizon = max(sh.window.end for sh in shifts)
        early = np.zeros(n, dtype=np.int64)
        late = np.full(n, horizon, dtype=np.int64)
        for k, stop in enumerate(net.stops):
            bounds = stop.start_bounds()
            # Earliest arrival from any allowed shift's start tightens the earliest start.
            reach = min(shifts[v].window.start + int(travel[net.starts[v], d + k]) for v in net.allowed[k])
            early[k] = max(reach, bounds[0] if bounds else 0)
            if bounds:
                late[k] = bounds[1]
        service = np.asarray(net.service[d:], dtype=np.int64)
        ready = early + service
        arrive = ready[:, None] + travel[d:, d:]
        bad = arrive > late[None, :]
        np.fill_diagonal(bad, False)
        for i in np.flatnonzero(bad.any(axis=1)):
            js = np.flatnonzero(bad[i])
            self.model.NextVar(self._index(d + int(i))).RemoveValues([self._index(d + int(j)) for j in js])
            self.pruned += len(js)

    def _breaks(self, shifts: Sequence[Shift]) -> None:
        if not any(sh.lunch is not None for sh in shifts):
            return
        model, solver = self.model, self.model.solver()
        # The service part of a transit cannot be interrupted by a break; travel can.
        visit_transit = [0] * model.Size()
        for index in range(model.Size()):
            node = self.manager.IndexToNode(index)
            visit_transit[index] = self.net.service[node]
        for v, sh in enumerate(shifts):
            lunch = sh.lunch
            if lunch is None:
                continue
            interval = solver.FixedDurationIntervalVar(
                lunch.earliest_start,
                lunch.latest_end - lunch.duration,
                lunch.duration,
                False,
                f"lunch {sh.id}",
            )
            self.time_dim.SetBreakIntervalsOfVehicle([interval], v, visit_transit)

    def run(
        self,
        settings: SolverSettings,
        initial_routes: Mapping[str, Sequence[str]] | None,
    ) -> tuple[list[list[int]] | None, int]:
        model = self.model
        warm = bool(initial_routes)
        params = _search_parameters(settings, warm=warm)
        solution = None
        if warm and initial_routes is not None:
            model.CloseModelWithParameters(params)
            routes = []
            for sh in self.problem.shifts:
                ids = initial_routes.get(sh.id, ())
                routes.append([self._index(self.stop_node[i]) for i in ids if i in self.stop_node])
            start = model.ReadAssignmentFromRoutes(routes, True)
            if start is not None:
                solution = model.SolveFromAssignmentWithParameters(start, params)
            if solution is None:
                log.info("warm start rejected; solving from scratch")
                solution = model.SolveWithParameters(params)
        elif settings.strategy == "ils":
            # The guided-search tail (``gls_tail``) is run by _search on a fresh model.
            solution = model.SolveWithIteratedLocalSearch(params)
        else:
            solution = model.SolveWithParameters(params)
        if solution is None:
            return None, 0
        orders: list[list[int]] = []
        for v in range(len(self.problem.shifts)):
            index = solution.Value(model.NextVar(model.Start(v)))
            order = []
            while not model.IsEnd(index):
                order.append(int(self.manager.IndexToNode(index)) - self.net.n_depots)
                index = solution.Value(model.NextVar(index))
            orders.append(order)
        return orders, int(solution.ObjectiveValue())
