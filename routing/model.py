"""Problem model: frozen dataclasses in integer units.

Times are integer **seconds since midnight** of the shift's day and durations are integer
seconds; distances are integer **metres**. Benchmarks that use abstract units (Solomon) are
scaled to integers by :mod:`routing.io` before they reach this module, so that the solver's
objective is exact integer arithmetic.

Validation happens in ``__post_init__`` and raises :class:`InvalidProblemError`, which names
the stop (or shift) at fault. Problems that can only be detected with travel times (a stop no
shift can reach in time) are reported by the solver in ``Plan.unassigned`` instead.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "MAX_PRIORITY",
    "Break",
    "InvalidProblemError",
    "Location",
    "Objective",
    "Problem",
    "Shift",
    "Stop",
    "TimeWindow",
    "TravelMode",
]

#: Highest stop priority (VROOM uses the same 0..100 range).
MAX_PRIORITY = 100


class TravelMode(enum.StrEnum):
    """How a staff member moves between visits (selects the travel-time matrix)."""

    WALKING = "walking"
    BICYCLE = "bicycle"
    SCOOTER = "scooter"
    CAR = "car"
    PUBLIC_TRANSPORT = "public_transport"


class Objective(enum.StrEnum):
    """What the solver minimises besides dropped visits."""

    #: total travel time in seconds (waiting and service excluded)
    DURATION = "duration"
    #: total travel distance in metres (used for Solomon benchmarks)
    DISTANCE = "distance"


class InvalidProblemError(ValueError):
    """The problem cannot be planned as given.

    :ivar reason: human readable reason, without the subject.
    :ivar stop_id: id of the stop at fault, if any.
    :ivar shift_id: id of the shift at fault, if any.
    """

    def __init__(
        self, reason: str, *, stop_id: str | None = None, shift_id: str | None = None
    ) -> None:
        self.reason = reason
        self.stop_id = stop_id
        self.shift_id = shift_id
        if stop_id is not None:
            subject = f"stop {stop_id!r}"
        elif shift_id is not None:
            subject = f"shift {shift_id!r}"
        else:
            subject = "problem"
        super().__init__(f"{subject}: {reason}")


def _is_int(value: object) -> bool:
    # bool is an int subclass but True as a duration is always a bug in the caller.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Location:
    """A place: WGS84 coordinates, or a row of a precomputed matrix.

    Give either ``lat`` and ``lon`` (degrees) or ``index`` (row/column of the matrices of a
    :class:`~routing.matrix.StaticMatrixProvider`, as in Solomon instances).
    """

    lat: float | None = None
    lon: float | None = None
    index: int | None = None

    @property
    def is_geographic(self) -> bool:
        """True when the location has coordinates rather than a matrix index."""
        return self.index is None

    def problem(self) -> str | None:
        """Return why the location is unusable, or ``None`` when it is fine."""
        if self.index is not None:
            if not _is_int(self.index) or self.index < 0:
                return f"matrix index must be a non-negative integer, got {self.index!r}"
            return None
        if self.lat is None or self.lon is None:
            return "location needs lat and lon, or a matrix index"
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            return f"latitude {self.lat!r} out of range"
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            return f"longitude {self.lon!r} out of range"
        return None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval ``[start, end]`` in seconds since midnight.

    On a stop it bounds the **start of service** (VROOM and Solomon convention); use
    :meth:`Stop.from_opening_hours` to derive windows from opening hours. On a shift it is the
    working window (leave the start location no earlier than ``start``, be back by ``end``).
    The containing :class:`Stop` or :class:`Shift` validates it, so errors name their owner.
    """

    start: int
    end: int

    def contains(self, t: int) -> bool:
        """Return True when ``start <= t <= end``."""
        return self.start <= t <= self.end

    def problem(self) -> str | None:
        """Return why the window is unusable, or ``None`` when it is fine."""
        if not (_is_int(self.start) and _is_int(self.end)):
            return f"time window bounds must be integers (seconds), got {self!r}"
        if self.start < 0:
            return f"time window starts before midnight ({self.start})"
        if self.end < self.start:
            return f"time window ends ({self.end}) before it starts ({self.start})"
        return None


def _normalise_windows(windows: Iterable[TimeWindow]) -> tuple[TimeWindow, ...]:
    # Overlapping or touching windows are merged so the solver can remove the gaps between
    # consecutive windows without special cases.
    merged: list[TimeWindow] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end)):
        if merged and w.start <= merged[-1].end + 1:
            last = merged[-1]
            merged[-1] = TimeWindow(last.start, max(last.end, w.end))
        else:
            merged.append(w)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class Stop:
    """A visit to plan.

    :ivar id: unique id (the CRM's visit or company id as a string).
    :ivar location: where the visit happens.
    :ivar service: visit duration in seconds.
    :ivar windows: allowed intervals for the *start* of the visit; several windows model
        e.g. a company open 9–13 and 14:30–18. Empty means "any time within the shift".
    :ivar days: days (same numbering as :attr:`Shift.day`) the visit may happen on;
        ``None`` means any day.
    :ivar priority: 0..100; a higher priority is kept when not everything fits.
    :ivar appointment: fixed start time (seconds since midnight) agreed with the client.
    :ivar staff_id: staff member who must do the visit.
    :ivar demand: units of shift capacity the visit uses (e.g. samples to deliver).
    """

    id: str
    location: Location
    service: int = 0
    windows: tuple[TimeWindow, ...] = ()
    days: frozenset[int] | None = None
    priority: int = 0
    appointment: int | None = None
    staff_id: str | None = None
    demand: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidProblemError("stop id must be a non-empty string", stop_id=str(self.id))
        sid = self.id
        # Accept any iterable from callers (JSON readers, the CRM) but store immutable values.
        object.__setattr__(self, "windows", tuple(self.windows))
        if self.days is not None:
            object.__setattr__(self, "days", frozenset(self.days))
        where = self.location.problem()
        if where is not None:
            raise InvalidProblemError(where, stop_id=sid)
        if not _is_int(self.service) or self.service < 0:
            raise InvalidProblemError(
                f"service duration must be a non-negative integer, got {self.service!r}",
                stop_id=sid,
            )
        if not _is_int(self.demand) or self.demand < 0:
            raise InvalidProblemError(
                f"demand must be a non-negative integer, got {self.demand!r}", stop_id=sid
            )
        if not _is_int(self.priority) or not 0 <= self.priority <= MAX_PRIORITY:
            raise InvalidProblemError(
                f"priority must be an integer in 0..{MAX_PRIORITY}, got {self.priority!r}",
                stop_id=sid,
            )
        for w in self.windows:
            why = w.problem()
            if why is not None:
                raise InvalidProblemError(why, stop_id=sid)
        object.__setattr__(self, "windows", _normalise_windows(self.windows))
        if self.days is not None and not self.days:
            raise InvalidProblemError("allowed days is empty", stop_id=sid)
        if self.appointment is not None:
            if not _is_int(self.appointment) or self.appointment < 0:
                raise InvalidProblemError(
                    f"appointment must be a non-negative integer, got {self.appointment!r}",
                    stop_id=sid,
                )
            if self.windows and not any(w.contains(self.appointment) for w in self.windows):
                raise InvalidProblemError(
                    f"fixed appointment at {_hhmm(self.appointment)} is outside the stop's "
                    f"time windows {_fmt_windows(self.windows)}",
                    stop_id=sid,
                )

    @classmethod
    def from_opening_hours(
        cls,
        id: str,
        location: Location,
        service: int,
        opening_hours: Iterable[tuple[int, int]],
        **kwargs: object,
    ) -> Stop:
        """Build a stop whose visit must start *and end* within opening hours.

        :param opening_hours: ``(open, close)`` pairs in seconds since midnight.
        :param kwargs: other :class:`Stop` fields.
        :returns: a stop with windows ``[open, close - service]``; a slot too short for the
            visit is dropped (and if none is left the stop is rejected).
        :raises InvalidProblemError: when no opening slot can hold the visit.
        """
        hours = list(opening_hours)
        windows = tuple(TimeWindow(o, c - service) for o, c in hours if c - service >= o)
        if hours and not windows:
            raise InvalidProblemError(
                f"no opening slot is long enough for a {service // 60} min visit", stop_id=id
            )
        return cls(id, location, service, windows, **kwargs)  # type: ignore[arg-type]

    def start_bounds(self) -> tuple[int, int] | None:
        """Earliest and latest allowed service start, or ``None`` if unconstrained."""
        if self.appointment is not None:
            return self.appointment, self.appointment
        if not self.windows:
            return None
        return self.windows[0].start, self.windows[-1].end


@dataclass(frozen=True, slots=True)
class Break:
    """A flexible break (lunch) of ``duration`` seconds between ``earliest_start`` and
    ``latest_end`` (both seconds since midnight)."""

    earliest_start: int
    latest_end: int
    duration: int


@dataclass(frozen=True, slots=True)
class Shift:
    """One staff member working on one day: a vehicle of the routing model.

    :ivar staff_id: the staff member.
    :ivar start: where the shift starts (office or home).
    :ivar window: leave ``start`` no earlier than ``window.start``; be at ``end`` by
        ``window.end``.
    :ivar day: day number (e.g. ``date.toordinal()`` or 0..6), matched with
        :attr:`Stop.days`.
    :ivar end: where the shift ends; ``None`` means back at ``start``.
    :ivar lunch: flexible lunch break, if any.
    :ivar mode: travel mode (selects the travel-time matrix).
    :ivar max_visits: maximum number of visits in the shift.
    :ivar capacity: capacity for :attr:`Stop.demand`; ``None`` is unlimited.
    """

    staff_id: str
    start: Location
    window: TimeWindow
    day: int = 0
    end: Location | None = None
    lunch: Break | None = None
    mode: TravelMode = TravelMode.CAR
    max_visits: int | None = None
    capacity: int | None = None

    @property
    def id(self) -> str:
        """Stable id ``"<staff_id>@<day>"`` used in plans."""
        return f"{self.staff_id}@{self.day}"

    @property
    def end_location(self) -> Location:
        """Where the shift ends."""
        return self.start if self.end is None else self.end

    def __post_init__(self) -> None:
        if not isinstance(self.staff_id, str) or not self.staff_id:
            raise InvalidProblemError("staff id must be a non-empty string", shift_id=str(self))
        shid = self.id
        object.__setattr__(self, "mode", TravelMode(self.mode))
        if not _is_int(self.day):
            raise InvalidProblemError(f"day must be an integer, got {self.day!r}", shift_id=shid)
        for loc in (self.start, self.end_location):
            why = loc.problem()
            if why is not None:
                raise InvalidProblemError(why, shift_id=shid)
        why = self.window.problem()
        if why is not None:
            raise InvalidProblemError(why, shift_id=shid)
        if self.max_visits is not None and (not _is_int(self.max_visits) or self.max_visits < 0):
            raise InvalidProblemError(
                f"max_visits must be a non-negative integer, got {self.max_visits!r}",
                shift_id=shid,
            )
        if self.capacity is not None and (not _is_int(self.capacity) or self.capacity < 0):
            raise InvalidProblemError(
                f"capacity must be a non-negative integer, got {self.capacity!r}", shift_id=shid
            )
        lunch = self.lunch
        if lunch is not None:
            values = (lunch.earliest_start, lunch.latest_end, lunch.duration)
            if not all(_is_int(v) for v in values) or lunch.duration < 0:
                raise InvalidProblemError(
                    f"lunch break needs integer times and a non-negative duration: {lunch!r}",
                    shift_id=shid,
                )
            if lunch.latest_end - lunch.earliest_start < lunch.duration:
                raise InvalidProblemError(
                    "lunch break does not fit between its earliest start and latest end",
                    shift_id=shid,
                )
            if lunch.earliest_start < self.window.start or lunch.latest_end > self.window.end:
                raise InvalidProblemError(
                    "lunch break window must lie inside the working window", shift_id=shid
                )


def _hhmm(t: int) -> str:
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}"


def _fmt_windows(windows: Iterable[TimeWindow]) -> str:
    return ", ".join(f"{_hhmm(w.start)}-{_hhmm(w.end)}" for w in windows)


def eligible_shifts(stop: Stop, shifts: Iterable[Shift]) -> list[int]:
    """Indices of the shifts allowed to do ``stop`` (day and staff constraints only).

    :param stop: the stop.
    :param shifts: all shifts of the problem, in order.
    :returns: positions in ``shifts``.
    """
    return [
        k
        for k, sh in enumerate(shifts)
        if (stop.days is None or sh.day in stop.days)
        and (stop.staff_id is None or sh.staff_id == stop.staff_id)
    ]


def fits_shift_time(stop: Stop, shift: Shift) -> bool:
    """True if some allowed start lets the visit happen inside the shift's window.

    Travel is ignored (that check needs a matrix and is done by the solver).
    """
    last_start = shift.window.end - stop.service
    if stop.appointment is not None:
        return shift.window.start <= stop.appointment <= last_start
    if not stop.windows:
        return shift.window.start <= last_start
    return any(max(w.start, shift.window.start) <= min(w.end, last_start) for w in stop.windows)


@dataclass(frozen=True)
class Problem:
    """A planning problem: stops to visit and shifts that can visit them.

    :ivar stops: the visits.
    :ivar shifts: one per staff member and day (vehicle of the routing model).
    :ivar objective: what to minimise after serving as many (and as important) stops as
        possible.
    :ivar name: free label (instance name in benchmarks).
    """

    stops: tuple[Stop, ...]
    shifts: tuple[Shift, ...]
    objective: Objective = Objective.DURATION
    name: str = ""
    _stop_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stops", tuple(self.stops))
        object.__setattr__(self, "shifts", tuple(self.shifts))
        object.__setattr__(self, "objective", Objective(self.objective))
        index: dict[str, int] = {}
        for i, stop in enumerate(self.stops):
            if stop.id in index:
                raise InvalidProblemError("duplicate stop id", stop_id=stop.id)
            index[stop.id] = i
        object.__setattr__(self, "_stop_index", index)
        seen: set[str] = set()
        for sh in self.shifts:
            if sh.id in seen:
                raise InvalidProblemError(
                    "the same staff member has two shifts on the same day", shift_id=sh.id
                )
            seen.add(sh.id)
        kinds = {s.location.is_geographic for s in self.stops}
        kinds |= {sh.start.is_geographic for sh in self.shifts}
        kinds |= {sh.end_location.is_geographic for sh in self.shifts}
        if len(kinds) > 1:
            raise InvalidProblemError(
                "mixes coordinates and matrix indices; use one kind of location"
            )
        staff = {sh.staff_id for sh in self.shifts}
        for stop in self.stops:
            self._check_stop(stop, staff)

    def _check_stop(self, stop: Stop, staff: set[str]) -> None:
        if stop.staff_id is not None and stop.staff_id not in staff:
            raise InvalidProblemError(
                f"required staff member {stop.staff_id!r} has no shift", stop_id=stop.id
            )
        eligible = eligible_shifts(stop, self.shifts)
        if not eligible:
            if stop.staff_id is not None:
                raise InvalidProblemError(
                    f"required staff member {stop.staff_id!r} has no shift on the allowed days",
                    stop_id=stop.id,
                )
            raise InvalidProblemError("no shift on the allowed days", stop_id=stop.id)
        if not any(fits_shift_time(stop, self.shifts[k]) for k in eligible):
            if stop.appointment is not None:
                reason = (
                    f"fixed appointment at {_hhmm(stop.appointment)} is outside every "
                    "eligible shift"
                )
            elif stop.windows:
                reason = (
                    f"time windows {_fmt_windows(stop.windows)} are outside every eligible shift"
                )
            else:
                reason = "the visit is longer than every eligible shift"
            raise InvalidProblemError(reason, stop_id=stop.id)

    def stop(self, stop_id: str) -> Stop:
        """Return the stop with id ``stop_id``.

        :raises KeyError: when there is no such stop.
        """
        return self.stops[self._stop_index[stop_id]]

    def stop_position(self, stop_id: str) -> int:
        """Position of a stop in :attr:`stops`.

        :raises KeyError: when there is no such stop.
        """
        return self._stop_index[stop_id]

    def shift(self, shift_id: str) -> Shift:
        """Return the shift whose :attr:`Shift.id` is ``shift_id``.

        :raises KeyError: when there is no such shift.
        """
        for sh in self.shifts:
            if sh.id == shift_id:
                return sh
        raise KeyError(shift_id)
