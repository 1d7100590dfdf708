"""Readers and writers: Solomon VRPTW text files and the library's JSON formats.

JSON problem format (VROOM-like keys; times in seconds since midnight, durations in seconds,
locations ``[lon, lat]`` as in VROOM, or ``location_index`` into ``matrices``)::

    {
      "objective": "duration",
      "vehicles": [{"staff_id": "anna", "day": 0, "start": [11.2558, 43.7696],
                    "end": [11.2558, 43.7696], "time_window": [30600, 63000],
                    "breaks": [{"time_windows": [[43200, 52200]], "service": 3600}],
                    "profile": "car", "max_tasks": 8, "capacity": [10]}],
      "jobs": [{"id": "acme", "location": [11.2, 43.8], "service": 2700,
                "time_windows": [[32400, 46800], [52200, 64800]], "days": [0, 1],
                "priority": 10, "appointment": 36000, "staff_id": "anna", "delivery": [1]}],
      "matrices": {"car": {"durations": [[...]], "distances": [[...]]}}
    }

JSON plan format (VROOM-like): ``{"summary": {...}, "routes": [{"vehicle": shift id,
"steps": [{"type": "start"|"job"|"break"|"end", ...}]}], "unassigned": [{"id", "reason"}]}``.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing.matrix import MatrixProvider, StaticMatrixProvider
from routing.model import (
    Break,
    InvalidProblemError,
    Location,
    Objective,
    Problem,
    Shift,
    Stop,
    TimeWindow,
    TravelMode,
)
from routing.solution import (
    Plan,
    Route,
    ScheduledBreak,
    Unassigned,
    UnassignedReason,
    Visit,
)

__all__ = [
    "SOLOMON_SCALE",
    "FormatError",
    "SolomonInstance",
    "plan_from_dict",
    "plan_to_dict",
    "problem_from_dict",
    "problem_to_dict",
    "read_problem",
    "read_solomon",
]

#: Solomon coordinates are scaled by this factor before rounding, so travel times and
#: distances are integers precise to 1/1000 of a unit (the objective stays exact enough to
#: rank solutions that differ in the second decimal, as the published tables do).
SOLOMON_SCALE = 1000


class FormatError(ValueError):
    """A file is not in the expected format (message names the line or key)."""


@dataclass(frozen=True)
class SolomonInstance:
    """A Solomon VRPTW instance converted to a :class:`Problem`.

    :ivar name: instance name (first line of the file).
    :ivar problem: the problem; stop ids are the customer numbers as strings, times and
        distances are the file's units times :attr:`scale`.
    :ivar provider: matrices indexed by customer number (0 = depot).
    :ivar scale: integer scaling factor.
    :ivar coords: ``(n + 1) x 2`` coordinates, row 0 = depot.
    :ivar ready: ready times (file units), per customer number.
    :ivar due: due dates (file units).
    :ivar service: service times (file units).
    :ivar demand: demands.
    :ivar vehicles: fleet size.
    :ivar capacity: vehicle capacity.
    """

    name: str
    problem: Problem
    provider: StaticMatrixProvider
    scale: int
    coords: NDArray[np.float64]
    ready: NDArray[np.float64]
    due: NDArray[np.float64]
    service: NDArray[np.float64]
    demand: NDArray[np.int64]
    vehicles: int
    capacity: int

    def distance_matrix(self) -> NDArray[np.float64]:
        """Euclidean distances in double precision (file units)."""
        diff = self.coords[:, None, :] - self.coords[None, :, :]
        result: NDArray[np.float64] = np.sqrt((diff**2).sum(axis=-1))
        return result

    def routes_of(self, plan: Plan) -> list[list[int]]:
        """Customer numbers per used route, in visiting order (depot excluded)."""
        return [[int(i) for i in r.stop_ids] for r in plan.routes if r.visits]

    def distance(self, routes: Sequence[Sequence[int]]) -> float:
        """Total distance of ``routes`` in double precision (file units)."""
        d = self.distance_matrix()
        total = 0.0
        for route in routes:
            path = [0, *route, 0]
            total += float(sum(d[a, b] for a, b in itertools.pairwise(path)))
        return total

    def violations(self, routes: Sequence[Sequence[int]]) -> list[str]:
        """Check ``routes`` in double precision (the benchmark convention).

        :returns: problems found (missing or repeated customers, late arrivals, overload,
            too many routes); empty when feasible.
        """
        out: list[str] = []
        d = self.distance_matrix()
        seen = [c for r in routes for c in r]
        n = len(self.coords) - 1
        if sorted(seen) != list(range(1, n + 1)):
            out.append("customers missing or repeated")
        if len([r for r in routes if r]) > self.vehicles:
            out.append(f"{len(routes)} routes for a fleet of {self.vehicles}")
        for k, route in enumerate(routes):
            t, prev, load = float(self.ready[0]), 0, 0
            for c in route:
                t = max(t + d[prev, c], float(self.ready[c]))
                if t > self.due[c]:
                    out.append(f"route {k}: customer {c} served at {t:.4f} > {self.due[c]}")
                t += float(self.service[c])
                load += int(self.demand[c])
                prev = c
            if route and t + d[prev, 0] > self.due[0]:
                out.append(f"route {k}: back at the depot after its due date")
            if load > self.capacity:
                out.append(f"route {k}: load {load} > capacity {self.capacity}")
        return out


def read_solomon(path: str | Path, scale: int = SOLOMON_SCALE) -> SolomonInstance:
    """Read a Solomon VRPTW file (e.g. ``C101.txt``).

    Distances are Euclidean in double precision; travel time equals distance. Travel times
    are rounded **up** after scaling so any plan feasible in the integer model is feasible
    with exact distances; costs are rounded to nearest so the objective is unbiased.

    :param path: the file.
    :param scale: integer scaling factor for coordinates and times.
    :returns: the instance.
    :raises FormatError: when the file is not a Solomon instance.
    :raises OSError: when the file cannot be read.
    """
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    lines = [ln.strip() for ln in text.splitlines()]
    name = next((ln for ln in lines if ln), "")
    try:
        v_at = next(k for k, ln in enumerate(lines) if ln.upper().startswith("VEHICLE"))
        c_at = next(k for k, ln in enumerate(lines) if ln.upper().startswith("CUSTOMER"))
    except StopIteration:
        raise FormatError(f"{path}: missing VEHICLE or CUSTOMER section") from None
    fleet = next((ln for ln in lines[v_at + 1 : c_at] if ln and ln[0].isdigit()), None)
    if fleet is None:
        raise FormatError(f"{path}: missing vehicle NUMBER/CAPACITY line")
    try:
        vehicles, capacity = (int(x) for x in fleet.split()[:2])
    except ValueError:
        raise FormatError(f"{path}: bad vehicle line {fleet!r}") from None
    rows: list[list[float]] = []
    for k in range(c_at + 1, len(lines)):
        parts = lines[k].split()
        if not parts or not parts[0].lstrip("-").isdigit():
            continue
        if len(parts) < 7:
            raise FormatError(f"{path}:{k + 1}: expected 7 columns, got {len(parts)}")
        try:
            rows.append([float(x) for x in parts[:7]])
        except ValueError:
            raise FormatError(f"{path}:{k + 1}: non-numeric value in {lines[k]!r}") from None
    if len(rows) < 2:
        raise FormatError(f"{path}: no customers")
    data = np.asarray(rows)
    if list(data[:, 0].astype(int)) != list(range(len(rows))):
        raise FormatError(f"{path}: customers must be numbered 0 (depot), 1, 2, ...")
    if vehicles < 1 or capacity < 0:
        raise FormatError(f"{path}: fleet must have at least one vehicle")
    coords = data[:, 1:3]
    diff = coords[:, None, :] - coords[None, :, :]
    exact = np.sqrt((diff**2).sum(axis=-1)) * scale
    durations = np.ceil(exact).astype(np.int64)
    distances = np.rint(exact).astype(np.int64)
    provider = StaticMatrixProvider(durations, distances)

    def scaled(x: float) -> int:
        return round(x * scale)

    depot = Location(index=0)
    ready, due, service = data[:, 4], data[:, 5], data[:, 6]
    window = TimeWindow(scaled(ready[0]), scaled(due[0]))
    shifts = tuple(Shift(f"v{k + 1}", depot, window, capacity=capacity) for k in range(vehicles))
    stops = []
    for i in range(1, len(rows)):
        stops.append(
            Stop(
                str(i),
                Location(index=i),
                service=scaled(service[i]),
                windows=(TimeWindow(scaled(ready[i]), scaled(due[i])),),
                demand=int(data[i, 3]),
            )
        )
    problem = Problem(tuple(stops), shifts, Objective.DISTANCE, name)
    return SolomonInstance(
        name,
        problem,
        provider,
        scale,
        coords,
        ready,
        due,
        service,
        data[:, 3].astype(np.int64),
        vehicles,
        capacity,
    )


# --------------------------------------------------------------------------- JSON problem


def _req(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise FormatError(f"{where}: missing {key!r}")
    return obj[key]


def _int(value: Any, where: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or int(value) != value
    ):
        raise FormatError(f"{where}: expected an integer, got {value!r}")
    return int(value)


def _location(obj: Mapping[str, Any], key: str, where: str) -> Location | None:
    if f"{key}_index" in obj:
        return Location(index=_int(obj[f"{key}_index"], f"{where}.{key}_index"))
    if key not in obj:
        return None
    value = obj[key]
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(isinstance(x, (int, float)) for x in value)
    ):
        raise FormatError(f"{where}.{key}: expected [lon, lat]")
    return Location(lat=float(value[1]), lon=float(value[0]))


def _windows(value: Any, where: str) -> tuple[TimeWindow, ...]:
    if not isinstance(value, list):
        raise FormatError(f"{where}: expected a list of [start, end]")
    out = []
    for k, w in enumerate(value):
        if not isinstance(w, (list, tuple)) or len(w) != 2:
            raise FormatError(f"{where}[{k}]: expected [start, end]")
        out.append(TimeWindow(_int(w[0], where), _int(w[1], where)))
    return tuple(out)


def _amount(value: Any, where: str) -> int:
    # VROOM amounts are arrays (multi-dimensional capacity); one dimension is supported.
    if isinstance(value, list):
        if len(value) > 1:
            raise FormatError(f"{where}: only one capacity dimension is supported")
        return _int(value[0], where) if value else 0
    return _int(value, where)


def problem_from_dict(data: Mapping[str, Any]) -> tuple[Problem, MatrixProvider | None]:
    """Build a problem from the JSON structure described in the module docstring.

    :param data: the parsed JSON.
    :returns: the problem and, when the data carries ``matrices``, a provider for them.
    :raises FormatError: for structural errors (missing keys, wrong types).
    :raises InvalidProblemError: for impossible input (names the stop).
    """
    if not isinstance(data, Mapping):
        raise FormatError("problem: expected a JSON object")
    shifts = []
    vehicles = _req(data, "vehicles", "problem")
    if not isinstance(vehicles, list):
        raise FormatError("problem.vehicles: expected a list")
    for k, v in enumerate(vehicles):
        where = f"vehicles[{k}]"
        if not isinstance(v, Mapping):
            raise FormatError(f"{where}: expected an object")
        start = _location(v, "start", where)
        if start is None:
            raise FormatError(f"{where}: missing 'start'")
        tw = _windows([_req(v, "time_window", where)], f"{where}.time_window")[0]
        lunch = None
        breaks = v.get("breaks", [])
        if breaks:
            if not isinstance(breaks, list) or len(breaks) != 1:
                raise FormatError(f"{where}.breaks: one break per shift is supported")
            b = breaks[0]
            bw = _windows(_req(b, "time_windows", f"{where}.breaks[0]"), f"{where}.breaks[0]")
            if len(bw) != 1:
                raise FormatError(f"{where}.breaks[0]: one time window is supported")
            lunch = Break(bw[0].start, bw[0].end, _int(_req(b, "service", where), where))
        staff = v.get("staff_id", v.get("id"))
        if staff is None:
            raise FormatError(f"{where}: missing 'staff_id'")
        try:
            mode = TravelMode(v.get("profile", "car"))
        except ValueError:
            profile = v.get("profile")
            raise FormatError(f"{where}.profile: unknown travel mode {profile!r}") from None
        shifts.append(
            Shift(
                str(staff),
                start,
                tw,
                day=_int(v.get("day", 0), f"{where}.day"),
                end=_location(v, "end", where),
                lunch=lunch,
                mode=mode,
                max_visits=None if v.get("max_tasks") is None else _int(v["max_tasks"], where),
                capacity=None if v.get("capacity") is None else _amount(v["capacity"], where),
            )
        )
    stops = []
    jobs = _req(data, "jobs", "problem")
    if not isinstance(jobs, list):
        raise FormatError("problem.jobs: expected a list")
    for k, j in enumerate(jobs):
        where = f"jobs[{k}]"
        if not isinstance(j, Mapping):
            raise FormatError(f"{where}: expected an object")
        stop_id = str(_req(j, "id", where))
        loc = _location(j, "location", where)
        if loc is None:
            raise FormatError(f"{where}: missing 'location'")
        days = j.get("days")
        try:
            stops.append(
                Stop(
                    stop_id,
                    loc,
                    service=_int(j.get("service", 0), f"{where}.service"),
                    windows=_windows(j.get("time_windows", []), f"{where}.time_windows"),
                    days=None if days is None else frozenset(_int(d, where) for d in days),
                    priority=_int(j.get("priority", 0), f"{where}.priority"),
                    appointment=None
                    if j.get("appointment") is None
                    else _int(j["appointment"], f"{where}.appointment"),
                    staff_id=None if j.get("staff_id") is None else str(j["staff_id"]),
                    demand=_amount(j.get("delivery", 0), f"{where}.delivery"),
                )
            )
        except FormatError as exc:
            raise InvalidProblemError(str(exc), stop_id=stop_id) from exc
    try:
        objective = Objective(data.get("objective", "duration"))
    except ValueError:
        raise FormatError(f"problem.objective: unknown {data.get('objective')!r}") from None
    problem = Problem(tuple(stops), tuple(shifts), objective, str(data.get("name", "")))
    provider: MatrixProvider | None = None
    if "matrices" in data:
        provider = _matrices(data["matrices"])
    return problem, provider


def _matrices(data: Any) -> StaticMatrixProvider:
    if not isinstance(data, Mapping) or not data:
        raise FormatError("problem.matrices: expected {profile: {durations, distances}}")
    per_mode: dict[TravelMode, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
    for profile, m in data.items():
        try:
            mode = TravelMode(profile)
        except ValueError:
            raise FormatError(f"problem.matrices: unknown profile {profile!r}") from None
        try:
            dur = np.asarray(_req(m, "durations", f"matrices.{profile}"), dtype=np.int64)
            dist = np.asarray(m.get("distances", dur), dtype=np.int64)
        except (TypeError, ValueError) as exc:
            raise FormatError(f"problem.matrices.{profile}: {exc}") from None
        if dur.ndim != 2 or dur.shape[0] != dur.shape[1] or dist.shape != dur.shape:
            raise FormatError(f"problem.matrices.{profile}: matrices must be square")
        per_mode[mode] = (dur, dist)
    first = next(iter(per_mode.values()))
    return StaticMatrixProvider(first[0], first[1], per_mode)


def _loc_json(loc: Location, key: str) -> dict[str, Any]:
    if loc.index is not None:
        return {f"{key}_index": loc.index}
    return {key: [loc.lon, loc.lat]}


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """Inverse of :func:`problem_from_dict` (matrices are not included)."""
    vehicles = []
    for sh in problem.shifts:
        v: dict[str, Any] = {"staff_id": sh.staff_id, "day": sh.day, "profile": sh.mode.value}
        v |= _loc_json(sh.start, "start")
        if sh.end is not None:
            v |= _loc_json(sh.end, "end")
        v["time_window"] = [sh.window.start, sh.window.end]
        if sh.lunch is not None:
            v["breaks"] = [
                {
                    "time_windows": [[sh.lunch.earliest_start, sh.lunch.latest_end]],
                    "service": sh.lunch.duration,
                }
            ]
        if sh.max_visits is not None:
            v["max_tasks"] = sh.max_visits
        if sh.capacity is not None:
            v["capacity"] = [sh.capacity]
        vehicles.append(v)
    jobs = []
    for s in problem.stops:
        j: dict[str, Any] = {"id": s.id} | _loc_json(s.location, "location")
        j["service"] = s.service
        if s.windows:
            j["time_windows"] = [[w.start, w.end] for w in s.windows]
        if s.days is not None:
            j["days"] = sorted(s.days)
        if s.priority:
            j["priority"] = s.priority
        if s.appointment is not None:
            j["appointment"] = s.appointment
        if s.staff_id is not None:
            j["staff_id"] = s.staff_id
        if s.demand:
            j["delivery"] = [s.demand]
        jobs.append(j)
    out: dict[str, Any] = {"objective": problem.objective.value}
    if problem.name:
        out["name"] = problem.name
    return out | {"vehicles": vehicles, "jobs": jobs}


def read_problem(path: str | Path) -> tuple[Problem, MatrixProvider | None]:
    """Read a JSON problem file.

    :raises FormatError: when the file is not valid JSON or misses keys.
    :raises InvalidProblemError: for impossible input.
    :raises OSError: when the file cannot be read.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: not valid JSON ({exc})") from None
    return problem_from_dict(data)


# ------------------------------------------------------------------------------ JSON plan


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Serialise a plan (VROOM-like ``summary``/``routes``/``unassigned``)."""
    routes = []
    for r in plan.routes:
        steps: list[dict[str, Any]] = [{"type": "start", "departure": r.departure}]
        events: list[tuple[int, dict[str, Any]]] = []
        for v in r.visits:
            events.append(
                (
                    v.start,
                    {
                        "type": "job",
                        "id": v.stop_id,
                        "arrival": v.arrival,
                        "start": v.start,
                        "departure": v.departure,
                        "waiting_time": v.waiting,
                        "duration": v.travel_time,
                        "distance": v.travel_distance,
                    },
                )
            )
        if r.lunch is not None:
            events.append(
                (r.lunch.start, {"type": "break", "start": r.lunch.start, "end": r.lunch.end})
            )
        # Stable sort: a break starting when a visit starts cannot happen (they would overlap).
        steps += [e for _, e in sorted(events, key=lambda x: x[0])]
        steps.append(
            {
                "type": "end",
                "arrival": r.arrival,
                "duration": r.end_travel_time,
                "distance": r.end_travel_distance,
            }
        )
        routes.append(
            {
                "vehicle": r.shift_id,
                "staff_id": r.staff_id,
                "day": r.day,
                "steps": steps,
                "duration": r.travel_time,
                "distance": r.distance,
                "service": r.service_time,
                "waiting_time": r.waiting_time,
            }
        )
    return {
        "code": 0,
        "summary": {
            "cost": plan.cost,
            "routes": plan.vehicles,
            "unassigned": len(plan.unassigned),
            "duration": plan.travel_time,
            "distance": plan.distance,
            "service": sum(r.service_time for r in plan.routes),
            "waiting_time": sum(r.waiting_time for r in plan.routes),
            "computing_time": round(plan.solve_seconds, 3),
        },
        "routes": routes,
        "unassigned": [
            {"id": u.stop_id, "reason": u.reason.value, "detail": u.detail} for u in plan.unassigned
        ],
    }


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """Inverse of :func:`plan_to_dict`.

    :raises FormatError: when keys are missing or malformed.
    """
    try:
        routes = []
        for r in data["routes"]:
            visits = []
            lunch = None
            departure = arrival = end_t = end_d = 0
            for st in r["steps"]:
                kind = st["type"]
                if kind == "start":
                    departure = int(st["departure"])
                elif kind == "job":
                    visits.append(
                        Visit(
                            str(st["id"]),
                            int(st["arrival"]),
                            int(st["start"]),
                            int(st["departure"]),
                            int(st["duration"]),
                            int(st["distance"]),
                        )
                    )
                elif kind == "break":
                    lunch = ScheduledBreak(int(st["start"]), int(st["end"]))
                elif kind == "end":
                    arrival, end_t, end_d = (
                        int(st["arrival"]),
                        int(st["duration"]),
                        int(st["distance"]),
                    )
                else:
                    raise FormatError(f"unknown step type {kind!r}")
            routes.append(
                Route(
                    str(r["vehicle"]),
                    str(r["staff_id"]),
                    int(r["day"]),
                    tuple(visits),
                    departure,
                    arrival,
                    end_t,
                    end_d,
                    lunch,
                )
            )
        unassigned = [
            Unassigned(str(u["id"]), UnassignedReason(u["reason"]), str(u.get("detail", "")))
            for u in data.get("unassigned", [])
        ]
        summary = data.get("summary", {})
        return Plan(
            tuple(routes),
            tuple(unassigned),
            int(summary.get("cost", 0)),
            float(summary.get("computing_time", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"plan: malformed ({exc!r})") from None
