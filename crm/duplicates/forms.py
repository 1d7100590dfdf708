"""Duplicate pages: the list filters, the merge form (one choice per field) and the reason texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, HiddenField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from crm.duplicates.matching import Reason, ReasonGroup, ReasonKind
from crm.organizations.forms import DATA_FIELDS, FIELD_LABELS, select_choices
from crm.phones import display_phone
from crm.reference.places import comune_choices, comune_name

GROUP_LABELS: dict[ReasonGroup, Any] = {
    ReasonGroup.IDS: _l("Partita IVA or codice fiscale"),
    ReasonGroup.NAME: _l("Similar name"),
    ReasonGroup.PHONE: _l("Phone"),
    ReasonGroup.EMAIL: _l("E-mail or PEC"),
}


def reason_text(reason: Reason) -> str:
    """The reason as people read it: "same codice fiscale 01234567890", "names 94 % similar in Empoli"."""
    if reason.kind is ReasonKind.NAME:
        return _(
            "names %(similarity)d %% similar in %(comune)s",
            similarity=reason.similarity or 0,
            comune=comune_name(reason.value),
        )
    if reason.kind is ReasonKind.TAX_CODE:
        return _("same codice fiscale %(value)s", value=reason.value)
    if reason.kind is ReasonKind.VAT:
        return _("same Partita IVA %(value)s", value=reason.value)
    if reason.kind is ReasonKind.VAT_TAX_CODE:
        return _("Partita IVA of one is the codice fiscale of the other: %(value)s", value=reason.value)
    if reason.kind is ReasonKind.PHONE:
        return _("same phone %(value)s", value=display_phone(reason.value))
    return _("same e-mail %(value)s", value=reason.value)


class DuplicateFilterForm(Form):
    """The list's GET filters; a value that is not a valid choice is ignored."""

    kind = SelectField(
        _l("Reason"),
        choices=select_choices(((g.value, label) for g, label in GROUP_LABELS.items()), blank=_l("All")),
        validators=[Optional()],
    )
    comune = SelectField(
        FIELD_LABELS["comune_code"],
        choices=select_choices(comune_choices(), blank=_l("All")),
        validators=[Optional()],
    )
    organization_id = IntegerField(validators=[Optional()])

    def group(self) -> ReasonGroup | None:
        if self.kind.errors or not self.kind.data:
            return None
        return ReasonGroup(self.kind.data)

    def comune_code(self) -> str | None:
        return None if self.comune.errors or not self.comune.data else self.comune.data


# --- Merge ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeRow:
    """One row of the comparison: one attribute, or the three that place an organization."""

    name: str
    label: Any
    attributes: tuple[str, ...]


def merge_rows() -> list[MergeRow]:
    """The comparison's rows, in the order of the organization form."""
    rows: list[MergeRow] = []
    for name in DATA_FIELDS:
        if name in ("tags", "notes", "longitude", "geo_precision"):
            continue  # tags are joined, notes appended; the position is one row
        if name == "latitude":
            rows.append(
                MergeRow("position", _l("Position on the map"), ("latitude", "longitude", "geo_precision"))
            )
        else:
            rows.append(MergeRow(name, FIELD_LABELS[name], (name,)))
    return rows


SIDES = ("first", "second")


class MergeFormBase(FlaskForm):
    survivor = RadioField(
        _l("Organization to keep"), choices=[SelectChoice(s, s) for s in SIDES], validators=[InputRequired()]
    )
    first_version = HiddenField()
    second_version = HiddenField()
    confirm = BooleanField(
        _l("I have checked the values: merge the two organizations and delete the other one."),
        validators=[DataRequired(_l("Tick the box to confirm the merge."))],
    )

    def version(self, side: str) -> int:
        """The version of an organization the comparison was made with; -1 if tampered with."""
        try:
            return int(self[f"{side}_version"].data)
        except (TypeError, ValueError):
            return -1

    def choice(self, row: MergeRow) -> str:
        return str(self[f"field_{row.name}"].data)


def merge_form_class(rows: list[MergeRow]) -> type[MergeFormBase]:
    """A form with one radio (``first``/``second``) per comparison row."""

    class MergeForm(MergeFormBase):
        pass

    for row in rows:
        setattr(
            MergeForm,
            f"field_{row.name}",
            RadioField(
                row.label, choices=[SelectChoice(s, s) for s in SIDES], validators=[InputRequired()]
            ),
        )
    return MergeForm
