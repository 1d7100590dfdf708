"""The visit log: one form for the page (works without JavaScript) and the same rules for the JSON
the phone sends from its offline queue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from crm.contacts.forms import StrippedTextAreaField
from crm.field.services import FieldError
from crm.forms import StrippedStringField
from crm.interactions.models import VisitResult
from crm.interactions.services import to_utc
from crm.labels import choices as enum_choices

NOTES_MAX = 5000


def _result(value: Any) -> VisitResult | None:
    if value in (None, "") or isinstance(value, VisitResult):
        return value or None
    try:
        return VisitResult(str(value))
    except ValueError:
        return None


class VisitLogForm(FlaskForm):
    result = RadioField(
        _l("What happened"),
        choices=enum_choices(VisitResult),
        coerce=_result,
        validators=[DataRequired(message=_l("Choose what happened."))],
    )
    arrived_time = TimeField(_l("Arrived at"), validators=[Optional()])
    left_time = TimeField(_l("Left at"), validators=[Optional()])
    notes = StrippedTextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=NOTES_MAX)], render_kw={"rows": 3}
    )
    next_step = StrippedStringField(_l("Next step"), validators=[Optional(), Length(max=300)])
    follow_up_date = DateField(
        _l("Follow-up on"),
        validators=[Optional()],
        description=_l("A follow-up for you on that day (the next step is its title)."),
    )
    key = HiddenField()
    version = HiddenField()

    def model_data(self, day: date) -> dict[str, Any]:
        """The service's data; times are Florence wall-clock times on the visit's ``day``."""
        return {
            "result": self.result.data,
            "arrived_at": to_utc(day, self.arrived_time.data) if self.arrived_time.data else None,
            "left_at": to_utc(day, self.left_time.data) if self.left_time.data else None,
            "notes": self.notes.data or "",
            "next_step": self.next_step.data or "",
            "follow_up_date": self.follow_up_date.data,
        }

    def field_for(self, name: str | None) -> Any:
        """The form field a service error is about."""
        return {
            "arrived_at": self.arrived_time,
            "left_at": self.left_time,
            "next_step": self.next_step,
            "follow_up_date": self.follow_up_date,
            "notes": self.notes,
        }.get(name or "", self.result)


def _moment(payload: Mapping[str, Any], name: str, day: date) -> datetime | None:
    """``<name>_at`` as ISO 8601 with offset, or ``<name>_time`` as local ``HH:MM`` on ``day``."""
    iso = payload.get(f"{name}_at")
    if iso not in (None, ""):
        try:
            moment = datetime.fromisoformat(str(iso))
        except ValueError:
            raise FieldError("bad_time", field=f"{name}_at") from None
        if moment.tzinfo is None:
            raise FieldError("naive_time", field=f"{name}_at")
        return moment
    hhmm = payload.get(f"{name}_time")
    if hhmm in (None, ""):
        return None
    try:
        return to_utc(day, time.fromisoformat(str(hhmm)))
    except ValueError:
        raise FieldError("bad_time", field=f"{name}_at") from None


def payload_data(payload: Any, day: date) -> tuple[dict[str, Any], str | None, str | None]:
    """Check the JSON of a visit log: ``(data for log_visit, key, version)``.

    Keys: ``key`` (UUID), ``version``, ``result``, ``arrived_at``/``left_at`` (ISO with offset) or
    ``arrived_time``/``left_time`` (``HH:MM`` on the visit's local ``day``), ``notes``,
    ``next_step``, ``follow_up_date`` (``YYYY-MM-DD``).

    :raises FieldError: naming the first bad field.
    """
    if not isinstance(payload, Mapping):
        raise FieldError("not_an_object")
    for name in ("key", "version", "result", "notes", "next_step", "follow_up_date"):
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            raise FieldError("not_text", field=name)
    result = _result(payload.get("result"))
    if result is None:
        raise FieldError("result_required", field="result")
    notes = (payload.get("notes") or "").strip()
    if len(notes) > NOTES_MAX:
        raise FieldError("too_long", field="notes")
    follow_up = None
    if payload.get("follow_up_date"):
        try:
            follow_up = date.fromisoformat(payload["follow_up_date"])
        except ValueError:
            raise FieldError("bad_date", field="follow_up_date") from None
    data = {
        "result": result,
        "arrived_at": _moment(payload, "arrived", day),
        "left_at": _moment(payload, "left", day),
        "notes": notes,
        "next_step": (payload.get("next_step") or "").strip(),
        "follow_up_date": follow_up,
    }
    return data, payload.get("key") or None, payload.get("version") or None
