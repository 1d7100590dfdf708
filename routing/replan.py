"""Re-planning: insert urgent visits into an accepted plan, disturbing it as little as possible.

What stays put:

* visits **under way** at time ``now`` on day ``today``: the staff member has already left
  for them (or finished them); they are frozen with their times and the shift restarts from
  the last of them;
* shifts of earlier days are frozen entirely;
* **locked** visits (chosen by the user) keep their shift and their start time.

The rest is re-optimised from the accepted routes (warm start) with extra costs for moving
a stop to another shift and for every leg that was not in the accepted plan, so the new plan
differs from the old one only where it pays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from routing.matrix import MatrixProvider, TravelMatrices
from routing.model import (
    Break,
    Location,
    Objective,
    Problem,
    Shift,
    Stop,
    TimeWindow,
    TravelMode,
    eligible_shifts,
    fits_shift_time,
)
from routing.solution import (
    Plan,
    ProblemMatrices,
    Route,
    Unassigned,
    UnassignedReason,
    Visit,
    default_provider,
)
from routing.solver import SolverSettings, solve

__all__ = ["replan"]


def _frozen_count(route: Route, now: int | None, today: int | None) -> int:
    if now is None or today is None or route.day > today:
        return 0
    if route.day < today:
        return len(route.visits)
    count = 0
    prev_departure = route.departure
    for visit in route.visits:
        # Once the staff member has left for a visit it is under way: keep it.
        if prev_departure <= now:
            count += 1
            prev_departure = visit.departure
        else:
            break
    return count


def replan(
    problem: Problem,
    accepted: Plan,
    new_stops: Sequence[Stop] = (),
    *,
    now: int | None = None,
    today: int | None = None,
    locked: Iterable[str] = (),
    provider: MatrixProvider | None = None,
    settings: SolverSettings | None = None,
    reassign_penalty: int | None = None,
    rearc_penalty: int | None = None,
) -> Plan:
    """Insert ``new_stops`` into ``accepted`` and re-optimise the rest lightly.

    :param problem: the problem ``accepted`` was planned for.
    :param accepted: the accepted plan.
    :param new_stops: urgent visits to add (give them a high priority to make sure they get
        in).
    :param now: current time (seconds since midnight of ``today``); visits already under way
        are kept. ``None`` freezes nothing.
    :param today: the day ``now`` refers to; earlier days are frozen.
    :param locked: ids of visits that must keep their shift and start time.
    :param provider: matrix provider (haversine by default for coordinates).
    :param settings: solver settings (the search is a guided local search from the
        accepted routes).
    :param reassign_penalty: cost of moving a stop to another shift, in objective units
        (seconds of travel, or metres for a distance objective); default 10 min / 5 km.
    :param rearc_penalty: cost of each new leg; default 2 min / 1 km.
    :returns: a plan for ``problem`` plus ``new_stops``; check it with
        :func:`~routing.solution.check_plan`.
    :raises InvalidProblemError: when a new stop is invalid or its id is already used.
    """
    full = Problem(
        problem.stops + tuple(new_stops), problem.shifts, problem.objective, problem.name
    )
    distance = problem.objective is Objective.DISTANCE
    if reassign_penalty is None:
        reassign_penalty = 5000 if distance else 600
    if rearc_penalty is None:
        rearc_penalty = 1000 if distance else 120
    locked_ids = set(locked)
    matrices = ProblemMatrices(full, provider or default_provider(full))

    frozen: dict[str, list[Visit]] = {}
    sub_shifts: list[Shift] = []
    initial: dict[str, list[str]] = {}
    frozen_ids: set[str] = set()
    for sh in full.shifts:
        try:
            route = accepted.route(sh.id)
        except KeyError:
            route = Route(sh.id, sh.staff_id, sh.day, (), sh.window.start, sh.window.start)
        k = _frozen_count(route, now, today)
        done = list(route.visits[:k])
        frozen[sh.id] = done
        frozen_ids.update(v.stop_id for v in done)
        initial[sh.id] = [v.stop_id for v in route.visits[k:]]
        sub = _remaining_shift(full, sh, route, done, now, today)
        if sub is not None:
            sub_shifts.append(sub)

    unassigned: list[Unassigned] = []
    sub_stops: list[Stop] = []
    owner = {sid: sh_id for sh_id, ids in initial.items() for sid in ids}
    for stop in full.stops:
        if stop.id in frozen_ids:
            continue
        if stop.id in locked_ids and stop.id in owner:
            placed = accepted.visit(stop.id)
            if placed is not None:
                route, visit = placed
                stop = replace(
                    stop,
                    appointment=visit.start,
                    staff_id=route.staff_id,
                    days=frozenset({route.day}),
                    priority=100,
                )
        eligible = eligible_shifts(stop, sub_shifts)
        if not any(fits_shift_time(stop, sub_shifts[k]) for k in eligible):
            unassigned.append(
                Unassigned(
                    stop.id,
                    UnassignedReason.UNREACHABLE,
                    "no remaining shift time can serve it inside its windows",
                )
            )
            continue
        sub_stops.append(stop)

    sub_problem = Problem(tuple(sub_stops), tuple(sub_shifts), full.objective, full.name)
    sub_ids = {s.id for s in sub_stops}
    warm = {
        sh_id: [i for i in ids if i in sub_ids]
        for sh_id, ids in initial.items()
        if any(sh.id == sh_id for sh in sub_shifts)
    }
    sub_matrices = ProblemMatrices(sub_problem, _SubsetProvider(matrices))
    sub_plan = solve(
        sub_problem,
        settings=replace(settings or SolverSettings(time_limit=2.0), strategy="gls"),
        matrices=sub_matrices,
        initial_routes=warm,
        reassign_penalty=reassign_penalty,
        rearc_penalty=rearc_penalty,
    )

    routes: list[Route] = []
    for sh in full.shifts:
        done = frozen[sh.id]
        try:
            new = sub_plan.route(sh.id)
        except KeyError:
            new = None
        try:
            old = accepted.route(sh.id)
        except KeyError:
            old = None
        visits = tuple(done) + (new.visits if new is not None else ())
        if not visits:
            routes.append(new if new is not None else _empty(sh))
            continue
        departure = (
            old.departure
            if done and old is not None
            else (new.departure if new is not None else sh.window.start)
        )
        lunch = (
            new.lunch
            if new is not None and _has_lunch(sub_problem, sh.id)
            else (old.lunch if old is not None else None)
        )
        if new is not None and new.visits:
            arrival, end_t, end_d = new.arrival, new.end_travel_time, new.end_travel_distance
        elif old is not None:
            arrival, end_t, end_d = old.arrival, old.end_travel_time, old.end_travel_distance
        else:  # pragma: no cover - frozen visits always come from an accepted route
            arrival, end_t, end_d = sh.window.start, 0, 0
        routes.append(
            Route(sh.id, sh.staff_id, sh.day, visits, departure, arrival, end_t, end_d, lunch)
        )
    unassigned.extend(sub_plan.unassigned)
    return Plan(tuple(routes), tuple(unassigned), sub_plan.cost, sub_plan.solve_seconds)


def _has_lunch(problem: Problem, shift_id: str) -> bool:
    """True when the shift exists in ``problem`` and still has a lunch break to take."""
    try:
        return problem.shift(shift_id).lunch is not None
    except KeyError:
        return False


def _empty(sh: Shift) -> Route:
    return Route(sh.id, sh.staff_id, sh.day, (), sh.window.start, sh.window.start)


def _remaining_shift(
    problem: Problem,
    sh: Shift,
    route: Route,
    done: list[Visit],
    now: int | None,
    today: int | None,
) -> Shift | None:
    """The part of ``sh`` still to plan after its frozen visits, or None if nothing is left."""
    if today is not None and sh.day < today:
        return None
    if not done:
        if now is not None and today is not None and sh.day == today and now > sh.window.start:
            # Nothing under way yet: the shift restarts from its start location at ``now``.
            if now >= sh.window.end:
                return None
            lunch = _remaining_lunch(sh.lunch, now, route)
            return replace(sh, window=TimeWindow(now, sh.window.end), lunch=lunch)
        return sh
    last = done[-1]
    start_time = last.departure if now is None else max(last.departure, now)
    if start_time >= sh.window.end:
        return None
    last_stop = problem.stop(last.stop_id)
    max_visits = None if sh.max_visits is None else max(0, sh.max_visits - len(done))
    capacity = sh.capacity
    if capacity is not None:
        used = sum(problem.stop(v.stop_id).demand for v in done)
        capacity = max(0, capacity - used)
    return Shift(
        sh.staff_id,
        last_stop.location,
        TimeWindow(start_time, sh.window.end),
        day=sh.day,
        end=sh.end_location,
        lunch=_remaining_lunch(sh.lunch, start_time, route),
        mode=sh.mode,
        max_visits=max_visits,
        capacity=capacity,
    )


def _remaining_lunch(lunch: Break | None, start_time: int, route: Route) -> Break | None:
    if lunch is None:
        return None
    if route.lunch is not None and route.lunch.start < start_time:
        return None  # already taken (or under way)
    earliest = max(lunch.earliest_start, start_time)
    if lunch.latest_end - earliest < lunch.duration:
        return None  # too late to take it now; the frozen part of the plan decided that
    return Break(earliest, lunch.latest_end, lunch.duration)


@dataclass(frozen=True)
class _SubsetProvider:
    """Matrices for any subset of an already computed problem's locations.

    The re-planning sub-problem only uses places of the full problem, so this avoids asking
    the (possibly remote) provider a second time.
    """

    full: ProblemMatrices

    def matrices(self, locations: Sequence[Location], mode: TravelMode) -> TravelMatrices:
        idx = [self.full.position[loc] for loc in locations]
        m = self.full.by_mode[mode]
        sel = np.ix_(idx, idx)
        return TravelMatrices(m.durations[sel], m.distances[sel])
