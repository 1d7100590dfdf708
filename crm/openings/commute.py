"""The one bridge from candidates and openings to ``routing``: commuting times.

A candidate's home is the centre of their comune (the bundled gazetteer); their address is never
geocoded, let alone sent to a public geocoder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

Point = tuple[float, float]


def commute_minutes(trips: Sequence[tuple[Point | None, Point | None, str]]) -> list[int | None]:
    """Door-to-door minutes for each ``(origin, destination, mode)``; None where a point is unknown.

    Uses routing's :class:`~routing.matrix.HaversineProvider` (straight line with the mode's detour,
    speed and overhead), one matrix per travel mode over the distinct points.
    """
    from routing.matrix import HaversineProvider
    from routing.model import Location, TravelMode

    provider = HaversineProvider()
    result: list[int | None] = [None] * len(trips)
    by_mode: dict[str, list[int]] = defaultdict(list)
    for i, (origin, destination, mode) in enumerate(trips):
        if origin is not None and destination is not None:
            by_mode[mode].append(i)
    for mode, indexes in by_mode.items():
        points: dict[Point, int] = {}
        for i in indexes:
            origin, destination, _ = trips[i]
            for point in (origin, destination):
                assert point is not None
                points.setdefault((round(point[0], 5), round(point[1], 5)), len(points))
        locations = [Location(lat=lat, lon=lon) for lat, lon in points]
        durations = provider.matrices(locations, TravelMode(mode)).durations
        for i in indexes:
            origin, destination, _ = trips[i]
            assert origin is not None and destination is not None
            a = points[(round(origin[0], 5), round(origin[1], 5))]
            b = points[(round(destination[0], 5), round(destination[1], 5))]
            result[i] = round(int(durations[a, b]) / 60)
    return result
