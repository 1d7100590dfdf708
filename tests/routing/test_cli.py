"""Command line: JSON and text output, clear errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from routing.cli import main
from routing.io import problem_to_dict
from routing.model import Problem

ROOT = Path(__file__).resolve().parents[2]
C101 = ROOT / "benchmarks" / "solomon" / "C101.txt"


def test_cli_solomon_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    """JSON output has routes of customer numbers, vehicles and distance."""
    assert main(["solve", str(C101), "--seconds", "1", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["vehicles"] == len(out["routes"])
    customers = sorted(c for r in out["routes"] for c in r)
    assert customers == list(range(1, 101))
    assert isinstance(out["distance"], float) and out["distance"] > 800
    assert out["feasible"] is True


def test_cli_json_problem_text_output(
    tmp_path: Path, city_problem: Problem, capsys: pytest.CaptureFixture[str]
) -> None:
    """Own JSON problems are solved too; text output lists the routes."""
    path = tmp_path / "day.json"
    path.write_text(json.dumps(problem_to_dict(city_problem)))
    assert main(["solve", str(path), "--seconds", "0.5", "--seed", "2", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "feasible   yes" in out
    assert "anna@0:" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [("garbage\n", "missing VEHICLE"), ('{"jobs": 1}', "vehicles")],
)
def test_cli_bad_file_exits_nonzero_without_traceback(
    tmp_path: Path, content: str, message: str
) -> None:
    """Bad input gives a one-line error and exit status 2 (checked in a real process)."""
    path = tmp_path / ("bad.json" if content.startswith("{") else "bad.txt")
    path.write_text(content)
    proc = subprocess.run(
        [sys.executable, "-m", "routing", "solve", str(path), "--seconds", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file is reported, not raised."""
    assert main(["solve", "/nonexistent/file.txt", "--seconds", "1"]) == 2
    assert "cannot read" in capsys.readouterr().err
