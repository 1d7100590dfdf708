"""Contact form, and small field helpers the interaction and follow-up forms share."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from crm.contacts.models import PreferredChannel
from crm.contacts.services import CONTACT_FIELDS
from crm.forms import PhoneField, StrippedStringField
from crm.labels import choices

#: The label of the empty choice of an optional select.
NO_CHOICE = "—"

class StrippedTextAreaField(TextAreaField):
    """Multi-line text with surrounding blanks removed; an empty value becomes None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip() or None


def optional_enum(enum_cls: type[enum.Enum]) -> Callable[[Any], Any]:
    """A SelectField ``coerce`` turning ``""`` into None and a value into its enumeration member."""

    def coerce(value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, enum_cls):
            return value
        try:
            return enum_cls(value)
        except ValueError:
            return value  # not a valid choice: pre_validate reports it

    return coerce


def optional_int(value: Any) -> int | None:
    """A SelectField ``coerce`` for optional ids: ``""`` is None, anything not a number is refused."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # matches no choice, so the field reports "Not a valid choice"


def enum_choices(enum_cls: type[enum.Enum], *, blank: bool = False) -> list[tuple[str, Any]]:
    return ([SelectChoice("", NO_CHOICE)] if blank else []) + choices(enum_cls)


class ContactForm(FlaskForm):
    first_name = StrippedStringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StrippedStringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    role = StrippedStringField(
        _l("Role"),
        validators=[Optional(), Length(max=120)],
        description=_l("E.g. HR manager, owner, social worker."),
    )
    phone = PhoneField(_l("Phone"), validators=[Optional()])
    mobile = PhoneField(_l("Mobile"), validators=[Optional()])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Length(max=254), Email(message=_l("Not a valid e-mail address."))],
        filters=[lambda v: v.strip() or None if isinstance(v, str) else v],
    )
    preferred_channel = SelectField(
        _l("Preferred channel"),
        choices=enum_choices(PreferredChannel, blank=True),
        coerce=optional_enum(PreferredChannel),
        validators=[Optional()],
    )
    is_primary = BooleanField(_l("Primary contact of the organization"))
    notes = StrippedTextAreaField(_l("Notes"), render_kw={"rows": 3})

    def model_data(self) -> dict[str, Any]:
        return {name: self[name].data for name in CONTACT_FIELDS}
