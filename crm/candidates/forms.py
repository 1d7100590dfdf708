"""Candidate forms. Identity fields are separate from the profile so that services can treat them
apart (encrypted, logged)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import codicefiscale
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from crm.candidates.labels import DIMENSION_LABELS, WEEKDAY_LABELS
from crm.candidates.models import (
    ASSESSMENT_DIMENSIONS,
    WEEKDAYS,
    CandidateStatus,
    CommuteMode,
    ConsentPurpose,
    EducationLevel,
    Shift,
)
from crm.forms import PhoneField, StrippedStringField
from crm.labels import choices as enum_choices
from crm.reference.ateco import section_choices
from crm.reference.places import comune_choices

IDENTITY_FIELDS = ("first_name", "last_name", "tax_code", "phone", "email", "comune_code")
PROFILE_FIELDS = (
    "referred_on",
    "referring_office",
    "case_worker",
    "review_on",
    "driving_licence",
    "own_vehicle",
    "commute_mode",
    "max_commute_minutes",
    "available_days",
    "shifts",
    "hours_per_week",
    "languages",
    "education",
    "education_notes",
    "free_skills",
    "sectors",
)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def validate_person_tax_code(form: Any, field: Field) -> None:
    """A person's codice fiscale: 16 characters with a correct check character (python-stdnum)."""
    if not field.data:
        return
    value = "".join(str(field.data).split()).upper()
    try:
        field.data = codicefiscale.validate(value)
    except StdnumValidationError as exc:
        raise ValidationError(
            _l("This codice fiscale is not valid: 16 characters with a correct check character.")
        ) from exc
    if len(field.data) != 16:
        raise ValidationError(_l("A person's codice fiscale has 16 characters."))


def _lines(text: str | None, *, sep: str = "\n") -> list[str]:
    if not text:
        return []
    parts = text.replace(",", "\n").split("\n") if sep == "," else text.split("\n")
    return [" ".join(p.split()) for p in parts if p.strip()]


class CandidateForm(FlaskForm):
    first_name = StrippedStringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StrippedStringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    tax_code = StrippedStringField(_l("Codice fiscale"), validators=[Optional(), validate_person_tax_code])
    phone = PhoneField(_l("Phone"), validators=[Optional()])
    email = StrippedStringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    comune_code = SelectField(_l("Comune of residence"), validators=[Optional()])

    operator_id = SelectField(_l("Followed by"), validators=[Optional()], coerce=str)
    status = SelectField(_l("Status"), validators=[Optional()])

    referred_on = DateField(_l("Referred on"), validators=[InputRequired()])
    referring_office = StrippedStringField(
        _l("Referring social-services office"), validators=[Length(max=150)]
    )
    case_worker = StrippedStringField(_l("Case worker"), validators=[Length(max=120)])
    review_on = DateField(
        _l("Review or delete the data by"),
        validators=[Optional()],
        description=_l("Empty: 24 months after the referral."),
    )

    driving_licence = BooleanField(_l("Driving licence"))
    own_vehicle = BooleanField(_l("Own vehicle"))
    commute_mode = SelectField(_l("Gets to work by"))
    max_commute_minutes = IntegerField(
        _l("Longest commute (minutes, one way)"),
        validators=[InputRequired(), NumberRange(5, 180)],
        default=45,
    )
    available_days = MultiCheckboxField(_l("Available days"))
    shifts = MultiCheckboxField(_l("Shifts"))
    hours_per_week = IntegerField(_l("Hours a week"), validators=[Optional(), NumberRange(1, 60)])

    languages_text = TextAreaField(
        _l("Languages"),
        description=_l("One a line, with the level, e.g. “Inglese A2”."),
        render_kw={"rows": 3},
    )
    education = SelectField(_l("Education"), validators=[Optional()])
    education_notes = StrippedStringField(_l("Education details"), validators=[Length(max=300)])
    skill_ids = MultiCheckboxField(_l("Skills"), coerce=int)
    free_skills_text = StringField(_l("Other skills"), description=_l("Separated by commas."))
    sectors = MultiCheckboxField(_l("Sectors of interest (ATECO)"))

    def set_choices(
        self, *, skills: list[Any], operators: list[Any] | None, locale: str, editing: bool
    ) -> None:
        self.comune_code.choices = [SelectChoice("", "—")] + [SelectChoice(c, n) for c, n in comune_choices()]
        self.commute_mode.choices = enum_choices(CommuteMode)
        self.education.choices = [SelectChoice("", "—"), *enum_choices(EducationLevel)]
        self.available_days.choices = [SelectChoice(d, WEEKDAY_LABELS[d]) for d in WEEKDAYS]
        self.shifts.choices = enum_choices(Shift)
        self.skill_ids.choices = [SelectChoice(s.id, s.name) for s in skills]
        self.sectors.choices = [SelectChoice(v, t) for v, t in section_choices(locale)]
        if operators is None:
            del self.operator_id
        else:
            self.operator_id.choices = [SelectChoice("", _l("Nobody yet"))] + [
                SelectChoice(str(u.id), u.full_name) for u in operators
            ]
        if editing:
            self.status.choices = [
                c for c in enum_choices(CandidateStatus) if c.value != CandidateStatus.ERASED
            ]
        else:
            del self.status

    def identity_data(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in IDENTITY_FIELDS}

    def profile_data(self) -> dict[str, Any]:
        data = {name: getattr(self, name).data for name in PROFILE_FIELDS if name in self}
        data["languages"] = _lines(self.languages_text.data)
        data["free_skills"] = _lines(self.free_skills_text.data, sep=",")
        if "status" in self and self.status.data:
            data["status"] = self.status.data
        return data

    def fill(self, candidate: Any, identity: Any) -> None:
        """Fill the form from a candidate and its (already logged) identity, on GET."""
        for name in IDENTITY_FIELDS:
            getattr(self, name).data = getattr(identity, name) if identity else None
        for name in PROFILE_FIELDS:
            if name in ("languages", "free_skills"):
                continue
            value = getattr(candidate, name)
            getattr(self, name).data = value.value if hasattr(value, "value") else value
        self.languages_text.data = "\n".join(candidate.languages or ())
        self.free_skills_text.data = ", ".join(candidate.free_skills or ())
        self.skill_ids.data = [s.id for s in candidate.skills]
        if "status" in self:
            self.status.data = candidate.status.value
        if "operator_id" in self:
            self.operator_id.data = str(candidate.operator_id or "")


class ReasonForm(FlaskForm):
    reason = StrippedStringField(
        _l("Why do you need it?"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("Recorded in the access log, with your name and the time."),
    )


class SensitiveNotesForm(ReasonForm):
    health = TextAreaField(_l("Health"), render_kw={"rows": 3})
    disability = TextAreaField(
        _l("Disability (and civil-invalidity percentage, if any)"), render_kw={"rows": 3}
    )
    legal = TextAreaField(_l("Legal situation"), render_kw={"rows": 3})


class EraseForm(ReasonForm):
    confirm_code = StrippedStringField(
        _l("Type the candidate's code to confirm"), validators=[DataRequired()]
    )


class AssessmentForm(FlaskForm):
    assessed_on = DateField(_l("Date of the assessment"), validators=[InputRequired()])
    summary = TextAreaField(_l("Summary"), render_kw={"rows": 3})

    def score(self, name: str) -> Field:
        return getattr(self, f"score_{name}")

    def note(self, name: str) -> Field:
        return getattr(self, f"note_{name}")

    def scores(self) -> dict[str, int]:
        return {name: int(self.score(name).data) for name in ASSESSMENT_DIMENSIONS}

    def notes(self) -> dict[str, str]:
        notes = {name: self.note(name).data for name in ASSESSMENT_DIMENSIONS}
        notes["summary"] = self.summary.data
        return notes


for _name in ASSESSMENT_DIMENSIONS:
    setattr(
        AssessmentForm,
        f"score_{_name}",
        RadioField(
            DIMENSION_LABELS[_name],
            choices=[SelectChoice(str(i), str(i)) for i in range(1, 5)],
            validators=[InputRequired()],
        ),
    )
    setattr(AssessmentForm, f"note_{_name}", TextAreaField(_l("Notes"), render_kw={"rows": 2}))


class ConsentForm(FlaskForm):
    purpose = SelectField(_l("What was agreed"), choices=enum_choices(ConsentPurpose))
    given_on = DateField(_l("Date"), validators=[InputRequired()])
    document = StrippedStringField(
        _l("Document"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("The signed form, e.g. “Modulo privacy prot. 2026/0142”."),
    )


class ExperienceForm(FlaskForm):
    role = StrippedStringField(_l("Role"), validators=[DataRequired(), Length(max=120)])
    ateco_section = SelectField(_l("Sector"), validators=[Optional()])
    employer = StrippedStringField(_l("Employer (internal only)"), validators=[Length(max=150)])
    started_on = DateField(_l("From"), validators=[Optional()])
    ended_on = DateField(_l("To"), validators=[Optional()])
    description = TextAreaField(
        _l("Tasks (internal only)"), validators=[Length(max=500)], render_kw={"rows": 2}
    )

    def set_choices(self, locale: str) -> None:
        self.ateco_section.choices = [SelectChoice("", "—")] + [
            SelectChoice(v, t) for v, t in section_choices(locale)
        ]


class SkillForm(FlaskForm):
    name = StrippedStringField(_l("New skill"), validators=[DataRequired(), Length(max=80)])


class SearchForm(FlaskForm):
    q = StrippedStringField(_l("Name, codice fiscale or code"), validators=[DataRequired(), Length(max=80)])


class CheckForm(FlaskForm):
    still_employed = RadioField(
        _l("Still employed?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired()],
    )
    note = StrippedStringField(_l("Note"), validators=[Length(max=300)])
