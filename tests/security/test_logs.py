"""Logs carry no personal data: the redacting filter, the JSON-lines format and the set-up."""

from __future__ import annotations

import io
import json
import logging

import pytest

from crm.security.logs import RedactingFilter, build_handler, configure_logging, redact


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("login failed for mario.rossi+crm@example.co.it", "mario.rossi", "login failed for [email]"),
        ("candidate RSSMRA85T10A562S saved", "RSSMRA85T10A562S", "candidate [tax-code] saved"),
        ("omocodia rssmra85t10a56ns ok", "rssmra85t10a56ns", "[tax-code]"),
        ("call +39 333 123 4567 now", "333 123 4567", "call [phone] now"),
        ("call 0551234567", "0551234567", "[phone]"),
        ("user full_name=Mario Rossi, id=4", "Mario Rossi", "full_name=[redacted], id=4"),
        ("contact name: 'Anna Bianchi'", "Anna Bianchi", "name: [redacted]"),
        ('"GET /organizations/?q=Mario+Rossi&page=2 HTTP/1.1" 200', "Mario", "?q=[redacted]&page=2"),
    ],
)
def test_redact_removes_personal_data(text, gone, kept):
    result = redact(text)
    assert gone not in result and kept in result


@pytest.mark.parametrize("text", ["plan 12 solved in 2.5 s", "2026-11-25 12:00:00 job 42", "job 1234 of 9"])
def test_redact_keeps_ordinary_messages(text):
    """Ids, dates and durations are not mistaken for personal data."""
    assert redact(text) == text


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("crm.test", logging.WARNING, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_filter_redacts_arguments_extra_fields_and_tracebacks():
    """Arguments are merged then redacted; extra fields named like personal data are blanked."""
    record = _record("welcome %s (%s)", "anna@example.org", 7, email="anna@example.org", user_id=7)
    try:
        raise ValueError("bad address anna@example.org")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "welcome [email] (7)"
    assert record.email == "[redacted]" and record.user_id == 7
    assert "anna@" not in record.exc_text and "[email]" in record.exc_text


def test_json_lines_format_without_personal_data(app):
    """CRM_LOG_FORMAT=json writes one JSON object per line, redacted, with request path and method."""
    stream = io.StringIO()
    handler = build_handler("json", stream)
    logger = logging.getLogger("crm.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with app.test_request_context("/organizations/5?q=Rossi", method="POST"):
            logger.warning("saved %s for %s", "organization 5", "luca@example.org")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    line = stream.getvalue().strip()
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "saved organization 5 for [email]"
    assert (entry["level"], entry["logger"], entry["method"], entry["path"]) == (
        "WARNING", "crm.test.json", "POST", "/organizations/5")
    assert entry["time"].endswith("+00:00")


def test_configure_logging_installs_one_redacting_handler(monkeypatch):
    """Outside tests, the app's logs go through one redacting root handler in the chosen format."""
    from flask import Flask

    root = logging.getLogger()
    before = list(root.handlers)
    monkeypatch.setattr(root, "handlers", [h for h in before if not getattr(h, "_crm_log_handler", False)])
    level = root.level
    try:
        prod = Flask("prod")
        prod.config.update(LOG_FORMAT="json", LOG_LEVEL="WARNING")
        configure_logging(prod)
        configure_logging(prod)  # idempotent
        ours = [h for h in root.handlers if getattr(h, "_crm_log_handler", False)]
        assert len(ours) == 1
        assert any(isinstance(f, RedactingFilter) for f in ours[0].filters)
        assert root.level == logging.WARNING
    finally:
        root.setLevel(level)
