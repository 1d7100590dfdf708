"""Plans (solver output), route scheduling and the feasibility checker.

:func:`schedule_route` turns an ordered list of stops into times (earliest start, lunch placed
where it fits best); the solver uses it to report its routes and the CRM can use it, through
:func:`build_plan`, after a user reorders visits by hand. :func:`check_plan` verifies every
constraint of a plan against its problem and returns the violations.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from routing.matrix import HaversineProvider, MatrixError, MatrixProvider, TravelMatrices
from routing.model import (
    Location,
    Problem,
    Shift,
    Stop,
    TravelMode,
    eligible_shifts,
)

__all__ = [
    "Plan",
    "ProblemMatrices",
    "Route",
    "ScheduledBreak",
    "Unassigned",
    "UnassignedReason",
    "Violation",
    "Visit",
    "build_plan",
    "check_plan",
    "route_lateness",
    "schedule_route",
]


class UnassignedReason(enum.StrEnum):
    """Why a stop is not in the plan (codes are stable, for the CRM and the JSON output)."""

    #: no eligible shift can travel there, serve it inside a window and get back in time
    UNREACHABLE = "unreachable"
    #: its demand exceeds the capacity of every eligible shift
    CAPACITY = "capacity"
    #: it could be served alone, but the shifts are full (time, visits or capacity); it was
    #: left out in favour of higher-priority or cheaper stops
    NO_ROOM = "no_room"
    #: the solver found no solution at all within its limits
    NO_SOLUTION = "no_solution"


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A stop left out of the plan, VROOM style.

    :ivar stop_id: the stop.
    :ivar reason: machine-readable reason code.
    :ivar detail: human-readable explanation.
    """

    stop_id: str
    reason: UnassignedReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Visit:
    """A planned visit. Times are seconds since midnight.

    :ivar stop_id: the stop.
    :ivar arrival: arrival at the stop (may precede ``start``: waiting).
    :ivar start: start of service.
    :ivar departure: end of service.
    :ivar travel_time: travel time (s) from the previous place.
    :ivar travel_distance: travel distance (m) from the previous place.
    """

    stop_id: str
    arrival: int
    start: int
    departure: int
    travel_time: int
    travel_distance: int

    @property
    def waiting(self) -> int:
        """Seconds between arrival and start of service."""
        return self.start - self.arrival


@dataclass(frozen=True, slots=True)
class ScheduledBreak:
    """When the lunch break happens (seconds since midnight)."""

    start: int
    end: int


@dataclass(frozen=True)
class Route:
    """The visits of one shift, in order.

    :ivar shift_id: :attr:`Shift.id` of the shift.
    :ivar staff_id: the staff member.
    :ivar day: the shift's day.
    :ivar visits: ordered visits (empty when the shift has nothing to do).
    :ivar departure: when the staff member leaves the start location.
    :ivar arrival: when the staff member reaches the end location.
    :ivar end_travel_time: travel time (s) from the last visit to the end location.
    :ivar end_travel_distance: travel distance (m) from the last visit to the end location.
    :ivar lunch: the scheduled lunch break, if the shift has one.
    """

    shift_id: str
    staff_id: str
    day: int
    visits: tuple[Visit, ...]
    departure: int
    arrival: int
    end_travel_time: int = 0
    end_travel_distance: int = 0
    lunch: ScheduledBreak | None = None

    @property
    def stop_ids(self) -> list[str]:
        """Stop ids in visiting order."""
        return [v.stop_id for v in self.visits]

    @property
    def travel_time(self) -> int:
        """Total travel time (s), including the way back."""
        return sum(v.travel_time for v in self.visits) + self.end_travel_time

    @property
    def distance(self) -> int:
        """Total travel distance (m), including the way back."""
        return sum(v.travel_distance for v in self.visits) + self.end_travel_distance

    @property
    def service_time(self) -> int:
        """Total time spent at clients (s)."""
        return sum(v.departure - v.start for v in self.visits)

    @property
    def waiting_time(self) -> int:
        """Total waiting before visits (s)."""
        return sum(v.waiting for v in self.visits)

    @property
    def duration(self) -> int:
        """From departure to arrival at the end location (s)."""
        return self.arrival - self.departure if self.visits else 0


@dataclass(frozen=True)
class Plan:
    """Solver output: one :class:`Route` per shift and the stops left out.

    :ivar routes: one route per shift, in the order of :attr:`Problem.shifts`.
    :ivar unassigned: stops left out, with reasons.
    :ivar cost: solver objective (travel cost plus drop penalties), for comparisons.
    :ivar solve_seconds: wall time spent in the solver.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...] = ()
    cost: int = 0
    solve_seconds: float = 0.0
    _by_shift: dict[str, Route] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", tuple(self.routes))
        object.__setattr__(self, "unassigned", tuple(self.unassigned))
        object.__setattr__(self, "_by_shift", {r.shift_id: r for r in self.routes})

    def route(self, shift_id: str) -> Route:
        """The route of a shift.

        :raises KeyError: when the plan has no such shift.
        """
        return self._by_shift[shift_id]

    @property
    def used_routes(self) -> list[Route]:
        """Routes with at least one visit."""
        return [r for r in self.routes if r.visits]

    @property
    def vehicles(self) -> int:
        """Number of shifts with at least one visit."""
        return len(self.used_routes)

    @property
    def travel_time(self) -> int:
        """Total travel time (s)."""
        return sum(r.travel_time for r in self.routes)

    @property
    def distance(self) -> int:
        """Total travel distance (m)."""
        return sum(r.distance for r in self.routes)

    @property
    def assigned_ids(self) -> list[str]:
        """Ids of all planned stops."""
        return [v.stop_id for r in self.routes for v in r.visits]

    @property
    def unassigned_ids(self) -> list[str]:
        """Ids of the stops left out."""
        return [u.stop_id for u in self.unassigned]

    def visit(self, stop_id: str) -> tuple[Route, Visit] | None:
        """Find where a stop is planned, or ``None``."""
        for r in self.routes:
            for v in r.visits:
                if v.stop_id == stop_id:
                    return r, v
        return None


class ProblemMatrices:
    """Travel matrices for every place of a problem, one pair per travel mode used.

    Builds the list of distinct locations once (shift starts and ends, then stops) and asks
    the provider once per travel mode.

    :param problem: the problem.
    :param provider: where the matrices come from.
    :raises MatrixError: when the provider fails.
    """

    def __init__(self, problem: Problem, provider: MatrixProvider) -> None:
        self.locations: list[Location] = []
        self.position: dict[Location, int] = {}
        for sh in problem.shifts:
            self._add(sh.start)
            self._add(sh.end_location)
        for stop in problem.stops:
            self._add(stop.location)
        modes = list(dict.fromkeys(sh.mode for sh in problem.shifts)) or [TravelMode.CAR]
        self.by_mode: dict[TravelMode, TravelMatrices] = {}
        for mode in modes:
            mats = provider.matrices(self.locations, mode)
            if mats.size != len(self.locations):
                raise MatrixError(
                    f"provider returned {mats.size} rows for {len(self.locations)} locations"
                )
            self.by_mode[mode] = mats

    def _add(self, loc: Location) -> None:
        if loc not in self.position:
            self.position[loc] = len(self.locations)
            self.locations.append(loc)

    def travel(self, mode: TravelMode, a: Location, b: Location) -> tuple[int, int]:
        """Travel time (s) and distance (m) from ``a`` to ``b``."""
        m = self.by_mode[mode]
        i, j = self.position[a], self.position[b]
        return int(m.durations[i, j]), int(m.distances[i, j])

    def durations(self, mode: TravelMode, locs: Sequence[Location]) -> NDArray[np.int64]:
        """Duration sub-matrix for ``locs`` (rows and columns in that order)."""
        idx = [self.position[x] for x in locs]
        return self.by_mode[mode].durations[np.ix_(idx, idx)]

    def distances(self, mode: TravelMode, locs: Sequence[Location]) -> NDArray[np.int64]:
        """Distance sub-matrix for ``locs`` (rows and columns in that order)."""
        idx = [self.position[x] for x in locs]
        return self.by_mode[mode].distances[np.ix_(idx, idx)]


def default_provider(problem: Problem) -> MatrixProvider:
    """Haversine for geographic problems.

    :raises MatrixError: for matrix-index problems, which need their own provider.
    """
    if all(s.location.is_geographic for s in problem.stops) and all(
        sh.start.is_geographic for sh in problem.shifts
    ):
        return HaversineProvider()
    raise MatrixError("problems with matrix-index locations need a StaticMatrixProvider")


def _earliest_start(stop: Stop, arrival: int) -> int | None:
    """Earliest service start at or after ``arrival``, or None if every window has closed."""
    if stop.appointment is not None:
        return stop.appointment if arrival <= stop.appointment else None
    if not stop.windows:
        return arrival
    for w in stop.windows:
        if arrival <= w.end:
            return max(arrival, w.start)
    return None


@dataclass
class _Leg:
    time: int
    dist: int


def _forward(
    shift: Shift,
    stops: Sequence[Stop],
    legs: Sequence[_Leg],
    lunch_gap: int | None,
) -> tuple[list[tuple[int, int, int]], int, int, ScheduledBreak | None, int]:
    """Earliest-start schedule with the lunch break in gap ``lunch_gap``.

    Gap ``g`` is the time between leaving place ``g`` (0 = shift start) and starting service
    at place ``g + 1`` (the last gap ends at the end location). The break may interrupt
    travel, as in OR-Tools' break model. Returns per stop (arrival, start, departure), the
    departure from the start, the arrival at the end, the break and the total lateness
    (seconds beyond windows, 0 when feasible).
    """
    lunch = shift.lunch
    t = shift.window.start
    depart = t
    late = 0
    times: list[tuple[int, int, int]] = []
    scheduled: ScheduledBreak | None = None
    for g in range(len(stops) + 1):
        leg = legs[g]
        if lunch is not None and g == lunch_gap:
            b = max(t, lunch.earliest_start)
            # Travel done before the break does not need to be done after it.
            arrival = b + lunch.duration + max(0, leg.time - (b - t))
            scheduled = ScheduledBreak(b, b + lunch.duration)
            late += max(0, b + lunch.duration - lunch.latest_end)
        else:
            arrival = t + leg.time
        if g == len(stops):
            late += max(0, arrival - shift.window.end)
            return times, depart, arrival, scheduled, late
        stop = stops[g]
        start = _earliest_start(stop, arrival)
        if start is None:
            late += arrival - _latest_start(stop)
            start = arrival
        times.append((arrival, start, start + stop.service))
        t = start + stop.service
    raise AssertionError("unreachable")  # pragma: no cover


def _latest_start(stop: Stop) -> int:
    if stop.appointment is not None:
        return stop.appointment
    return stop.windows[-1].end if stop.windows else 1 << 40


def route_lateness(shift: Shift, stops: Sequence[Stop], matrices: ProblemMatrices) -> int:
    """Total seconds by which visiting ``stops`` in order misses windows (0 = feasible).

    Only time is checked (not capacity or visit limits); the lunch break is placed in the
    best gap.
    """
    places = [shift.start] + [s.location for s in stops] + [shift.end_location]
    legs = [
        _Leg(*matrices.travel(shift.mode, places[k], places[k + 1])) for k in range(len(stops) + 1)
    ]
    gaps: Iterable[int | None] = [None] if shift.lunch is None else range(len(stops) + 1)
    return min(_forward(shift, stops, legs, gap)[4] for gap in gaps)


def schedule_route(
    shift: Shift,
    stops: Sequence[Stop],
    matrices: ProblemMatrices,
) -> Route:
    """Compute the times of a route visiting ``stops`` in the given order.

    Each visit starts as early as possible (waiting for its window to open); the lunch break
    goes in the gap that gives the earliest feasible return (the break may interrupt travel);
    finally the departure from the start is delayed as much as possible so the staff member
    does not wait at the first client. An infeasible order still gets times (late visits start
    on arrival) so that :func:`check_plan` can report what is wrong.

    :param shift: the shift doing the route.
    :param stops: stops in visiting order.
    :param matrices: travel matrices for the problem.
    :returns: the timed route.
    """
    mode = shift.mode
    places = [shift.start] + [s.location for s in stops] + [shift.end_location]
    legs = [_Leg(*matrices.travel(mode, places[k], places[k + 1])) for k in range(len(stops) + 1)]
    if not stops:
        lunch = None
        if shift.lunch is not None:
            b = max(shift.window.start, shift.lunch.earliest_start)
            lunch = ScheduledBreak(b, b + shift.lunch.duration)
        return Route(
            shift.id,
            shift.staff_id,
            shift.day,
            (),
            shift.window.start,
            shift.window.start,
            lunch=lunch,
        )
    gaps: Iterable[int | None] = [None] if shift.lunch is None else range(len(stops) + 1)
    best: tuple[int, int, int] | None = None
    best_result = None
    lunch_gap: int | None = None
    for gap in gaps:
        result = _forward(shift, stops, legs, gap)
        times, _, end_arrival, _, late = result
        # Feasibility first, then the earliest return; ties go to the latest gap, which
        # keeps the morning compact.
        key = (late, end_arrival, -(gap or 0))
        if best is None or key < best:
            best, best_result, lunch_gap = key, result, gap
    assert best_result is not None
    times, depart, end_arrival, lunch_slot, _ = best_result
    # Leave as late as still reaches the first client when its service starts.
    first_arrival, first_start, _ = times[0]
    slack = first_start - first_arrival
    if lunch_gap == 0:
        assert lunch_slot is not None
        slack = min(slack, max(0, lunch_slot.start - depart))
    if slack > 0:
        depart += slack
        times[0] = (first_arrival + slack, first_start, times[0][2])
    visits = tuple(
        Visit(stop.id, arr, start, dep, legs[k].time, legs[k].dist)
        for k, (stop, (arr, start, dep)) in enumerate(zip(stops, times, strict=True))
    )
    return Route(
        shift.id,
        shift.staff_id,
        shift.day,
        visits,
        depart,
        end_arrival,
        legs[-1].time,
        legs[-1].dist,
        lunch_slot,
    )


def build_plan(
    problem: Problem,
    routes: Mapping[str, Sequence[str]],
    provider: MatrixProvider | None = None,
    *,
    matrices: ProblemMatrices | None = None,
    unassigned: Iterable[Unassigned] = (),
) -> Plan:
    """Time a hand-made assignment (shift id -> ordered stop ids) and return it as a plan.

    Stops in no route and not in ``unassigned`` are reported unassigned with reason
    ``NO_ROOM``. Check the result with :func:`check_plan`.

    :param problem: the problem.
    :param routes: ordered stop ids per :attr:`Shift.id`; missing shifts get empty routes.
    :param provider: matrix provider (haversine by default for coordinates).
    :param matrices: precomputed matrices (avoids asking the provider again).
    :param unassigned: reasons for stops deliberately left out.
    :raises KeyError: for an unknown shift or stop id.
    """
    if matrices is None:
        matrices = ProblemMatrices(problem, provider or default_provider(problem))
    known = {sh.id for sh in problem.shifts}
    for shift_id in routes:
        if shift_id not in known:
            raise KeyError(f"unknown shift {shift_id!r}")
    out = []
    planned: set[str] = set()
    for sh in problem.shifts:
        ids = list(routes.get(sh.id, ()))
        planned.update(ids)
        out.append(schedule_route(sh, [problem.stop(i) for i in ids], matrices))
    left = list(unassigned)
    explained = {u.stop_id for u in left}
    for stop in problem.stops:
        if stop.id not in planned and stop.id not in explained:
            left.append(Unassigned(stop.id, UnassignedReason.NO_ROOM, "not in any route"))
    return Plan(tuple(out), tuple(left))


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken constraint found by :func:`check_plan`.

    :ivar code: short machine-readable code (``"late"``, ``"missing"``...).
    :ivar message: human-readable explanation.
    :ivar shift_id: the shift concerned, if any.
    :ivar stop_id: the stop concerned, if any.
    """

    code: str
    message: str
    shift_id: str | None = None
    stop_id: str | None = None


def _in_windows(stop: Stop, t: int) -> bool:
    if stop.appointment is not None:
        return t == stop.appointment
    return not stop.windows or any(w.contains(t) for w in stop.windows)


def check_plan(
    problem: Problem,
    plan: Plan,
    provider: MatrixProvider | None = None,
    *,
    matrices: ProblemMatrices | None = None,
) -> list[Violation]:
    """Check every constraint of ``plan`` against ``problem``.

    Checks that each stop is planned once or reported unassigned; visits respect allowed days,
    required staff, time windows, fixed appointments, travel times (from the matrices, or as
    stated in the plan when neither ``provider`` nor ``matrices`` is given for a
    matrix-index problem), shift windows, the lunch break (inside its window, not during a
    visit, leaving room for the travel of its gap), maximum visits and capacity.

    :param problem: the problem.
    :param plan: the plan to check (e.g. after a user moved a visit by hand).
    :param provider: matrix provider; haversine by default for coordinates.
    :param matrices: precomputed matrices.
    :returns: the violations; an empty list means the plan is feasible.
    """
    v: list[Violation] = []
    if matrices is None and (provider is not None or _geographic(problem)):
        matrices = ProblemMatrices(problem, provider or default_provider(problem))
    seen: dict[str, str] = {}
    shifts = {sh.id: sh for sh in problem.shifts}
    for route in plan.routes:
        shift = shifts.get(route.shift_id)
        if shift is None:
            v.append(Violation("unknown_shift", "route for an unknown shift", route.shift_id))
            continue
        for visit in route.visits:
            if visit.stop_id in seen:
                v.append(Violation("duplicate", "stop planned twice", shift.id, visit.stop_id))
            seen[visit.stop_id] = shift.id
        v.extend(_check_route(problem, shift, route, matrices))
    for u in plan.unassigned:
        if u.stop_id in seen:
            v.append(Violation("duplicate", "stop both planned and unassigned", None, u.stop_id))
        seen[u.stop_id] = ""
    for stop in problem.stops:
        if stop.id not in seen:
            v.append(Violation("missing", "stop neither planned nor unassigned", None, stop.id))
    ids = {s.id for s in problem.stops}
    for stop_id in seen:
        if stop_id not in ids:
            v.append(Violation("unknown_stop", "stop not in the problem", None, stop_id))
    for sh in problem.shifts:
        if sh.id not in {r.shift_id for r in plan.routes}:
            v.append(Violation("missing_route", "shift has no route in the plan", sh.id))
    return v


def _geographic(problem: Problem) -> bool:
    return all(s.location.is_geographic for s in problem.stops) and all(
        sh.start.is_geographic and sh.end_location.is_geographic for sh in problem.shifts
    )


def _check_route(
    problem: Problem, shift: Shift, route: Route, matrices: ProblemMatrices | None
) -> list[Violation]:
    out: list[Violation] = []
    sid = shift.id

    def bad(code: str, message: str, stop_id: str | None = None) -> None:
        out.append(Violation(code, message, sid, stop_id))

    stops: list[Stop] = []
    for visit in route.visits:
        try:
            stops.append(problem.stop(visit.stop_id))
        except KeyError:
            bad("unknown_stop", "stop not in the problem", visit.stop_id)
            return out
    if not route.visits:
        return out
    lunch = shift.lunch
    slot = route.lunch
    if lunch is not None:
        if slot is None:
            bad("lunch", "the shift's lunch break is not scheduled")
        elif (
            slot.start < lunch.earliest_start
            or slot.end > lunch.latest_end
            or slot.end - slot.start != lunch.duration
        ):
            bad("lunch", "lunch break outside its window or of the wrong length")
    places = [shift.start] + [s.location for s in stops] + [shift.end_location]
    if route.departure < shift.window.start:
        bad("shift", "leaves before the working window opens")
    prev_departure = route.departure
    load = 0
    for k, (stop, visit) in enumerate(zip(stops, route.visits, strict=True)):
        if not _allowed(stop, shift, problem):
            bad("not_allowed", "stop not allowed on this shift (day or staff)", stop.id)
        load += stop.demand
        travel = visit.travel_time
        if matrices is not None:
            expected, dist = matrices.travel(shift.mode, places[k], places[k + 1])
            if travel != expected or visit.travel_distance != dist:
                bad(
                    "travel",
                    f"travel {travel}s/{visit.travel_distance}m, expected {expected}s/{dist}m",
                    stop.id,
                )
                travel = expected
        needed = travel
        if slot is not None and prev_departure <= slot.start < visit.start:
            needed += slot.end - slot.start
        if visit.start - prev_departure < needed:
            bad("travel", "not enough time to get there from the previous place", stop.id)
        if visit.arrival > visit.start:
            bad("late", "service starts before arrival", stop.id)
        if not _in_windows(stop, visit.start):
            what = "fixed appointment" if stop.appointment is not None else "time windows"
            bad("late", f"service start outside the stop's {what}", stop.id)
        if visit.departure - visit.start != stop.service:
            bad("service", "service duration differs from the stop's", stop.id)
        if slot is not None and slot.start < visit.departure and visit.start < slot.end:
            bad("lunch", "lunch break overlaps a visit", stop.id)
        prev_departure = visit.departure
    back = route.end_travel_time
    if matrices is not None:
        back = matrices.travel(shift.mode, places[-2], places[-1])[0]
    needed = back
    if slot is not None and prev_departure <= slot.start:
        needed += slot.end - slot.start
    if route.arrival - prev_departure < needed:
        bad("shift", "not enough time to get back to the end location")
    if route.arrival > shift.window.end:
        bad("shift", "returns after the working window closes")
    if shift.max_visits is not None and len(route.visits) > shift.max_visits:
        bad("max_visits", f"{len(route.visits)} visits, at most {shift.max_visits} allowed")
    if shift.capacity is not None and load > shift.capacity:
        bad("capacity", f"load {load} exceeds capacity {shift.capacity}")
    return out


def _allowed(stop: Stop, shift: Shift, problem: Problem) -> bool:
    k = problem.shifts.index(shift)
    return k in eligible_shifts(stop, problem.shifts)
