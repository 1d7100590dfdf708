"""Validation of the problem model: every impossible input names the stop at fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from routing.model import (
    Break,
    InvalidProblemError,
    Location,
    Problem,
    Shift,
    Stop,
    TimeWindow,
)

H = 3600
OFFICE = Location(43.7696, 11.2558)
HERE = Location(43.7731, 11.2560)
DAY = TimeWindow(8 * H, 18 * H)


def _problem(*stops: Stop, shifts: tuple[Shift, ...] | None = None) -> Problem:
    return Problem(stops, shifts or (Shift("anna", OFFICE, DAY),))


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"service": -5}, "service duration"),
        ({"windows": (TimeWindow(12 * H, 10 * H),)}, "ends"),
        ({"windows": (TimeWindow(-1, 10 * H),)}, "before midnight"),
        ({"priority": 101}, "priority"),
        ({"demand": -1}, "demand"),
        ({"days": frozenset()}, "allowed days"),
        ({"appointment": 14 * H, "windows": (TimeWindow(9 * H, 12 * H),)}, "appointment"),
    ],
)
def test_stop_invalid_fields_raise_naming_stop(kwargs: dict[str, Any], reason: str) -> None:
    """Negative durations, reversed windows, bad priorities... raise with the stop id."""
    with pytest.raises(InvalidProblemError) as err:
        Stop("acme", HERE, **kwargs)
    assert err.value.stop_id == "acme"
    assert reason in str(err.value)
    assert "acme" in str(err.value)


def test_stop_location_without_coordinates_raises() -> None:
    """A location needs coordinates or a matrix index."""
    with pytest.raises(InvalidProblemError, match="lat and lon") as err:
        Stop("acme", Location())
    assert err.value.stop_id == "acme"


def test_stop_latitude_out_of_range_raises() -> None:
    """Coordinates are range-checked."""
    with pytest.raises(InvalidProblemError, match="latitude"):
        Stop("acme", Location(143.0, 11.0))


@pytest.mark.parametrize(
    ("stop", "reason"),
    [
        (Stop("late", HERE, windows=(TimeWindow(19 * H, 20 * H),)), "outside every"),
        (Stop("ghost", HERE, staff_id="zeno"), "has no shift"),
        (Stop("sunday", HERE, days=frozenset({6})), "allowed days"),
        (Stop("long", HERE, service=11 * H), "longer than every"),
        (Stop("appt", HERE, appointment=7 * H), "appointment"),
    ],
)
def test_problem_impossible_stop_raises_naming_stop(stop: Stop, reason: str) -> None:
    """A window outside every shift, a staff member without shift, ... are rejected."""
    with pytest.raises(InvalidProblemError, match=reason) as err:
        _problem(stop)
    assert err.value.stop_id == stop.id


def test_problem_required_staff_without_shift_on_allowed_day_raises() -> None:
    """Required staff must work on one of the stop's days."""
    stop = Stop("acme", HERE, staff_id="anna", days=frozenset({2}))
    with pytest.raises(InvalidProblemError, match="no shift on the allowed days") as err:
        _problem(stop, shifts=(Shift("anna", OFFICE, DAY, day=1), Shift("bo", OFFICE, DAY, 2)))
    assert err.value.stop_id == "acme"


def test_problem_duplicate_stop_id_raises() -> None:
    """Stop ids are unique."""
    with pytest.raises(InvalidProblemError, match="duplicate") as err:
        _problem(Stop("a", HERE), Stop("a", OFFICE))
    assert err.value.stop_id == "a"


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"window": TimeWindow(18 * H, 8 * H)}, "ends"),
        ({"lunch": Break(12 * H, 13 * H, 2 * H)}, "does not fit"),
        ({"lunch": Break(7 * H, 9 * H, H)}, "inside the working window"),
        ({"lunch": Break(12 * H, 14 * H, -1)}, "non-negative"),
        ({"max_visits": -1}, "max_visits"),
        ({"capacity": -3}, "capacity"),
    ],
)
def test_shift_invalid_fields_raise_naming_shift(kwargs: dict[str, Any], reason: str) -> None:
    """Shift validation names the shift."""
    kwargs.setdefault("window", DAY)
    with pytest.raises(InvalidProblemError, match=reason) as err:
        Shift("anna", OFFICE, day=3, **kwargs)
    assert err.value.shift_id == "anna@3"


def test_problem_two_shifts_same_staff_same_day_raises() -> None:
    """One shift per staff member and day."""
    with pytest.raises(InvalidProblemError, match="two shifts"):
        Problem((), (Shift("anna", OFFICE, DAY), Shift("anna", OFFICE, DAY)))


def test_problem_mixed_location_kinds_raises() -> None:
    """Coordinates and matrix indices cannot be mixed."""
    with pytest.raises(InvalidProblemError, match="mixes"):
        _problem(Stop("a", Location(index=1)))


def test_stop_windows_are_sorted_and_merged() -> None:
    """Overlapping windows are merged so the solver sees disjoint gaps."""
    stop = Stop(
        "a",
        HERE,
        windows=(TimeWindow(14 * H, 16 * H), TimeWindow(9 * H, 11 * H), TimeWindow(10 * H, 12 * H)),
    )
    assert stop.windows == (TimeWindow(9 * H, 12 * H), TimeWindow(14 * H, 16 * H))


def test_stop_from_opening_hours_keeps_visit_inside_hours(make_stop: Callable[..., Stop]) -> None:
    """Opening hours 9-13 and 14:30-18 with a 1 h visit give start windows 9-12, 14:30-17."""
    stop = Stop.from_opening_hours("a", HERE, H, [(9 * H, 13 * H), (14 * H + 1800, 18 * H)])
    assert stop.windows == (TimeWindow(9 * H, 12 * H), TimeWindow(14 * H + 1800, 17 * H))
    with pytest.raises(InvalidProblemError, match="long enough"):
        Stop.from_opening_hours("b", HERE, 5 * H, [(9 * H, 13 * H)])


def test_problem_lookup_helpers() -> None:
    """Stops and shifts can be looked up by id."""
    problem = _problem(Stop("a", HERE))
    assert problem.stop("a").id == "a"
    assert problem.shift("anna@0").staff_id == "anna"
    with pytest.raises(KeyError):
        problem.shift("nobody@0")
