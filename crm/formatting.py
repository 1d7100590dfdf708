"""Template helpers: Italian dates, numbers, phone numbers and the labels of domain values."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale

from crm.labels import label
from crm.phones import display_phone
from crm.privacy.notes import describe_note
from crm.reference.ateco import section_title
from crm.reference.places import comune_name


def _date(value: date | datetime | str | None, fmt: str = "medium") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        # Dates kept in JSON (snapshots, job results) come back as ISO strings.
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if fmt == "medium":
            # Babel's medium time has seconds ("12:00:00"): people read minutes.
            return f"{format_date(value, 'medium')}, {format_time(value, 'short')}"
        return format_datetime(value, fmt)
    return format_date(value, fmt)


def _number(value: float | int | None, fmt: str | None = None) -> str:
    if value is None:
        return ""
    return format_decimal(value, fmt) if fmt else format_decimal(value)


def _url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (sorting, pagination)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    return url_for(request.endpoint or "main.index", **(request.view_args or {}), **args)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["number"] = _number
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["comune"] = comune_name
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["access_note"] = describe_note
    app.jinja_env.globals["url_with"] = _url_with
    app.jinja_env.globals["ateco_section_title"] = lambda letter: section_title(
        letter, str(get_locale() or "it")
    )

    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {"current_locale": str(get_locale() or "it"), "is_enum": _is_enum}


def _is_enum(value: Any) -> bool:
    return isinstance(value, enum.Enum)
