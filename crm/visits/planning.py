"""The bridge between the CRM and the ``routing`` library.

Everything that knows both worlds lives here: a :class:`PlanRequest` (organizations, staff,
days, in CRM terms) becomes a :class:`routing.Problem`; a :class:`routing.Plan` becomes
routes of people, days and organizations with local times. No database queries and no
request: the service layer loads the rows and passes them in, so this module is tested with
plain objects.

Conventions of the translation:

* a shift is one staff member on one day; :attr:`routing.Shift.day` is ``date.toordinal()``,
  staff ids are ``str(user.id)``, stop ids ``str(organization.id)``;
* times are seconds since local (Europe/Rome) midnight of the shift's day: wall-clock time,
  which is what opening hours and appointments are written in;
* opening hours become the stop's windows (:meth:`routing.Stop.from_opening_hours`: the visit
  starts *and ends* while the organization is open) and its allowed days are the chosen days
  on which it is open. ``routing.Stop`` has one set of windows for all its days, so when the
  hours differ between the chosen weekdays the windows are the hours common to all of them;
  if those are too short for the visit, the stop keeps the largest group of days with the
  same hours (see docs/visits.md);
* an organization without recorded hours may be visited any time within the shift.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from routing import (
    Break,
    HaversineProvider,
    InvalidProblemError,
    Location,
    MatrixProvider,
    Plan,
    Problem,
    Shift,
    Stop,
    TimeWindow,
    TravelMode,
    UnassignedReason,
    Violation,
)

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Precisions whose point is only roughly where the organization is.
APPROXIMATE_PRECISIONS = frozenset({"comune", "postcode"})

DEFAULT_WORK_START = time(8, 30)
DEFAULT_WORK_END = time(17, 30)
DEFAULT_LUNCH_MINUTES = 30
DEFAULT_LUNCH_FROM = time(12, 30)
DEFAULT_LUNCH_TO = time(14, 30)
DEFAULT_PRIORITY = 50

#: One colour per route on the map and in the timeline (colour-blind friendly first).
ROUTE_COLOURS = (
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
    "#6f42c1", "#8c564b", "#198754", "#dc3545", "#fd7e14",
)  # fmt: skip

TRAVEL_MODE_LABELS: dict[TravelMode, Any] = {
    TravelMode.CAR: _l("Car"),
    TravelMode.SCOOTER: _l("Scooter"),
    TravelMode.BICYCLE: _l("Bicycle"),
    TravelMode.WALKING: _l("Walking"),
    TravelMode.PUBLIC_TRANSPORT: _l("Public transport"),
}

#: Why an organization is left out before solving (codes stored with the plan).
EXCLUSION_REASONS: dict[str, Any] = {
    "no_coordinates": _l("It has no location: add its address or set it on the map."),
    "closed": _l("It is closed on all the chosen days."),
    "not_found": _l("It no longer exists."),
}

UNASSIGNED_REASONS: dict[str, Any] = {
    UnassignedReason.UNREACHABLE.value: _l(
        "No operator can get there, visit it while it is open and be back before the end of the working day."
    ),
    UnassignedReason.CAPACITY.value: _l(
        "Every operator who could go already has the maximum number of visits."
    ),
    UnassignedReason.NO_ROOM.value: _l(
        "The operators' days are full: it was left out for more important or closer visits."
    ),
    UnassignedReason.NO_SOLUTION.value: _l(
        "The planner found no solution in the time allowed: try again with more time."
    ),
    "removed": _l("Taken out of the plan by hand."),
}

VIOLATION_TEXTS: dict[str, Any] = {
    "late": _l("Outside the opening hours or not at the agreed appointment time."),
    "travel": _l("Not enough time to get there from the previous place."),
    "shift": _l("Goes beyond the operator's working hours."),
    "lunch": _l("The lunch break no longer fits."),
    "max_visits": _l("More visits than the operator's maximum."),
    "not_allowed": _l(
        "Not possible on this day or with this operator (closed that day, or another operator is required)."
    ),
}

#: Marks a visit taken out of the plan by hand (``Unassigned.detail``).
REMOVED_BY_HAND = "removed by hand"


# --- Input -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    """One staff member's settings; the same on every chosen day."""

    user_id: int
    mode: TravelMode = TravelMode.CAR
    start_office_id: int | None = None
    end_office_id: int | None = None
    work_start: time = DEFAULT_WORK_START
    work_end: time = DEFAULT_WORK_END
    lunch_minutes: int = DEFAULT_LUNCH_MINUTES
    lunch_from: time = DEFAULT_LUNCH_FROM
    lunch_to: time = DEFAULT_LUNCH_TO
    max_visits: int | None = None


@dataclass(frozen=True)
class StopSpec:
    """One organization to visit.

    :ivar appointment: fixed local date and time agreed with the organization (naive).
    :ivar staff_id: the user who must make the visit.
    """

    organization_id: int
    minutes: int
    priority: int = DEFAULT_PRIORITY
    appointment: datetime | None = None
    staff_id: int | None = None


@dataclass(frozen=True)
class PlanRequest:
    """What a coordinator asks for: days, staff and stops, and the solver's time limit."""

    days: tuple[date, ...]
    staff: tuple[StaffSpec, ...]
    stops: tuple[StopSpec, ...]
    seconds: int = 5
    purpose: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (stored with the plan)."""

        def plain(value: Any) -> Any:
            if isinstance(value, time):
                return value.strftime("%H:%M")
            if isinstance(value, datetime):
                return value.strftime("%Y-%m-%dT%H:%M")
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, TravelMode):
                return value.value
            return value

        return {
            "days": [d.isoformat() for d in self.days],
            "staff": [{k: plain(v) for k, v in asdict(s).items()} for s in self.staff],
            "stops": [{k: plain(v) for k, v in asdict(s).items()} for s in self.stops],
            "seconds": self.seconds,
            "purpose": self.purpose,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanRequest:
        """Inverse of :meth:`to_dict`."""

        def hm(value: str) -> time:
            return time.fromisoformat(value)

        staff = tuple(
            StaffSpec(
                user_id=int(s["user_id"]),
                mode=TravelMode(s["mode"]),
                start_office_id=s.get("start_office_id"),
                end_office_id=s.get("end_office_id"),
                work_start=hm(s["work_start"]),
                work_end=hm(s["work_end"]),
                lunch_minutes=int(s["lunch_minutes"]),
                lunch_from=hm(s["lunch_from"]),
                lunch_to=hm(s["lunch_to"]),
                max_visits=s.get("max_visits"),
            )
            for s in data["staff"]
        )
        stops = tuple(
            StopSpec(
                organization_id=int(s["organization_id"]),
                minutes=int(s["minutes"]),
                priority=int(s["priority"]),
                appointment=(datetime.fromisoformat(s["appointment"]) if s.get("appointment") else None),
                staff_id=s.get("staff_id"),
            )
            for s in data["stops"]
        )
        return cls(
            days=tuple(date.fromisoformat(d) for d in data["days"]),
            staff=staff,
            stops=stops,
            seconds=int(data.get("seconds", 5)),
            purpose=data.get("purpose"),
        )


class PlaceLike(Protocol):
    """What the bridge reads of an organization or an office."""

    id: int
    latitude: float | None
    longitude: float | None


def seconds_of(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def hhmm(seconds: int) -> str:
    """``"09:05"`` for 9 h 5 min after midnight."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _parse_hm(text: str) -> int:
    hours, _sep, minutes = str(text).partition(":")
    return int(hours) * 3600 + int(minutes or 0) * 60


def opening_slots(opening_hours: Mapping[str, Any] | None, day: date) -> list[tuple[int, int]]:
    """The ``(open, close)`` seconds of ``day``'s weekday (empty when closed or unknown)."""
    if not opening_hours:
        return []
    slots = []
    for pair in opening_hours.get(WEEKDAYS[day.weekday()]) or ():
        try:
            start, end = _parse_hm(pair[0]), _parse_hm(pair[1])
        except (ValueError, IndexError, TypeError):
            continue
        if end > start:
            slots.append((start, end))
    return sorted(slots)


def has_opening_hours(opening_hours: Mapping[str, Any] | None) -> bool:
    return bool(opening_hours) and any(opening_hours.get(d) for d in WEEKDAYS)  # type: ignore[union-attr]


def format_slots(slots: Iterable[tuple[int, int]]) -> str:
    return ", ".join(f"{hhmm(a)}–{hhmm(b)}" for a, b in slots)


def _intersect(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            lo, hi = max(s1, s2), min(e1, e2)
            if hi > lo:
                out.append((lo, hi))
    return sorted(out)


@dataclass(frozen=True)
class StopTiming:
    """Opening slots and allowed days of one organization over the chosen days."""

    slots: tuple[tuple[int, int], ...] = ()
    days: tuple[date, ...] | None = None
    #: the hours differ between days and only some days were kept
    narrowed: bool = False


class Rejected(Exception):
    """The stop cannot be planned as asked: ``message`` is shown next to it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StopExcluded(Exception):
    """The stop is left out (not an error): ``code`` is a key of :data:`EXCLUSION_REASONS`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def stop_timing(opening_hours: Mapping[str, Any] | None, days: Sequence[date], service: int) -> StopTiming:
    """Windows and allowed days of a visit of ``service`` seconds over ``days``.

    :raises StopExcluded: when the organization is closed on every day.
    :raises Rejected: when no opening slot is long enough for the visit.
    """
    if not has_opening_hours(opening_hours):
        return StopTiming()
    per_day = {d: tuple(opening_slots(opening_hours, d)) for d in days}
    open_days = [d for d in days if per_day[d]]
    if not open_days:
        raise StopExcluded("closed")
    usable = [d for d in open_days if any(c - o >= service for o, c in per_day[d])]
    if not usable:
        raise Rejected(
            _(
                "No opening slot is long enough for a %(minutes)d-minute visit (%(hours)s).",
                minutes=service // 60,
                hours=format_slots(per_day[open_days[0]]),
            )
        )
    groups: dict[tuple[tuple[int, int], ...], list[date]] = {}
    for d in usable:
        groups.setdefault(per_day[d], []).append(d)
    if len(groups) == 1:
        ((slots, group_days),) = groups.items()
        return StopTiming(slots, tuple(group_days))
    common: list[tuple[int, int]] = list(next(iter(groups)))
    for slots in groups:
        common = _intersect(common, slots)
    if any(c - o >= service for o, c in common):
        return StopTiming(tuple(common), tuple(usable))
    slots, group_days = max(groups.items(), key=lambda item: (len(item[1]), -item[1][0].toordinal()))
    return StopTiming(slots, tuple(group_days), narrowed=True)


# --- Building the problem ----------------------------------------------------------------------------


@dataclass
class BuiltProblem:
    """The routing problem for a request, or why it cannot be built.

    ``stop_errors`` and ``staff_errors`` block the plan and are shown next to the stop or
    staff member; ``excluded`` organizations are simply left out (with a reason code);
    ``approximate`` maps organizations planned at an approximate point to its precision.
    """

    problem: Problem | None = None
    stop_errors: dict[int, str] = field(default_factory=dict)
    staff_errors: dict[int, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    excluded: dict[int, str] = field(default_factory=dict)
    approximate: dict[int, str] = field(default_factory=dict)
    narrowed: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is not None and not self.stop_errors and not self.staff_errors and not self.errors


def _location(place: PlaceLike | None) -> Location | None:
    if place is None or place.latitude is None or place.longitude is None:
        return None
    if not (math.isfinite(place.latitude) and math.isfinite(place.longitude)):
        return None
    return Location(float(place.latitude), float(place.longitude))


def build_shifts(staff: StaffSpec, days: Sequence[date], offices: Mapping[int, PlaceLike]) -> list[Shift]:
    """One shift per chosen day for ``staff``.

    :raises Rejected: (reused for staff) with a message to show next to the person.
    """
    start_office = offices.get(staff.start_office_id) if staff.start_office_id else None
    end_office = offices.get(staff.end_office_id) if staff.end_office_id else start_office
    if start_office is None:
        raise Rejected(_("Choose the office where the day starts."))
    start = _location(start_office)
    end = _location(end_office)
    if start is None or end is None:
        raise Rejected(
            _(
                "The office “%(name)s” has no coordinates.",
                name=str(start_office if start is None else end_office),
            )
        )
    window = TimeWindow(seconds_of(staff.work_start), seconds_of(staff.work_end))
    if window.end <= window.start:
        raise Rejected(_("The working day must end after it starts."))
    lunch = None
    if staff.lunch_minutes > 0:
        lunch = Break(seconds_of(staff.lunch_from), seconds_of(staff.lunch_to), staff.lunch_minutes * 60)
        if lunch.latest_end - lunch.earliest_start < lunch.duration:
            raise Rejected(_("The lunch break does not fit between its earliest and latest time."))
        if lunch.earliest_start < window.start or lunch.latest_end > window.end:
            raise Rejected(_("The lunch break must lie within the working hours."))
    return [
        Shift(
            staff_id=str(staff.user_id),
            start=start,
            end=None if end == start else end,
            window=window,
            day=d.toordinal(),
            lunch=lunch,
            mode=staff.mode,
            max_visits=staff.max_visits,
        )
        for d in days
    ]


def build_stop(
    spec: StopSpec, organization: Any, days: Sequence[date], staff_ids: set[int]
) -> tuple[Stop, StopTiming]:
    """The routing stop for one organization.

    :raises StopExcluded: when it has no coordinates or is closed on every chosen day.
    :raises Rejected: when the visit cannot be planned as asked (message for the user).
    """
    location = _location(organization)
    if location is None:
        raise StopExcluded("no_coordinates")
    service = spec.minutes * 60
    if service <= 0:
        raise Rejected(_("The visit must last at least one minute."))
    if spec.staff_id is not None and spec.staff_id not in staff_ids:
        raise Rejected(_("The required operator is not among the chosen operators."))
    appointment = None
    if spec.appointment is not None:
        day = spec.appointment.date()
        if day not in days:
            raise Rejected(_("The appointment is not on one of the chosen days."))
        appointment = seconds_of(spec.appointment.time())
        timing = StopTiming(days=(day,))
        if has_opening_hours(organization.opening_hours):
            slots = opening_slots(organization.opening_hours, day)
            if not slots:
                raise Rejected(_("The organization is closed on the day of the appointment."))
            if not any(o <= appointment and appointment + service <= c for o, c in slots):
                raise Rejected(
                    _(
                        "The appointment at %(time)s (%(minutes)d min) is outside the opening "
                        "hours (%(hours)s).",
                        time=hhmm(appointment),
                        minutes=spec.minutes,
                        hours=format_slots(slots),
                    )
                )
            timing = StopTiming(tuple(slots), (day,))
    else:
        timing = stop_timing(organization.opening_hours, days, service)
    stop_days = frozenset(d.toordinal() for d in timing.days) if timing.days is not None else None
    try:
        stop = Stop.from_opening_hours(
            str(spec.organization_id),
            location,
            service,
            timing.slots,
            days=stop_days,
            priority=max(0, min(100, spec.priority)),
            appointment=appointment,
            staff_id=str(spec.staff_id) if spec.staff_id is not None else None,
        )
    except InvalidProblemError as exc:
        raise Rejected(_("Cannot be planned: %(reason)s", reason=exc.reason)) from None
    return stop, timing


def _shift_conflict(stop: Stop, timing: StopTiming, exc: InvalidProblemError) -> str:
    """Plain-language text for a stop that no shift can take (routing's ``Problem`` check)."""
    if stop.appointment is not None:
        return _(
            "The appointment at %(time)s is outside the operator's working hours.",
            time=hhmm(stop.appointment),
        )
    if stop.staff_id is not None and "required staff" in exc.reason:
        return _("The required operator does not work on the days it is open.")
    if timing.slots:
        return _(
            "Its opening hours (%(hours)s) leave no time for the visit within the operators' working hours.",
            hours=format_slots(timing.slots),
        )
    return _("The visit is longer than the working day.")


def build_problem(
    request: PlanRequest,
    organizations: Mapping[int, Any],
    offices: Mapping[int, PlaceLike],
    *,
    name: str = "",
) -> BuiltProblem:
    """Translate a request into a :class:`routing.Problem`, collecting every error at once.

    :param organizations: the requested organizations by id (missing ones are excluded).
    :param offices: offices by id (the depots).
    """
    built = BuiltProblem()
    days = sorted(set(request.days))
    if not days:
        built.errors.append(_("Choose at least one day."))
    if not request.staff:
        built.errors.append(_("Choose at least one operator."))
    shifts: list[Shift] = []
    for staff in request.staff:
        try:
            shifts.extend(build_shifts(staff, days, offices))
        except Rejected as exc:
            built.staff_errors[staff.user_id] = exc.message
    staff_ids = {s.user_id for s in request.staff}
    stops: list[Stop] = []
    timings: dict[str, StopTiming] = {}
    seen: set[int] = set()
    for spec in request.stops:
        if spec.organization_id in seen:
            continue
        seen.add(spec.organization_id)
        organization = organizations.get(spec.organization_id)
        if organization is None:
            built.excluded[spec.organization_id] = "not_found"
            continue
        try:
            stop, timing = build_stop(spec, organization, days, staff_ids)
        except StopExcluded as exc:
            built.excluded[spec.organization_id] = exc.code
            continue
        except Rejected as exc:
            built.stop_errors[spec.organization_id] = exc.message
            continue
        precision = getattr(organization, "geo_precision", None)
        precision_value = getattr(precision, "value", precision)
        if precision_value is None or precision_value in APPROXIMATE_PRECISIONS:
            built.approximate[spec.organization_id] = precision_value or ""
        if timing.narrowed:
            built.narrowed.append(spec.organization_id)
        stops.append(stop)
        timings[stop.id] = timing
    if not stops and not built.stop_errors and not built.errors:
        built.errors.append(_("There is no organization to visit."))
    if built.errors or built.staff_errors or not shifts:
        return built
    # Check each stop against the shifts on its own, so that every faulty stop is reported
    # (routing's Problem stops at the first one).
    for stop in stops:
        try:
            Problem((stop,), tuple(shifts))
        except InvalidProblemError as exc:
            built.stop_errors[int(stop.id)] = _shift_conflict(stop, timings[stop.id], exc)
    if built.stop_errors:
        return built
    try:
        built.problem = Problem(tuple(stops), tuple(shifts), name=name)
    except InvalidProblemError as exc:  # pragma: no cover - every part was checked above
        built.errors.append(str(exc))
    return built


# --- Solving -------------------------------------------------------------------------------------------


def time_budget(problem: Problem, limit: float) -> float:
    """Seconds to give the solver: ``limit`` at most, less for small problems.

    Measured on the demo data (docs/visits.md): 30 stops and 3 shifts give the same plan
    after 0.5 s as after 10 s; the budget grows with stops x shifts (1.25 s for that
    problem, 4.7 s for 100 stops and 5 shifts).
    """
    size = len(problem.stops) * max(1, len(problem.shifts))
    return round(min(float(limit), 0.5 + size / 120), 2)


def default_provider(routing_url: str | None = None) -> MatrixProvider:
    """Straight-line matrices, or an OSRM-compatible server when one is configured."""
    if routing_url:
        from routing import HttpRoutingProvider

        return HttpRoutingProvider(routing_url)
    return HaversineProvider()


# --- Reading the plan back --------------------------------------------------------------------------------


def shift_day(shift_id: str) -> date:
    return date.fromordinal(int(shift_id.rpartition("@")[2]))


def shift_user(shift_id: str) -> int:
    return int(shift_id.rpartition("@")[0])


def unassigned_text(reason: str, detail: str = "") -> str:
    if detail == REMOVED_BY_HAND:
        reason = "removed"
    text = UNASSIGNED_REASONS.get(reason)
    return str(text) if text is not None else detail or reason


def violation_text(v: Violation) -> str:
    text = VIOLATION_TEXTS.get(v.code)
    return str(text) if text is not None else _("Inconsistent plan: %(message)s", message=v.message)


@dataclass
class VisitRow:
    position: int
    organization_id: int
    organization: Any
    arrival: int
    start: int
    departure: int
    travel_seconds: int
    travel_metres: int
    waiting_seconds: int
    lat: float | None
    lon: float | None
    appointment: int | None = None
    approximate: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def travel_minutes(self) -> int:
        return round(self.travel_seconds / 60)

    @property
    def km(self) -> float:
        return round(self.travel_metres / 1000, 1)

    @property
    def waiting_minutes(self) -> int:
        return round(self.waiting_seconds / 60)


@dataclass
class RouteRow:
    shift_id: str
    user_id: int
    user: Any
    day: date
    mode: TravelMode
    colour: str
    start_office: Any
    end_office: Any
    departure: int
    arrival: int
    lunch: tuple[int, int] | None
    visits: list[VisitRow]
    travel_seconds: int
    travel_metres: int
    service_seconds: int
    waiting_seconds: int
    end_travel_seconds: int
    start_point: tuple[float, float] | None
    end_point: tuple[float, float] | None
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.user} · {self.day.isoformat()}"

    @property
    def travel_minutes(self) -> int:
        return round(self.travel_seconds / 60)

    @property
    def km(self) -> float:
        return round(self.travel_metres / 1000, 1)

    @property
    def waiting_minutes(self) -> int:
        return round(self.waiting_seconds / 60)

    @property
    def service_minutes(self) -> int:
        return round(self.service_seconds / 60)


@dataclass
class UnassignedRow:
    organization_id: int
    organization: Any
    reason: str
    text: str


@dataclass
class PlanView:
    routes: list[RouteRow]
    unassigned: list[UnassignedRow]
    violations: list[Violation]

    @property
    def visits(self) -> int:
        return sum(len(r.visits) for r in self.routes)

    @property
    def travel_minutes(self) -> int:
        return round(sum(r.travel_seconds for r in self.routes) / 60)

    @property
    def km(self) -> float:
        return round(sum(r.travel_metres for r in self.routes) / 1000, 1)

    @property
    def waiting_minutes(self) -> int:
        return round(sum(r.waiting_seconds for r in self.routes) / 60)

    @property
    def service_minutes(self) -> int:
        return round(sum(r.service_seconds for r in self.routes) / 60)

    def map_data(self, names: Mapping[int, str] | None = None) -> list[dict[str, Any]]:
        """Routes for the Leaflet map (JSON-safe)."""
        data = []
        for r in self.routes:
            if not r.visits:
                continue
            data.append(
                {
                    "id": r.shift_id,
                    "colour": r.colour,
                    "label": r.label,
                    "start": r.start_point,
                    "end": r.end_point,
                    "stops": [
                        [v.lat, v.lon, v.position, str(v.organization or v.organization_id), hhmm(v.start)]
                        for v in r.visits
                        if v.lat is not None and v.lon is not None
                    ],
                }
            )
        return data


def describe_plan(
    problem: Problem,
    plan: Plan,
    *,
    organizations: Mapping[int, Any],
    users: Mapping[int, Any],
    offices_by_point: Mapping[tuple[float, float], Any] | None = None,
    approximate: Iterable[int] = (),
    violations: Sequence[Violation] = (),
) -> PlanView:
    """The plan in CRM terms: people, days, organizations, local times, problems."""
    approx = set(approximate)
    by_stop: dict[str, list[str]] = {}
    by_shift: dict[str, list[str]] = {}
    for v in violations:
        text = violation_text(v)
        if v.stop_id is not None:
            by_stop.setdefault(v.stop_id, []).append(text)
        elif v.shift_id is not None:
            by_shift.setdefault(v.shift_id, []).append(text)
    offices_by_point = offices_by_point or {}
    shifts = {sh.id: sh for sh in problem.shifts}
    rows: list[RouteRow] = []
    colour_of: dict[str, str] = {}
    for route in plan.routes:
        shift = shifts.get(route.shift_id)
        if shift is None:
            continue
        user_id = int(route.staff_id)
        # One colour per staff member: the same person keeps it on every day.
        colour = colour_of.setdefault(route.staff_id, ROUTE_COLOURS[len(colour_of) % len(ROUTE_COLOURS)])
        visits = []
        for k, visit in enumerate(route.visits, start=1):
            stop = problem.stop(visit.stop_id)
            org_id = int(visit.stop_id)
            visits.append(
                VisitRow(
                    position=k,
                    organization_id=org_id,
                    organization=organizations.get(org_id),
                    arrival=visit.arrival,
                    start=visit.start,
                    departure=visit.departure,
                    travel_seconds=visit.travel_time,
                    travel_metres=visit.travel_distance,
                    waiting_seconds=visit.waiting,
                    lat=stop.location.lat,
                    lon=stop.location.lon,
                    appointment=stop.appointment,
                    approximate=org_id in approx,
                    problems=by_stop.get(visit.stop_id, []),
                )
            )
        start_point = (shift.start.lat, shift.start.lon)
        end_loc = shift.end_location
        end_point = (end_loc.lat, end_loc.lon)
        rows.append(
            RouteRow(
                shift_id=route.shift_id,
                user_id=user_id,
                user=users.get(user_id, f"#{user_id}"),
                day=date.fromordinal(route.day),
                mode=shift.mode,
                colour=colour,
                start_office=offices_by_point.get(start_point),  # type: ignore[arg-type]
                end_office=offices_by_point.get(end_point),  # type: ignore[arg-type]
                departure=route.departure,
                arrival=route.arrival,
                lunch=(route.lunch.start, route.lunch.end) if route.lunch else None,
                visits=visits,
                travel_seconds=route.travel_time,
                travel_metres=route.distance,
                service_seconds=route.service_time,
                waiting_seconds=route.waiting_time,
                end_travel_seconds=route.end_travel_time,
                start_point=start_point,  # type: ignore[arg-type]
                end_point=end_point,  # type: ignore[arg-type]
                problems=by_shift.get(route.shift_id, []),
            )
        )
    rows.sort(key=lambda r: (r.day, str(r.user).casefold(), r.shift_id))
    unassigned = [
        UnassignedRow(
            organization_id=int(u.stop_id),
            organization=organizations.get(int(u.stop_id)),
            reason=u.reason.value,
            text=unassigned_text(u.reason.value, u.detail),
        )
        for u in plan.unassigned
    ]
    return PlanView(rows, unassigned, list(violations))


def local_instant(day: date, seconds: int, tz: Any) -> datetime:
    """The aware instant of ``seconds`` after local midnight of ``day`` (wall clock)."""
    naive = datetime.combine(day, time(0)) + timedelta(seconds=seconds)
    return naive.replace(tzinfo=tz)
