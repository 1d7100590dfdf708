"""Logs without personal data: a filter that redacts it, and an optional JSON-lines format.

``CRM_LOG_FORMAT=json`` writes one JSON object per line (time, level, logger, message, request method
and path, user id) for a log collector; the default is plain text. Either way every record passes
:class:`RedactingFilter` first: e-mail addresses, Italian tax codes (codice fiscale), phone numbers,
``name=…``-style values and the values of search parameters in logged URLs are replaced by a
marker such as ``[email]``, and the ``extra`` fields named like personal data are dropped to
``[redacted]``. Code should still log ids, never people: the filter is the safety net.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask, has_request_context, request

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
#: Codice fiscale, omocodia letters included (any case).
TAX_CODE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[ABCDEHLMPRSTabcdehlmprst]"
    r"[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z](?![A-Za-z0-9])"
)
#: 9 to 13 digits, optionally with a leading + or 00 and single spaces between them.
PHONE = re.compile(r"(?<![\w+-])(?:\+|00)?\d(?: ?\d){8,12}(?![\w-])")
#: ``name=Mario Rossi``-style pairs in messages (up to the next comma, semicolon or quote).
NAMED_VALUE = re.compile(
    r"\b(full_name|first_name|last_name|surname|name|nome|cognome|email|e-mail|phone|tax_code|"
    r"codice_fiscale)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^,;\n]+)",
    re.IGNORECASE,
)
#: Search and identity parameters in URLs (access logs): the value goes, the name stays.
QUERY_VALUE = re.compile(
    r"([?&](?:q|search|query|email|name|full_name|phone|tax_code|cf|next)=)[^&\s\"']*", re.IGNORECASE
)
#: ``extra={...}`` attributes never written as they are (not ``name``: that is the logger's).
SENSITIVE_ATTRIBUTES = frozenset(
    {"email", "full_name", "first_name", "last_name", "phone", "tax_code", "codice_fiscale",
     "address", "password"}
)


def redact(text: str) -> str:
    """``text`` with e-mails, tax codes, phone numbers and named personal values replaced."""
    text = QUERY_VALUE.sub(r"\1[redacted]", text)
    text = NAMED_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    text = EMAIL.sub("[email]", text)
    text = TAX_CODE.sub("[tax-code]", text)
    return PHONE.sub("[phone]", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (arguments merged in) and exception text without personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None if record.exc_text else record.exc_info
        for attribute in SENSITIVE_ATTRIBUTES & set(vars(record)):
            setattr(record, attribute, "[redacted]")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["method"] = request.method
            entry["path"] = request.path
            user_id = _current_user_id()
            if user_id is not None:
                entry["user_id"] = user_id
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False, default=str)


def _current_user_id() -> int | None:
    try:
        from flask_login import current_user

        return int(current_user.id) if current_user.is_authenticated else None
    except Exception:  # no login manager, no user loaded yet
        return None


HANDLER_MARK = "_crm_log_handler"


def build_handler(fmt: str, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    setattr(handler, HANDLER_MARK, True)
    return handler


def configure_logging(app: Flask) -> None:
    """Send the app's logs (and the libraries') through one redacting handler on the root logger.

    Done once per process. Left alone under tests (pytest captures the logs its own way; the
    filter and the formats have their own tests).
    """
    if app.testing:
        return
    root = logging.getLogger()
    if any(getattr(h, HANDLER_MARK, False) for h in root.handlers):
        return
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    root.addHandler(build_handler(str(app.config.get("LOG_FORMAT") or "text").lower()))
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
