"""The bridge: CRM rows and choices in, a routing problem out, and the plan back in CRM terms."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace
from typing import Any

import pytest

from crm.visits.planning import (
    PlanRequest,
    StaffSpec,
    StopSpec,
    build_problem,
    describe_plan,
    opening_slots,
    stop_timing,
    time_budget,
    unassigned_text,
)
from routing import Location, Problem, Shift, Stop, TimeWindow, TravelMode, solve
from routing.solver import SolverSettings

MON, TUE, WED = date(2030, 1, 7), date(2030, 1, 8), date(2030, 1, 9)
SAT = date(2030, 1, 12)
H = 3600


def _org(org_id: int, hours: Any = None, **fields: Any) -> SimpleNamespace:
    values = {"latitude": 43.77, "longitude": 11.25, "geo_precision": "street", "opening_hours": hours}
    values.update(fields)
    return SimpleNamespace(id=org_id, **values)


OFFICE = SimpleNamespace(id=1, name="Sede", latitude=43.7749, longitude=11.2578)


def _request(stops: list[StopSpec], days: tuple[date, ...] = (TUE,), staff: Any = None) -> PlanRequest:
    return PlanRequest(
        days=days,
        staff=tuple([StaffSpec(7, start_office_id=1)] if staff is None else staff),
        stops=tuple(stops),
    )


def test_opening_slots_reads_the_weekday():
    """The day's weekday picks the slots, in seconds, and closed days have none."""
    hours = {"tue": [["14:30", "18:00"], ["09:00", "13:00"]], "sat": []}
    assert opening_slots(hours, TUE) == [(9 * H, 13 * H), (14 * H + 1800, 18 * H)]
    assert opening_slots(hours, SAT) == []
    assert opening_slots(None, TUE) == []


def test_opening_hours_become_windows_and_allowed_days():
    """A visit starts and ends while open; the allowed days are the open days of the range."""
    hours = {"mon": [["09:00", "13:00"]], "wed": [["09:00", "13:00"]]}
    timing = stop_timing(hours, [MON, TUE, WED], 45 * 60)
    assert timing.slots == ((9 * H, 13 * H),)
    assert timing.days == (MON, WED)
    built = build_problem(_request([StopSpec(5, 45)], days=(MON, TUE, WED)), {5: _org(5, hours)}, {1: OFFICE})
    assert built.ok, built
    stop = built.problem.stop("5")
    assert stop.windows == (TimeWindow(9 * H, 13 * H - 45 * 60),)
    assert stop.days == frozenset({MON.toordinal(), WED.toordinal()})
    assert len(built.problem.shifts) == 3


def test_different_hours_on_different_days_use_the_common_hours():
    """When hours differ by weekday, the windows are the hours open on all the allowed days."""
    hours = {"mon": [["08:00", "12:00"]], "tue": [["10:00", "14:00"]]}
    timing = stop_timing(hours, [MON, TUE], 60 * 60)
    assert timing.slots == ((10 * H, 12 * H),)
    assert timing.days == (MON, TUE)
    narrow = stop_timing(hours, [MON, TUE], 3 * 60 * 60)  # 3 h fits neither overlap: keep Monday
    assert narrow.narrowed
    assert narrow.days == (MON,)


def test_no_opening_hours_means_any_time_any_day():
    """Without recorded hours the visit may happen at any time of any shift."""
    built = build_problem(_request([StopSpec(5, 30)], days=(MON, TUE)), {5: _org(5, None)}, {1: OFFICE})
    stop = built.problem.stop("5")
    assert stop.windows == ()
    assert stop.days is None


def test_closed_and_unlocated_organizations_are_left_out_with_a_reason():
    """Closed on every chosen day, or without coordinates: excluded, not an error."""
    orgs = {
        5: _org(5, {"mon": [["09:00", "13:00"]]}),
        6: _org(6, None, latitude=None, longitude=None, geo_precision=None),
        7: _org(7, None),
    }
    built = build_problem(_request([StopSpec(5, 30), StopSpec(6, 30), StopSpec(7, 30)]), orgs, {1: OFFICE})
    assert built.ok
    assert built.excluded == {5: "closed", 6: "no_coordinates"}
    assert [s.id for s in built.problem.stops] == ["7"]


def test_approximate_locations_are_planned_and_flagged():
    """A comune-centre point is still planned, but marked approximate."""
    orgs = {5: _org(5, None, geo_precision="comune"), 6: _org(6, None)}
    built = build_problem(_request([StopSpec(5, 30), StopSpec(6, 30)]), orgs, {1: OFFICE})
    assert built.ok
    assert built.approximate == {5: "comune"}
    assert {s.id for s in built.problem.stops} == {"5", "6"}


def test_appointment_outside_opening_hours_is_an_error_next_to_the_stop():
    """A fixed appointment outside the hours names the stop and the hours."""
    hours = {"tue": [["09:00", "12:00"]]}
    spec = StopSpec(5, 30, appointment=datetime.combine(TUE, time(14, 0)))
    built = build_problem(_request([spec, StopSpec(6, 30)]), {5: _org(5, hours), 6: _org(6)}, {1: OFFICE})
    assert not built.ok
    assert set(built.stop_errors) == {5}
    assert "14:00" in built.stop_errors[5] and "09:00" in built.stop_errors[5]


def test_appointment_becomes_a_fixed_start_on_its_day():
    """A valid appointment fixes the start and the day."""
    spec = StopSpec(5, 30, appointment=datetime.combine(WED, time(10, 15)), staff_id=7)
    built = build_problem(
        _request([spec], days=(TUE, WED)), {5: _org(5, {"wed": [["09:00", "13:00"]]})}, {1: OFFICE}
    )
    stop = built.problem.stop("5")
    assert stop.appointment == 10 * H + 900
    assert stop.days == frozenset({WED.toordinal()})
    assert stop.staff_id == "7"


def test_every_faulty_stop_is_reported_at_once():
    """Opening hours outside the working day and an unknown operator: both stops named."""
    orgs = {5: _org(5, {"tue": [["19:00", "22:00"]]}), 6: _org(6)}
    built = build_problem(_request([StopSpec(5, 30), StopSpec(6, 30, staff_id=99)]), orgs, {1: OFFICE})
    assert set(built.stop_errors) == {5, 6}


def test_bad_staff_and_empty_requests_are_reported():
    """No operator, no stop, an office without coordinates: clear errors, no problem."""
    assert build_problem(_request([StopSpec(5, 30)], staff=[]), {5: _org(5)}, {1: OFFICE}).errors
    assert build_problem(_request([]), {}, {1: OFFICE}).errors
    nowhere = SimpleNamespace(id=2, name="Senza posto", latitude=None, longitude=None)
    built = build_problem(
        _request([StopSpec(5, 30)], staff=[StaffSpec(7, start_office_id=2)]), {5: _org(5)}, {2: nowhere}
    )
    assert "Senza posto" in built.staff_errors[7]
    late_lunch = StaffSpec(7, start_office_id=1, lunch_from=time(18, 0), lunch_to=time(19, 0))
    assert (
        7
        in build_problem(
            _request([StopSpec(5, 30)], staff=[late_lunch]), {5: _org(5)}, {1: OFFICE}
        ).staff_errors
    )


def test_shifts_carry_the_staff_settings():
    """Mode, window, lunch and visit limit reach each staff member's shift."""
    spec = StaffSpec(7, mode=TravelMode.BICYCLE, start_office_id=1, max_visits=4, lunch_minutes=0)
    built = build_problem(_request([StopSpec(5, 30)], staff=[spec]), {5: _org(5)}, {1: OFFICE})
    (shift,) = built.problem.shifts
    assert shift.id == f"7@{TUE.toordinal()}"
    assert shift.mode is TravelMode.BICYCLE
    assert shift.window == TimeWindow(8 * H + 1800, 17 * H + 1800)
    assert shift.lunch is None and shift.max_visits == 4


def test_request_round_trips_through_json():
    """What is stored with the plan reads back the same."""
    request = _request(
        [StopSpec(5, 30, 80, datetime(2030, 1, 8, 10, 0), 7)],
        staff=[StaffSpec(7, TravelMode.SCOOTER, 1, 1, max_visits=3)],
    )
    assert PlanRequest.from_dict(request.to_dict()) == request


def test_time_budget_is_small_for_small_problems():
    """Small problems do not wait for the full limit; large ones get at most the limit."""
    loc = Location(43.77, 11.25)
    shifts = tuple(Shift(str(k), loc, TimeWindow(0, 10 * H)) for k in range(3))
    small = Problem(tuple(Stop(str(i), loc, 60) for i in range(30)), shifts)
    assert time_budget(small, 5) < 1.5
    big = Problem(tuple(Stop(str(i), loc, 60) for i in range(300)), shifts)
    assert time_budget(big, 5) == 5


def test_describe_plan_speaks_crm():
    """Routes come back with people, days, organizations and plain-language reasons."""
    orgs = {5: _org(5), 6: _org(6, None, latitude=43.78, longitude=11.26)}
    built = build_problem(_request([StopSpec(5, 30), StopSpec(6, 30)]), orgs, {1: OFFICE})
    plan = solve(built.problem, None, SolverSettings(time_limit=1, solution_limit=30))
    view = describe_plan(built.problem, plan, organizations=orgs, users={7: "Anna"})
    (route,) = view.routes
    assert route.user == "Anna" and route.day == TUE
    assert sorted(v.organization_id for v in route.visits) == [5, 6]
    assert [v.position for v in route.visits] == [1, 2]
    assert view.map_data()[0]["stops"][0][2] == 1
    assert "full" in unassigned_text("no_room")


@pytest.mark.parametrize("reason", ["unreachable", "capacity", "no_room", "no_solution"])
def test_every_unassigned_reason_has_plain_text(reason):
    """The library's reason codes are all explained."""
    assert unassigned_text(reason) != reason
