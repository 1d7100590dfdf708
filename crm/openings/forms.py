"""Opening, pipeline and placement forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from crm.candidates.forms import MultiCheckboxField, _lines
from crm.candidates.models import Shift
from crm.forms import StrippedStringField
from crm.labels import choices as enum_choices
from crm.openings.models import ContractType, NotHiredReason, OpeningStatus, PipelineStage
from crm.reference.ateco import section_choices
from crm.reference.places import comune_choices

#: Suggestions for the job family (free text: the hub's own words).
JOB_FAMILIES = (
    "Pulizie e sanificazione",
    "Logistica e magazzino",
    "Ristorazione",
    "Commercio e vendita",
    "Manutenzione del verde",
    "Assistenza alla persona",
    "Amministrazione e segreteria",
    "Manifattura e assemblaggio",
    "Edilizia",
    "Turismo e accoglienza",
)


class OpeningForm(FlaskForm):
    title = StrippedStringField(_l("Title"), validators=[DataRequired(), Length(max=150)])
    job_family = StrippedStringField(_l("Job family"), validators=[Length(max=80)])
    ateco_section = SelectField(_l("Sector (ATECO)"), validators=[Optional()])
    contract = SelectField(_l("Contract"))
    hours_per_week = IntegerField(_l("Hours a week"), validators=[Optional(), NumberRange(1, 60)])
    shifts = MultiCheckboxField(_l("Shifts"))
    required_skill_ids = MultiCheckboxField(_l("Required skills"), coerce=int)
    desirable_skill_ids = MultiCheckboxField(_l("Desirable skills"), coerce=int)
    free_skills_text = StrippedStringField(
        _l("Other skills or terms"), description=_l("Separated by commas.")
    )
    description = TextAreaField(_l("Description"), render_kw={"rows": 4})
    address = StrippedStringField(
        _l("Workplace address"),
        validators=[Length(max=200)],
        description=_l("Empty: the organization's address."),
    )
    comune_code = SelectField(_l("Workplace comune"), validators=[Optional()])
    positions = IntegerField(_l("Positions"), validators=[InputRequired(), NumberRange(1, 500)], default=1)
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    status = SelectField(_l("Status"))
    interaction_id = HiddenField()

    def set_choices(self, *, skills: list[Any], locale: str) -> None:
        self.ateco_section.choices = [SelectChoice("", "—")] + [
            SelectChoice(v, t) for v, t in section_choices(locale)
        ]
        self.contract.choices = enum_choices(ContractType)
        self.shifts.choices = enum_choices(Shift)
        self.required_skill_ids.choices = [SelectChoice(s.id, s.name) for s in skills]
        self.desirable_skill_ids.choices = [SelectChoice(s.id, s.name) for s in skills]
        self.comune_code.choices = [SelectChoice("", "—")] + [SelectChoice(c, n) for c, n in comune_choices()]
        self.status.choices = enum_choices(OpeningStatus)

    def to_data(self) -> dict[str, Any]:
        data = {
            name: getattr(self, name).data
            for name in (
                "title",
                "job_family",
                "ateco_section",
                "contract",
                "hours_per_week",
                "shifts",
                "description",
                "address",
                "comune_code",
                "positions",
                "deadline",
                "status",
            )
        }
        data["free_skills"] = _lines(self.free_skills_text.data, sep=",")
        data["interaction_id"] = int(self.interaction_id.data) if self.interaction_id.data else None
        return data


class StageForm(FlaskForm):
    stage = SelectField(_l("Move to"))
    not_hired_reason = SelectField(_l("Reason"), validators=[Optional()])
    note = StrippedStringField(_l("Note"), validators=[Length(max=300)])

    def set_choices(self) -> None:
        self.stage.choices = [c for c in enum_choices(PipelineStage) if c.value != PipelineStage.HIRED]
        self.not_hired_reason.choices = [SelectChoice("", "—"), *enum_choices(NotHiredReason)]


class PlacementForm(FlaskForm):
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    contract = SelectField(_l("Contract"), choices=enum_choices(ContractType))
    hours_per_week = IntegerField(_l("Hours a week"), validators=[Optional(), NumberRange(1, 60)])
    end_date = DateField(_l("End date (fixed-term)"), validators=[Optional()])


class ShortlistForm(FlaskForm):
    candidate_id = HiddenField(validators=[DataRequired()])
    score = HiddenField()
