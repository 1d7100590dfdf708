"""Travel-time and distance matrices.

A :class:`MatrixProvider` turns a list of :class:`~routing.model.Location` and a
:class:`~routing.model.TravelMode` into integer matrices: durations in seconds and distances
in metres. Three providers ship with the library:

* :class:`HaversineProvider` - straight-line distance times a detour factor, per-mode speed
  and per-leg overhead; no network, good enough for a first plan.
* :class:`StaticMatrixProvider` - matrices given by the caller (tests, benchmarks, Solomon).
* :class:`HttpRoutingProvider` - an OSRM-compatible ``/table`` server, with an in-memory
  cache; the HTTP transport is injectable so tests fake the server at its boundary.
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routing.model import Location, TravelMode

__all__ = [
    "DEFAULT_PROFILES",
    "EARTH_RADIUS_M",
    "UNREACHABLE",
    "HaversineProvider",
    "HttpRoutingProvider",
    "MatrixError",
    "MatrixProvider",
    "ModeProfile",
    "StaticMatrixProvider",
    "Transport",
    "TravelMatrices",
    "haversine_m",
]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8

#: Travel time (s) used for pairs a routing server cannot connect: longer than any shift, so
#: the solver never uses the arc, yet small enough to keep int64 sums safe.
UNREACHABLE = 10_000_000


class MatrixError(RuntimeError):
    """A provider could not produce matrices (bad locations, server down, bad reply)."""


@dataclass(frozen=True)
class TravelMatrices:
    """Square integer matrices for a list of locations, row = from, column = to.

    :ivar durations: travel times in seconds.
    :ivar distances: travel distances in metres.
    """

    durations: NDArray[np.int64]
    distances: NDArray[np.int64]

    def __post_init__(self) -> None:
        d = np.asarray(self.durations, dtype=np.int64)
        m = np.asarray(self.distances, dtype=np.int64)
        if d.ndim != 2 or d.shape[0] != d.shape[1] or d.shape != m.shape:
            raise MatrixError(f"matrices must be square and equal-sized: {d.shape}, {m.shape}")
        if (d < 0).any() or (m < 0).any():
            raise MatrixError("matrices must not contain negative values")
        object.__setattr__(self, "durations", d)
        object.__setattr__(self, "distances", m)

    @property
    def size(self) -> int:
        """Number of locations."""
        return int(self.durations.shape[0])


class MatrixProvider(Protocol):
    """Anything that returns travel matrices for locations and a travel mode."""

    def matrices(self, locations: Sequence[Location], mode: TravelMode) -> TravelMatrices:
        """Return durations (s) and distances (m) between all ``locations``.

        :param locations: the places, in the order of the matrix rows.
        :param mode: how the staff member travels.
        :raises MatrixError: when the matrices cannot be produced.
        """
        ...


def haversine_m(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distances in metres between all pairs of points (vectorised).

    :param lat: latitudes in degrees.
    :param lon: longitudes in degrees.
    :returns: a symmetric ``n x n`` float matrix.
    """
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    a = (
        np.sin(dphi / 2.0) ** 2
        + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2.0) ** 2
    )
    result: NDArray[np.float64] = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


@dataclass(frozen=True)
class ModeProfile:
    """How a travel mode turns straight-line distance into road distance and time.

    :ivar speed_kmh: average door-to-door speed on the road distance.
    :ivar detour: road distance / straight-line distance.
    :ivar leg_overhead_s: fixed time added to every leg between two different places
        (parking, locking a bike, waiting for a bus).
    """

    speed_kmh: float
    detour: float
    leg_overhead_s: int = 0


#: Default profiles, tuned for the Florence metropolitan area (see docs/routing.md):
#: the historic centre is a limited-traffic zone (ZTL) where cars must go round the viali
#: and park outside, while bikes and pedestrians cut through; trips to the other comuni use
#: fast roads (FI-PI-LI, A1) that raise the car's average.
DEFAULT_PROFILES: Mapping[TravelMode, ModeProfile] = {
    TravelMode.WALKING: ModeProfile(speed_kmh=4.5, detour=1.25, leg_overhead_s=0),
    TravelMode.BICYCLE: ModeProfile(speed_kmh=14.0, detour=1.3, leg_overhead_s=60),
    TravelMode.SCOOTER: ModeProfile(speed_kmh=22.0, detour=1.35, leg_overhead_s=120),
    TravelMode.CAR: ModeProfile(speed_kmh=30.0, detour=1.4, leg_overhead_s=300),
    TravelMode.PUBLIC_TRANSPORT: ModeProfile(speed_kmh=15.0, detour=1.3, leg_overhead_s=480),
}


@dataclass(frozen=True)
class HaversineProvider:
    """Straight-line matrices with per-mode detour, speed and leg overhead.

    :ivar profiles: per-mode parameters; missing modes fall back to :data:`DEFAULT_PROFILES`.
    """

    profiles: Mapping[TravelMode, ModeProfile] = field(default_factory=dict)

    def profile(self, mode: TravelMode) -> ModeProfile:
        """Return the parameters used for ``mode``."""
        return self.profiles.get(mode, DEFAULT_PROFILES[TravelMode(mode)])

    def matrices(self, locations: Sequence[Location], mode: TravelMode) -> TravelMatrices:
        """See :meth:`MatrixProvider.matrices`.

        :raises MatrixError: when a location has no coordinates.
        """
        lat = np.empty(len(locations))
        lon = np.empty(len(locations))
        for i, loc in enumerate(locations):
            if loc.lat is None or loc.lon is None:
                raise MatrixError(f"location {i} has no coordinates: {loc!r}")
            lat[i], lon[i] = loc.lat, loc.lon
        prof = self.profile(mode)
        road = haversine_m(lat, lon) * prof.detour
        seconds = road / (prof.speed_kmh / 3.6)
        moved = road > 0.5
        # The overhead only applies when the staff member actually moves somewhere else.
        durations = np.rint(seconds).astype(np.int64) + moved * prof.leg_overhead_s
        return TravelMatrices(durations, np.rint(road).astype(np.int64))


@dataclass(frozen=True)
class StaticMatrixProvider:
    """Matrices supplied by the caller, addressed by :attr:`Location.index`.

    :ivar durations: full duration matrix (s); rows and columns are location indices.
    :ivar distances: full distance matrix (m); defaults to ``durations`` (Solomon: travel
        time equals distance).
    :ivar per_mode: optional ``mode -> (durations, distances)`` overrides.
    """

    durations: ArrayLike
    distances: ArrayLike | None = None
    per_mode: Mapping[TravelMode, tuple[ArrayLike, ArrayLike]] = field(default_factory=dict)

    def matrices(self, locations: Sequence[Location], mode: TravelMode) -> TravelMatrices:
        """See :meth:`MatrixProvider.matrices`.

        :raises MatrixError: when a location has no index or the index is out of range.
        """
        if mode in self.per_mode:
            dur_src, dist_src = self.per_mode[mode]
        else:
            dur_src = self.durations
            dist_src = self.durations if self.distances is None else self.distances
        dur = np.asarray(dur_src, dtype=np.int64)
        dist = np.asarray(dist_src, dtype=np.int64)
        idx = []
        for i, loc in enumerate(locations):
            if loc.index is None or not 0 <= loc.index < dur.shape[0]:
                raise MatrixError(f"location {i} has no valid matrix index: {loc!r}")
            idx.append(loc.index)
        sel = np.ix_(idx, idx)
        return TravelMatrices(dur[sel], dist[sel])


#: ``transport(url, timeout_seconds) -> response body``; raise on HTTP or network errors.
Transport = Callable[[str, float], bytes]


def urllib_transport(url: str, timeout: float) -> bytes:
    """Default transport: a plain GET with :mod:`urllib`."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only
        body: bytes = response.read()
        return body


#: OSRM profile names used in ``/table/v1/{profile}/`` per travel mode. Public transport is
#: not an OSRM profile, so it falls back to the haversine provider unless configured.
DEFAULT_PROFILES_OSRM: Mapping[TravelMode, str] = {
    TravelMode.CAR: "driving",
    TravelMode.SCOOTER: "driving",
    TravelMode.BICYCLE: "cycling",
    TravelMode.WALKING: "walking",
}


@dataclass
class HttpRoutingProvider:
    """Matrices from an OSRM-compatible ``/table`` service, cached in memory.

    :ivar base_url: e.g. ``"http://localhost:5000"``.
    :ivar profiles: OSRM profile name per mode; modes not listed use ``fallback``.
    :ivar transport: HTTP GET function (injectable for tests).
    :ivar fallback: provider for modes the server does not route.
    :ivar max_table_size: largest number of coordinates per request (OSRM's
        ``--max-table-size`` defaults to 100); bigger matrices are fetched in blocks.
    :ivar timeout: seconds per request.
    """

    base_url: str
    profiles: Mapping[TravelMode, str] = field(default_factory=lambda: DEFAULT_PROFILES_OSRM)
    transport: Transport = urllib_transport
    fallback: MatrixProvider | None = field(default_factory=HaversineProvider)
    max_table_size: int = 100
    timeout: float = 30.0
    _cache: dict[tuple[str, tuple[tuple[float, float], ...]], TravelMatrices] = field(
        default_factory=dict, init=False, repr=False
    )
    requests_made: int = field(default=0, init=False)

    def clear_cache(self) -> None:
        """Forget every cached matrix."""
        self._cache.clear()

    def matrices(self, locations: Sequence[Location], mode: TravelMode) -> TravelMatrices:
        """See :meth:`MatrixProvider.matrices`.

        :raises MatrixError: on a location without coordinates, a transport error or a reply
            that is not a valid OSRM table.
        """
        mode = TravelMode(mode)
        if mode not in self.profiles:
            if self.fallback is None:
                raise MatrixError(f"no routing profile for travel mode {mode.value!r}")
            return self.fallback.matrices(locations, mode)
        coords: list[tuple[float, float]] = []
        for i, loc in enumerate(locations):
            if loc.lat is None or loc.lon is None:
                raise MatrixError(f"location {i} has no coordinates: {loc!r}")
            # Six decimals is ~0.1 m: finer precision would only fragment the cache.
            coords.append((round(loc.lon, 6), round(loc.lat, 6)))
        key = (mode.value, tuple(coords))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self._fetch(coords, self.profiles[mode])
        self._cache[key] = result
        return result

    def _fetch(self, coords: list[tuple[float, float]], profile: str) -> TravelMatrices:
        n = len(coords)
        durations = np.zeros((n, n), dtype=np.int64)
        distances = np.zeros((n, n), dtype=np.int64)
        if n <= 1:
            return TravelMatrices(durations, distances)
        # Each request carries a block of sources plus a block of destinations.
        block = max(1, self.max_table_size // 2) if n > self.max_table_size else n
        for s0 in range(0, n, block):
            src = list(range(s0, min(n, s0 + block)))
            for d0 in range(0, n, block):
                dst = list(range(d0, min(n, d0 + block)))
                dur, dist = self._request(coords, src, dst, profile, whole=block == n)
                durations[np.ix_(src, dst)] = dur
                distances[np.ix_(src, dst)] = dist
        np.fill_diagonal(durations, 0)
        np.fill_diagonal(distances, 0)
        return TravelMatrices(durations, distances)

    def _request(
        self,
        coords: list[tuple[float, float]],
        src: list[int],
        dst: list[int],
        profile: str,
        *,
        whole: bool,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        if whole:
            points = coords
            query = ""
        else:
            # Send each coordinate once; sources and destinations index into that list.
            order = list(dict.fromkeys(src + dst))
            pos = {c: k for k, c in enumerate(order)}
            points = [coords[c] for c in order]
            query = "&sources={}&destinations={}".format(
                ";".join(str(pos[c]) for c in src), ";".join(str(pos[c]) for c in dst)
            )
        path = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in points)
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/{profile}/{path}"
            f"?annotations=duration,distance{query}"
        )
        self.requests_made += 1
        try:
            body = self.transport(url, self.timeout)
        except Exception as exc:  # the transport is user supplied: wrap whatever it raises
            raise MatrixError(f"routing server request failed: {exc}") from exc
        try:
            reply = json.loads(body)
        except ValueError as exc:
            raise MatrixError(f"routing server sent invalid JSON: {exc}") from exc
        if not isinstance(reply, dict) or reply.get("code") != "Ok":
            code = reply.get("code") if isinstance(reply, dict) else None
            message = reply.get("message", "") if isinstance(reply, dict) else ""
            raise MatrixError(f"routing server error {code!r}: {message}")
        shape = (len(src), len(dst))
        return _table(reply, "durations", shape), _table(reply, "distances", shape)


def _table(reply: dict[str, object], key: str, shape: tuple[int, int]) -> NDArray[np.int64]:
    rows = reply.get(key)
    if not isinstance(rows, list) or len(rows) != shape[0]:
        raise MatrixError(f"routing server reply has no valid {key!r} table")
    out = np.empty(shape, dtype=np.int64)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != shape[1]:
            raise MatrixError(f"routing server reply has a malformed {key!r} row")
        for j, value in enumerate(row):
            if value is None:
                # OSRM returns null when no route exists (e.g. the snapped points are on
                # disconnected road networks): forbid the arc rather than failing the plan.
                out[i, j] = UNREACHABLE
            elif isinstance(value, (int, float)) and math.isfinite(value) and value >= 0:
                out[i, j] = round(value)
            else:
                raise MatrixError(f"routing server reply has an invalid {key!r} value")
    return out
