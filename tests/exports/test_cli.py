"""``flask --app crm visits export``."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import gpxpy
import icalendar

ROME = ZoneInfo("Europe/Rome")


def test_export_to_stdout(runner, field_operator, make_visit):
    visit = make_visit(field_operator, datetime(2026, 10, 25, 9, 30, tzinfo=ROME))
    result = runner.invoke(
        args=["visits", "export", "--staff", "ANNA@test.local", "--date", "2026-10-25", "--format", "ics"]
    )
    assert result.exit_code == 0, result.output
    [event] = icalendar.Calendar.from_ical(result.stdout_bytes).walk("VEVENT")
    assert str(event["UID"]) == f"visit-{visit.id}@florwork-outreach"


def test_export_to_file(runner, field_operator, make_visit, tmp_path):
    make_visit(field_operator, datetime(2026, 10, 25, 9, 30, tzinfo=ROME))
    make_visit(field_operator, datetime(2026, 10, 26, 9, 30, tzinfo=ROME))
    for fmt in ("gpx", "csv"):
        out = tmp_path / f"day.{fmt}"
        result = runner.invoke(
            args=["visits", "export", "--staff", "anna@test.local", "--date", "2026-10-25", "--days", "2",
                  "--format", fmt, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert out.exists()
    assert len(gpxpy.parse((tmp_path / "day.gpx").read_text()).waypoints) == 4  # office ×2 + 2 visits
    rows = list(csv.reader(io.StringIO((tmp_path / "day.csv").read_text("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["25/10/2026", "26/10/2026"]


def test_errors(runner, field_operator):
    base = ["visits", "export", "--date", "2026-10-25", "--format", "ics"]
    unknown = runner.invoke(args=[*base[:2], "--staff", "nobody@test.local", *base[2:]])
    assert unknown.exit_code != 0 and "Unknown staff member: nobody@test.local" in unknown.output
    bad_date = runner.invoke(
        args=["visits", "export", "--staff", "anna@test.local", "--date", "25/10/2026", "--format", "ics"]
    )
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    bad_format = runner.invoke(
        args=["visits", "export", "--staff", "anna@test.local", "--date", "2026-10-25", "--format", "docx"]
    )
    assert bad_format.exit_code == 2 and "docx" in bad_format.output
