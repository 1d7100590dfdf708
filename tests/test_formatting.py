"""The ``date`` filter: Italian dates and times as people read them (QA pass)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import force_locale

from crm.formatting import _date


def test_datetimes_show_minutes_not_seconds(app):
    """A moment reads "28 set 2026, 14:00", not "28 set 2026, 14:00:00"."""
    with app.test_request_context(), force_locale("it"):
        assert _date(datetime(2026, 9, 28, 12, 0, tzinfo=UTC)) == "28 set 2026, 14:00"


def test_iso_strings_from_json_are_formatted(app):
    """Dates kept in JSON snapshots come back as ISO strings and are still shown Italian style."""
    with app.test_request_context(), force_locale("it"):
        assert _date("2026-05-31") == "31 mag 2026"
        assert _date("2026-05-31", "short") == _date(date(2026, 5, 31), "short") == "31/05/26"
        assert _date("") == "" and _date(None) == ""
        assert _date("not a date") == "not a date"
