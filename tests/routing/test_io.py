"""Solomon reader and JSON problem/plan formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routing.io import (
    FormatError,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
    read_problem,
    read_solomon,
)
from routing.model import InvalidProblemError, Problem
from routing.solution import check_plan
from routing.solver import SolverSettings, solve

ROOT = Path(__file__).resolve().parents[2]
SOLOMON = ROOT / "benchmarks" / "solomon"

TINY = """TINY

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      3          4          4          0         50          5
    2      6          8          4          0         60          5
    3     -3         -4          5         10         40          5
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.txt"
    path.write_text(TINY.replace("\n", "\r\n"))  # CRLF, as distributed
    return path


def test_read_solomon_tiny_file(tiny: Path) -> None:
    """Fleet, capacity, scaled windows and exact distances are read from a hand-made file."""
    inst = read_solomon(tiny, scale=1000)
    assert (inst.name, inst.vehicles, inst.capacity) == ("TINY", 2, 10)
    p = inst.problem
    assert [s.id for s in p.stops] == ["1", "2", "3"]
    assert p.stops[2].windows[0].start == 10_000 and p.stops[2].windows[0].end == 40_000
    assert p.stops[0].service == 5000 and p.stops[0].demand == 4
    assert len(p.shifts) == 2 and p.shifts[0].capacity == 10
    assert inst.distance([[1, 2], [3]]) == pytest.approx(5 + 5 + 10 + 10)


def test_solve_tiny_solomon_is_feasible_in_double_precision(tiny: Path) -> None:
    """The integer model's plan is feasible with exact distances."""
    inst = read_solomon(tiny)
    plan = solve(inst.problem, inst.provider, SolverSettings(time_limit=0.5))
    routes = inst.routes_of(plan)
    assert inst.violations(routes) == []
    assert check_plan(inst.problem, plan, inst.provider) == []
    assert inst.distance(routes) == pytest.approx(30.0)  # [3] and [1, 2]


def test_read_solomon_c101_and_solve_feasible() -> None:
    """C101 is read (100 customers, 25 vehicles) and solved feasibly in 1 s."""
    inst = read_solomon(SOLOMON / "C101.txt")
    assert len(inst.problem.stops) == 100 and inst.vehicles == 25 and inst.capacity == 200
    plan = solve(inst.problem, inst.provider, SolverSettings(time_limit=1.0))
    routes = inst.routes_of(plan)
    assert not plan.unassigned
    assert inst.violations(routes) == []
    assert inst.distance(routes) < 828.94 * 1.10  # within 10 % of the best known


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\n", "missing VEHICLE"),
        ("X\nVEHICLE\nNUMBER CAPACITY\nCUSTOMER\n", "vehicle"),
        ("X\nVEHICLE\nNUMBER CAPACITY\n 2 10\nCUSTOMER\n 0 1 2 0 0 9\n", "7 columns"),
        ("X\nVEHICLE\nNUMBER CAPACITY\n 2 10\nCUSTOMER\n 0 1 2 0 0 9 0\n", "no customers"),
    ],
)
def test_read_solomon_bad_files_raise_format_error(tmp_path: Path, text: str, message: str) -> None:
    """Broken files raise FormatError with a useful message."""
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(FormatError, match=message):
        read_solomon(path)


def test_json_problem_round_trip_and_plan_round_trip(city_problem: Problem) -> None:
    """problem_to_dict/problem_from_dict and plan_to_dict/plan_from_dict are inverses."""
    data = json.loads(json.dumps(problem_to_dict(city_problem)))
    again, provider = problem_from_dict(data)
    assert again == city_problem
    assert provider is None
    plan = solve(again, settings=SolverSettings(time_limit=0.5))
    plan_data = json.loads(json.dumps(plan_to_dict(plan)))
    assert plan_data["summary"]["routes"] == plan.vehicles
    steps = plan_data["routes"][0]["steps"]
    assert steps[0]["type"] == "start" and steps[-1]["type"] == "end"
    assert any(s["type"] == "break" for r in plan_data["routes"] for s in r["steps"])
    back = plan_from_dict(plan_data)
    assert [r.stop_ids for r in back.routes] == [r.stop_ids for r in plan.routes]
    assert check_plan(city_problem, back) == []


def test_json_problem_with_matrices(tmp_path: Path) -> None:
    """location_index plus matrices builds a static provider."""
    data = {
        "objective": "distance",
        "vehicles": [{"staff_id": "a", "start_index": 0, "time_window": [0, 1000]}],
        "jobs": [
            {"id": "x", "location_index": 1, "service": 10, "time_windows": [[0, 500]]},
            {"id": "y", "location_index": 2, "service": 10},
        ],
        "matrices": {"car": {"durations": [[0, 5, 9], [5, 0, 4], [9, 4, 0]]}},
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    problem, provider = read_problem(path)
    assert provider is not None
    plan = solve(problem, provider, SolverSettings(time_limit=0.3))
    assert sorted(plan.assigned_ids) == ["x", "y"]
    assert plan.distance == 18
    assert check_plan(problem, plan, provider) == []


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ({"jobs": []}, FormatError, "vehicles"),
        (
            {"vehicles": [{"staff_id": "a", "time_window": [0, 9]}], "jobs": []},
            FormatError,
            "start",
        ),
        (
            {
                "vehicles": [{"staff_id": "a", "start": [11, 43], "time_window": [0, 99]}],
                "jobs": [{"id": "j1", "location": [11, 43], "service": -3}],
            },
            InvalidProblemError,
            "j1",
        ),
        (
            {
                "vehicles": [{"staff_id": "a", "start": [11, 43], "time_window": [0, 99]}],
                "jobs": [{"id": "j2", "location": [11, 43], "service": "long"}],
            },
            InvalidProblemError,
            "j2",
        ),
        (
            {
                "vehicles": [
                    {
                        "staff_id": "a",
                        "start": [11, 43],
                        "time_window": [0, 99],
                        "profile": "rocket",
                    }
                ],
                "jobs": [],
            },
            FormatError,
            "rocket",
        ),
    ],
)
def test_json_problem_errors(data: dict[str, object], error: type[Exception], message: str) -> None:
    """Structural errors raise FormatError; impossible stops raise InvalidProblemError."""
    with pytest.raises(error, match=message):
        problem_from_dict(data)


def test_read_problem_invalid_json(tmp_path: Path) -> None:
    """A file that is not JSON raises FormatError."""
    path = tmp_path / "p.json"
    path.write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        read_problem(path)
