"""Matrix providers: haversine distances, static matrices, OSRM table client (faked)."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest

from routing.matrix import (
    UNREACHABLE,
    HaversineProvider,
    HttpRoutingProvider,
    MatrixError,
    ModeProfile,
    StaticMatrixProvider,
    TravelMatrices,
    haversine_m,
)
from routing.model import Location, TravelMode

FIRENZE = Location(43.7696, 11.2558)
EMPOLI = Location(43.7186, 10.9466)
PRATO = Location(43.8777, 11.1023)


def test_haversine_firenze_empoli_is_about_25_km() -> None:
    """Firenze (Signoria) - Empoli straight line is ~25.4 km (published: 25-27 km)."""
    d = haversine_m([FIRENZE.lat, EMPOLI.lat], [FIRENZE.lon, EMPOLI.lon])
    assert 24_500 < d[0, 1] < 27_500
    assert d[0, 1] == pytest.approx(d[1, 0])
    assert d[0, 0] == 0


def test_haversine_one_degree_of_latitude_is_111_km() -> None:
    """A meridian degree is ~111.2 km on the mean sphere."""
    d = haversine_m([43.0, 44.0], [11.0, 11.0])
    assert d[0, 1] == pytest.approx(111_195, rel=1e-3)


def test_haversine_provider_modes_scale_time_not_topology() -> None:
    """Per-mode speeds: walking is slower than bicycle, which is slower than car."""
    p = HaversineProvider()
    locs = [FIRENZE, EMPOLI, PRATO]
    walk = p.matrices(locs, TravelMode.WALKING)
    bike = p.matrices(locs, TravelMode.BICYCLE)
    car = p.matrices(locs, TravelMode.CAR)
    assert walk.durations[0, 1] > bike.durations[0, 1] > car.durations[0, 1]
    assert (np.diag(car.durations) == 0).all()
    assert car.durations.dtype == np.int64
    # Road distance = straight line x detour.
    straight = haversine_m([FIRENZE.lat, EMPOLI.lat], [FIRENZE.lon, EMPOLI.lon])[0, 1]
    assert car.distances[0, 1] == round(straight * p.profile(TravelMode.CAR).detour)


def test_haversine_provider_public_transport_adds_wait_per_leg() -> None:
    """Public transport adds a fixed waiting overhead on every leg, even a short one."""
    p = HaversineProvider({TravelMode.PUBLIC_TRANSPORT: ModeProfile(15.0, 1.0, 600)})
    near = Location(FIRENZE.lat + 0.0001, FIRENZE.lon)
    m = p.matrices([FIRENZE, near], TravelMode.PUBLIC_TRANSPORT)
    assert m.durations[0, 1] >= 600
    assert m.durations[0, 0] == 0


def test_haversine_provider_rejects_index_locations() -> None:
    """Haversine needs coordinates."""
    with pytest.raises(MatrixError, match="coordinates"):
        HaversineProvider().matrices([Location(index=0)], TravelMode.CAR)


def test_static_provider_selects_submatrix_by_index() -> None:
    """Static matrices are addressed by Location.index, in the requested order."""
    dur = np.arange(16).reshape(4, 4)
    p = StaticMatrixProvider(dur)
    m = p.matrices([Location(index=3), Location(index=1)], TravelMode.CAR)
    assert m.durations.tolist() == [[15, 13], [7, 5]]
    assert m.distances.tolist() == m.durations.tolist()
    with pytest.raises(MatrixError, match="index"):
        p.matrices([Location(index=9)], TravelMode.CAR)


def test_static_provider_per_mode_override() -> None:
    """A mode can have its own matrices."""
    base = np.ones((2, 2), dtype=int)
    walk = (np.full((2, 2), 7), np.full((2, 2), 8))
    p = StaticMatrixProvider(base, per_mode={TravelMode.WALKING: walk})
    locs = [Location(index=0), Location(index=1)]
    assert p.matrices(locs, TravelMode.WALKING).durations[0, 1] == 7
    assert p.matrices(locs, TravelMode.CAR).durations[0, 1] == 1


def test_travel_matrices_reject_negative_or_ragged() -> None:
    """Matrices must be square, equal-sized and non-negative."""
    with pytest.raises(MatrixError):
        TravelMatrices(np.array([[0, -1], [1, 0]]), np.zeros((2, 2)))
    with pytest.raises(MatrixError):
        TravelMatrices(np.zeros((2, 3)), np.zeros((2, 3)))


class FakeOsrm:
    """A fake OSRM /table server at the HTTP boundary: computes tables from coordinates."""

    def __init__(self, fail: bool = False, null_pair: tuple[int, int] | None = None) -> None:
        self.urls: list[str] = []
        self.fail = fail
        self.null_pair = null_pair

    def __call__(self, url: str, timeout: float) -> bytes:
        self.urls.append(url)
        if self.fail:
            raise OSError("connection refused")
        parsed = urlsplit(url)
        parts = parsed.path.split("/")
        assert parts[1:4] == ["table", "v1", parts[3]]
        coords = [tuple(map(float, c.split(","))) for c in unquote(parts[4]).split(";")]
        query = dict(q.split("=") for q in parsed.query.split("&"))
        assert query["annotations"] == "duration,distance"
        everything = ";".join(str(k) for k in range(len(coords)))
        src = [int(x) for x in query.get("sources", everything).split(";")]
        dst = [int(x) for x in query.get("destinations", everything).split(";")]
        lon = np.array([c[0] for c in coords])
        lat = np.array([c[1] for c in coords])
        d = haversine_m(lat, lon) * 1.3
        durations: list[list[float | None]] = [[float(d[i, j] / 10) for j in dst] for i in src]
        if self.null_pair is not None:
            durations[self.null_pair[0]][self.null_pair[1]] = None
        body = {
            "code": "Ok",
            "durations": durations,
            "distances": [[float(d[i, j]) for j in dst] for i in src],
        }
        return json.dumps(body).encode()


def test_http_provider_parses_table_and_caches() -> None:
    """The OSRM table is parsed into int matrices and a second call hits the cache."""
    server = FakeOsrm()
    p = HttpRoutingProvider("http://osrm.test:5000/", transport=server)
    locs = [FIRENZE, EMPOLI, PRATO]
    m1 = p.matrices(locs, TravelMode.CAR)
    m2 = p.matrices(locs, TravelMode.CAR)
    assert m1 is m2
    assert len(server.urls) == 1
    assert server.urls[0].startswith("http://osrm.test:5000/table/v1/driving/11.255800,43.769600;")
    assert m1.durations.shape == (3, 3)
    assert m1.distances[0, 1] > 25_000
    # Another mode is another cache entry (and another profile in the URL).
    p.matrices(locs, TravelMode.BICYCLE)
    assert len(server.urls) == 2 and "/cycling/" in server.urls[1]
    p.clear_cache()
    p.matrices(locs, TravelMode.CAR)
    assert len(server.urls) == 3


def test_http_provider_splits_large_tables_into_blocks() -> None:
    """More coordinates than max_table_size are fetched in source x destination blocks."""
    server = FakeOsrm()
    locs = [Location(43.70 + 0.01 * k, 11.20 + 0.01 * k) for k in range(7)]
    p = HttpRoutingProvider("http://osrm.test", transport=server, max_table_size=4)
    blocked = p.matrices(locs, TravelMode.CAR)
    whole = HttpRoutingProvider("http://osrm.test", transport=FakeOsrm()).matrices(
        locs, TravelMode.CAR
    )
    assert len(server.urls) == 16  # blocks of 2 -> 4 x 4 requests
    assert (blocked.durations == whole.durations).all()
    assert (blocked.distances == whole.distances).all()


def test_http_provider_null_route_becomes_unreachable() -> None:
    """OSRM null (no route) becomes a prohibitive travel time instead of a crash."""
    p = HttpRoutingProvider("http://x", transport=FakeOsrm(null_pair=(0, 1)))
    m = p.matrices([FIRENZE, EMPOLI], TravelMode.CAR)
    assert m.durations[0, 1] == UNREACHABLE


def test_http_provider_errors_are_matrix_errors() -> None:
    """Transport failures and bad replies raise MatrixError with a clear message."""
    with pytest.raises(MatrixError, match="connection refused"):
        HttpRoutingProvider("http://x", transport=FakeOsrm(fail=True)).matrices(
            [FIRENZE, EMPOLI], TravelMode.CAR
        )
    bad = HttpRoutingProvider("http://x", transport=lambda url, t: b'{"code": "InvalidQuery"}')
    with pytest.raises(MatrixError, match="InvalidQuery"):
        bad.matrices([FIRENZE, EMPOLI], TravelMode.CAR)
    garbage = HttpRoutingProvider("http://x", transport=lambda url, t: b"<html>")
    with pytest.raises(MatrixError, match="JSON"):
        garbage.matrices([FIRENZE, EMPOLI], TravelMode.CAR)


def test_http_provider_public_transport_uses_fallback() -> None:
    """Modes without an OSRM profile use the fallback provider, without a request."""
    server = FakeOsrm()
    p = HttpRoutingProvider("http://x", transport=server)
    m = p.matrices([FIRENZE, EMPOLI], TravelMode.PUBLIC_TRANSPORT)
    assert server.urls == []
    assert m.durations[0, 1] > 0
