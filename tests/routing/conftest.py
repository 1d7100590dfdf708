"""Fixtures for the routing tests: small Florence problems and a static-matrix toy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from routing.model import Break, Location, Problem, Shift, Stop, TimeWindow, TravelMode
from routing.solution import Plan, check_plan

H = 3600
M = 60

OFFICE = Location(43.7696, 11.2558)  # Piazza della Signoria

# Real places in and around Florence (approximate coordinates).
PLACES = {
    "duomo": (43.7731, 11.2560),
    "santa_croce": (43.7686, 11.2622),
    "pitti": (43.7652, 11.2500),
    "smn": (43.7764, 11.2480),
    "campo_marte": (43.7760, 11.2770),
    "careggi": (43.8030, 11.2460),
    "novoli": (43.7960, 11.2230),
    "gavinana": (43.7580, 11.2750),
    "sesto": (43.8318, 11.1990),
    "scandicci": (43.7543, 11.1893),
    "bagno_a_ripoli": (43.7590, 11.3200),
    "fiesole": (43.8070, 11.2930),
    "campi": (43.8227, 11.1371),
    "impruneta": (43.6850, 11.2540),
}


@pytest.fixture(autouse=True)
def _clean_database() -> Iterator[None]:
    """Override the project-wide autouse database fixture: the routing library has no DB.

    Keeps these tests independent of the web application (and fast).
    """
    yield


def place(name: str) -> Location:
    lat, lon = PLACES[name]
    return Location(lat, lon)


@pytest.fixture
def make_stop() -> Callable[..., Stop]:
    """Build a stop at a named place: ``make_stop("duomo", service=30 * M, ...)``."""

    def build(name: str, **kwargs: Any) -> Stop:
        kwargs.setdefault("service", 30 * M)
        return Stop(kwargs.pop("id", name), place(name), **kwargs)

    return build


@pytest.fixture
def make_shift() -> Callable[..., Shift]:
    """Build an 8:30-17:30 shift from the office: ``make_shift("anna", day=0, ...)``."""

    def build(staff: str, **kwargs: Any) -> Shift:
        kwargs.setdefault("window", TimeWindow(8 * H + 30 * M, 17 * H + 30 * M))
        return Shift(staff, kwargs.pop("start", OFFICE), **kwargs)

    return build


@pytest.fixture
def city_problem(make_stop: Callable[..., Stop], make_shift: Callable[..., Shift]) -> Problem:
    """Ten visits in Florence, two staff with lunch breaks, mixed windows and modes."""
    lunch = Break(12 * H + 30 * M, 14 * H + 30 * M, 45 * M)
    stops = (
        make_stop("duomo", windows=(TimeWindow(9 * H, 12 * H),)),
        make_stop("santa_croce", windows=(TimeWindow(9 * H, 13 * H), TimeWindow(15 * H, 17 * H))),
        make_stop("pitti", service=45 * M),
        make_stop("smn", windows=(TimeWindow(14 * H, 16 * H),)),
        make_stop("campo_marte", service=60 * M),
        make_stop("careggi", windows=(TimeWindow(10 * H, 12 * H),)),
        make_stop("novoli"),
        make_stop("gavinana", windows=(TimeWindow(15 * H, 17 * H),)),
        make_stop("sesto", service=45 * M),
        make_stop("scandicci", windows=(TimeWindow(9 * H, 11 * H),)),
    )
    shifts = (
        make_shift("anna", lunch=lunch, mode=TravelMode.SCOOTER),
        make_shift("bruno", lunch=lunch, mode=TravelMode.CAR),
    )
    return Problem(stops, shifts)


@pytest.fixture
def assert_feasible() -> Callable[[Problem, Plan], None]:
    """Assert a plan passes the checker (each stop once, windows, breaks, limits...)."""

    def check(problem: Problem, plan: Plan, **kwargs: Any) -> None:
        violations = check_plan(problem, plan, **kwargs)
        assert violations == [], violations

    return check
