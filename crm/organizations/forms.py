"""Organization forms: the edit form (field names equal the model's attributes) and the list filters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from crm.forms import (
    PhoneField,
    PlainOptionsSelectField,
    StrippedStringField,
    validate_tax_code,
    validate_vat_number,
)
from crm.labels import choices as enum_choices
from crm.organizations.models import GeoPrecision, OrganizationKind, OrganizationStatus, SizeBand
from crm.organizations.services import DATA_FIELDS as ORGANIZATION_DATA_FIELDS
from crm.reference.ateco import normalise_code, section_choices
from crm.reference.places import cap_matches_comune, comune_by_code, comune_choices

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

WEEKDAY_LABELS: dict[str, Any] = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}

#: One label per model attribute: the form, the change history and the conflict view share them.
FIELD_LABELS: dict[str, Any] = {
    "legal_name": _l("Legal name"),
    "trade_name": _l("Trade name"),
    "kind": _l("Kind"),
    "status": _l("Status"),
    "owner_id": _l("Owner"),
    "vat_number": _l("Partita IVA"),
    "tax_code": _l("Codice fiscale"),
    "ateco_code": _l("ATECO code"),
    "ateco_section": _l("ATECO section"),
    "employees": _l("Employees"),
    "law68_subject": _l("Subject to Law 68/1999"),
    "law68_protected_employed": _l("Protected workers already employed"),
    "address": _l("Address"),
    "cap": _l("CAP"),
    "comune_code": _l("Comune"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "geo_precision": _l("Coordinate precision"),
    "phone": _l("Phone"),
    "phone2": _l("Other phone"),
    "email": _l("E-mail"),
    "pec": _l("PEC"),
    "website": _l("Website"),
    "opening_hours": _l("Opening hours"),
    "tags": _l("Tags"),
    "notes": _l("Notes"),
    "created_by_id": _l("Created by"),
}

#: The attributes the form edits, in the order the conflict view lists them (the services' list).
DATA_FIELDS = ORGANIZATION_DATA_FIELDS

MAX_TAG_LENGTH = 60


def select_choices(pairs: Iterable[Any], blank: Any = None) -> list[SelectChoice]:
    """SelectChoice objects (WTForms 3.3 deprecates tuples), with an optional empty first option.

    ``pairs`` holds ``(value, label)`` tuples or SelectChoice objects.
    """
    items = [SelectChoice("", blank)] if blank is not None else []
    for pair in pairs:
        if isinstance(pair, SelectChoice):
            items.append(pair)
        else:
            value, text = pair
            items.append(SelectChoice(str(value), text))
    return items


# --- Opening hours --------------------------------------------------------------------------------

_INTERVAL = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?$")
_CLOSED_WORDS = frozenset({"closed", "chiuso", "-", "–"})


def _minutes(hours: str, minutes: str | None) -> int:
    h, m = int(hours), int(minutes or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        raise ValueError(_("%(time)s is not a time of day.", time=f"{hours}:{minutes or '00'}"))
    return h * 60 + m


def _hhmm(total: int) -> str:
    return f"{total // 60:02d}:{total % 60:02d}"


def parse_day_hours(text: str | None) -> list[list[str]]:
    """``"09:00-13:00, 14:30-18:00"`` → ``[["09:00", "13:00"], ["14:30", "18:00"]]``; empty = closed.

    Also accepts ``9-13``, ``9.00-13.00`` and en dashes; intervals come back sorted.

    :raises ValueError: with a message for the person who typed it (bad time, start after end, overlap).
    """
    if text is None or not text.strip() or text.strip().casefold() in _CLOSED_WORDS:
        return []
    intervals: list[tuple[int, int]] = []
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        match = _INTERVAL.match(part)
        if not match:
            raise ValueError(
                _("“%(part)s” is not a time range: write e.g. 09:00-13:00, 14:30-18:00.", part=part)
            )
        start = _minutes(match.group(1), match.group(2))
        end = _minutes(match.group(3), match.group(4))
        if start >= end:
            raise ValueError(_("In “%(part)s” the start is not before the end.", part=part))
        intervals.append((start, end))
    intervals.sort()
    for (_start, previous_end), (start, _end) in pairwise(intervals):
        if start < previous_end:
            raise ValueError(_("The time ranges overlap."))
    return [[_hhmm(start), _hhmm(end)] for start, end in intervals]


def format_day_hours(intervals: Sequence[Sequence[str]] | None) -> str:
    """The inverse of :func:`parse_day_hours`: ``"09:00-13:00, 14:30-18:00"``."""
    return ", ".join(f"{start}-{end}" for start, end in intervals or ())


class DayHoursField(StringField):
    """One weekday's opening hours, typed as text, kept as a list of ``[start, end]`` pairs."""

    def process_data(self, value: Any) -> None:
        self.data = [list(pair) for pair in value] if value else []

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            self.data = parse_day_hours(valuelist[0])
        except ValueError:
            self.data = []
            raise

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return format_day_hours(self.data)


class OpeningHoursForm(Form):
    """Seven text inputs, one per weekday; the data is the model's JSON dict."""

    mon = DayHoursField(WEEKDAY_LABELS["mon"])
    tue = DayHoursField(WEEKDAY_LABELS["tue"])
    wed = DayHoursField(WEEKDAY_LABELS["wed"])
    thu = DayHoursField(WEEKDAY_LABELS["thu"])
    fri = DayHoursField(WEEKDAY_LABELS["fri"])
    sat = DayHoursField(WEEKDAY_LABELS["sat"])
    sun = DayHoursField(WEEKDAY_LABELS["sun"])


def opening_hours_value(data: dict[str, Any] | None) -> dict[str, list[list[str]]] | None:
    """All seven days (closed = ``[]``) when any day has hours; None when nothing is known."""
    if not data:
        return None
    days = {day: [list(pair) for pair in data.get(day) or []] for day in WEEKDAYS}
    return days if any(days.values()) else None


# --- Other fields ----------------------------------------------------------------------------------


def split_tags(text: str | None) -> list[str]:
    """Comma-separated names, blanks collapsed, duplicates (ignoring case) dropped, order kept."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class TagListField(StringField):
    """Tags typed as ``"catering, Empoli, legge 68"``; the data is a list of names."""

    def process_data(self, value: Any) -> None:
        self.data = [str(v) for v in value] if value else []

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = split_tags(valuelist[0])

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return ", ".join(self.data or [])


def _tristate(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if value is True or value in ("yes", "true", "1"):
        return True
    if value is False or value in ("no", "false", "0"):
        return False
    raise ValueError(value)


class TriStateField(SelectField):
    """Unknown / yes / no, kept as None / True / False."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(
            label,
            validators,
            coerce=_tristate,
            choices=select_choices([("yes", _l("Yes")), ("no", _l("No"))], blank=_l("Unknown")),
            **kwargs,
        )

    def pre_validate(self, form: Any) -> None:
        # None is a legitimate value here ("unknown"), which SelectField would refuse as no choice.
        if self.process_errors:
            raise ValidationError(self.process_errors[0])


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


class LocalFloatField(FloatField):
    """A decimal number typed the Italian way (``43,7793``) or the English way (``43.7793``)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
            if not valuelist[0]:
                self.data = None
                return
        super().process_formdata(valuelist)


# --- The organization form ------------------------------------------------------------------------


class OrganizationForm(FlaskForm):
    legal_name = StrippedStringField(
        FIELD_LABELS["legal_name"], validators=[DataRequired(), Length(max=200)]
    )
    trade_name = StrippedStringField(FIELD_LABELS["trade_name"], validators=[Length(max=200)])
    kind = SelectField(
        FIELD_LABELS["kind"],
        validators=[DataRequired()],
        choices=select_choices(enum_choices(OrganizationKind), blank="—"),
        # Most of the organizations the hub approaches are companies.
        default=OrganizationKind.COMPANY.value,
    )
    status = SelectField(
        FIELD_LABELS["status"],
        validators=[DataRequired()],
        choices=select_choices(enum_choices(OrganizationStatus)),
        default=OrganizationStatus.PROSPECT.value,
    )
    owner_id = SelectField(FIELD_LABELS["owner_id"], coerce=_int_or_none, choices=[])

    vat_number = StrippedStringField(FIELD_LABELS["vat_number"], validators=[validate_vat_number])
    tax_code = StrippedStringField(FIELD_LABELS["tax_code"], validators=[validate_tax_code])
    ateco_code = StrippedStringField(
        FIELD_LABELS["ateco_code"], description=_l("For example 62.10 or 6210 (ATECO 2025).")
    )
    ateco_section = SelectField(
        FIELD_LABELS["ateco_section"],
        choices=[],
        description=_l("Taken from the ATECO code when there is one; otherwise choose it here."),
    )
    employees = IntegerField(
        FIELD_LABELS["employees"], validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    law68_subject = TriStateField(FIELD_LABELS["law68_subject"])
    law68_protected_employed = IntegerField(
        FIELD_LABELS["law68_protected_employed"],
        validators=[Optional(), NumberRange(min=0, max=100_000)],
    )

    address = StrippedStringField(FIELD_LABELS["address"], validators=[Length(max=200)])
    cap = StrippedStringField(FIELD_LABELS["cap"], render_kw={"inputmode": "numeric"})
    comune_code = SelectField(
        FIELD_LABELS["comune_code"], choices=select_choices(comune_choices(), blank="—")
    )
    latitude = LocalFloatField(
        FIELD_LABELS["latitude"],
        validators=[Optional(), NumberRange(min=-90, max=90)],
        description=_l("Leave empty to use the centre of the comune."),
    )
    longitude = LocalFloatField(
        FIELD_LABELS["longitude"], validators=[Optional(), NumberRange(min=-180, max=180)]
    )
    geo_precision = SelectField(
        FIELD_LABELS["geo_precision"],
        choices=select_choices(enum_choices(GeoPrecision), blank="—"),
    )

    phone = PhoneField(FIELD_LABELS["phone"], render_kw={"type": "tel", "autocomplete": "tel"})
    phone2 = PhoneField(FIELD_LABELS["phone2"], render_kw={"type": "tel"})
    email = StrippedStringField(
        FIELD_LABELS["email"],
        validators=[Optional(), Email(), Length(max=254)],
        render_kw={"type": "email"},
    )
    pec = StrippedStringField(
        FIELD_LABELS["pec"],
        validators=[Optional(), Email(), Length(max=254)],
        render_kw={"type": "email"},
    )
    website = StrippedStringField(FIELD_LABELS["website"], validators=[Length(max=300)])
    opening_hours = FormField(
        OpeningHoursForm,
        FIELD_LABELS["opening_hours"],
        description=_l("For example 09:00-13:00, 14:30-18:00. Leave a day empty when closed."),
    )
    tags = TagListField(
        FIELD_LABELS["tags"], description=_l("Separated by commas, e.g. catering, Empoli.")
    )
    notes = TextAreaField(FIELD_LABELS["notes"], render_kw={"rows": 4})

    def set_dynamic_choices(self, *, owners: Sequence[Any], locale: str) -> None:
        """Choices that come from the database or depend on the language."""
        if "owner_id" in self:
            self.owner_id.choices = select_choices(
                ((u.id, u.full_name) for u in owners), blank=_l("Nobody")
            )
        self.ateco_section.choices = select_choices(section_choices(locale), blank="—")

    def validate_ateco_code(self, field: Field) -> None:
        if not field.data:
            return
        code = normalise_code(field.data)
        if code is None:
            raise ValidationError(_l("Unknown ATECO code. Write it like 62.10 or 6210."))
        field.data = code

    def validate_cap(self, field: Field) -> None:
        if not field.data:
            return
        if not re.fullmatch(r"\d{5}", field.data):
            raise ValidationError(_l("A CAP has five digits."))
        comune = comune_by_code(self.comune_code.data)
        if comune is not None and not cap_matches_comune(field.data, comune):
            raise ValidationError(
                _l("%(cap)s is not a CAP of %(comune)s.", cap=field.data, comune=comune.name)
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() stops the field's own chain on an empty value, so the pair is checked here.
        lat, lon = self.latitude, self.longitude
        if not lat.errors and not lon.errors and (lat.data is None) != (lon.data is None):
            empty = lat if lat.data is None else lon
            empty.errors = [*empty.errors, _l("Give both latitude and longitude, or neither.")]
            self._errors = None
            valid = False
        return valid

    def validate_website(self, field: Field) -> None:
        if not field.data:
            return
        url = field.data if "://" in field.data else "https://" + field.data
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or "." not in host or " " in url:
            raise ValidationError(_l("Not a valid web address."))
        field.data = url

    def validate_tags(self, field: Field) -> None:
        for name in field.data or []:
            if len(name) > MAX_TAG_LENGTH:
                raise ValidationError(
                    _l("Tags are at most %(n)d characters long.", n=MAX_TAG_LENGTH)
                )

    def to_data(self) -> dict[str, Any]:
        """The validated input as the services take it: model attribute → value, blanks as None."""
        data: dict[str, Any] = {}
        for name in DATA_FIELDS:
            if name not in self:
                continue  # e.g. owner_id, removed for people who may not change it
            value = self[name].data
            data[name] = None if value == "" else value
        data["opening_hours"] = opening_hours_value(self.opening_hours.data)
        data["tags"] = list(self.tags.data or [])
        return data


class EditOrganizationForm(OrganizationForm):
    #: The version the form was loaded with: optimistic locking.
    version = HiddenField()

    @property
    def expected_version(self) -> int:
        """The version the user edited; -1 (always a conflict) when the field was tampered with."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1


# --- List filters ---------------------------------------------------------------------------------

SORT_LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "comune": _l("Comune"),
    "employees": _l("Employees"),
    "status": _l("Status"),
    "last_interaction": _l("Last interaction"),
    "updated": _l("Updated"),
}

NO_OWNER = "none"


class OrganizationFilterForm(Form):
    """The list's GET filters. A value that is not a valid choice is ignored, never an error page."""

    q = StringField(_l("Search"), render_kw={"type": "search"})
    kind = PlainOptionsSelectField(
        FIELD_LABELS["kind"], choices=select_choices(enum_choices(OrganizationKind), blank=_l("All"))
    )
    status = PlainOptionsSelectField(
        FIELD_LABELS["status"],
        choices=select_choices(enum_choices(OrganizationStatus), blank=_l("All")),
    )
    comune = PlainOptionsSelectField(
        FIELD_LABELS["comune_code"], choices=select_choices(comune_choices(), blank=_l("All"))
    )
    section = PlainOptionsSelectField(FIELD_LABELS["ateco_section"], choices=[])
    size = PlainOptionsSelectField(
        _l("Size"), choices=select_choices(enum_choices(SizeBand), blank=_l("All"))
    )
    tag = PlainOptionsSelectField(_l("Tag"), choices=[])
    owner = PlainOptionsSelectField(FIELD_LABELS["owner_id"], choices=[])

    def set_dynamic_choices(
        self, *, owners: Sequence[Any], tags: Sequence[str], locale: str
    ) -> None:
        self.section.choices = select_choices(section_choices(locale), blank=_l("All"))
        self.tag.choices = select_choices(((t, t) for t in tags), blank=_l("All"))
        self.owner.choices = [
            SelectChoice("", _l("Anyone")),
            SelectChoice(NO_OWNER, _l("Nobody")),
            *select_choices((u.id, u.full_name) for u in owners),
        ]

    def valid_values(self) -> tuple[dict[str, str], list[str]]:
        """``(name → value)`` of the filters that are set and valid, and the labels of invalid ones."""
        self.validate()
        values: dict[str, str] = {}
        invalid: list[str] = []
        for field in self:
            value = (field.data or "").strip() if isinstance(field.data, str) else field.data
            if not value:
                continue
            if field.errors:
                invalid.append(str(field.label.text))
            else:
                values[field.name] = value
        return values, invalid

    @property
    def active_count(self) -> int:
        """How many filters (besides the search text) are set: shown on the phone's filter button."""
        return sum(1 for f in self if f.name != "q" and f.data and not f.errors)
