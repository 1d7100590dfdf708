"""Forms of the partnership: referral, plan (written and reviewed), actions, signature, notes, offices,
referrers and transfers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from crm.candidates.forms import validate_person_tax_code
from crm.forms import PhoneField, StrippedStringField
from crm.labels import choices as enum_choices
from crm.partnership.models import ActionStatus, GoalStatus, NotifyMode, OwnerKind, SupportKind
from crm.reference.places import comune_choices

SPARE_GOALS = 3
SPARE_SUPPORTS = 2
NO_HEALTH = _l("Plain words the person understands; no health details (they go in the sensitive notes).")


class ReferralForm(FlaskForm):
    """What a social worker fills in to refer a person."""

    first_name = StrippedStringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StrippedStringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    tax_code = StrippedStringField(_l("Codice fiscale"), validators=[Optional(), validate_person_tax_code])
    phone = PhoneField(_l("Phone"), validators=[Optional()])
    email = StrippedStringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    comune_code = SelectField(_l("Comune of residence"), validators=[Optional()])
    reasons = TextAreaField(
        _l("Why you refer this person"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("The situation, what the person wants, what has been tried; only what the hub needs."),
        render_kw={"rows": 5},
    )
    consent = BooleanField(
        _l(
            "The person signed the consent to the processing of their data and to reports to the "
            "social services"
        ),
        validators=[DataRequired(_l("The referral needs the person's signed consent."))],
    )
    consent_on = DateField(_l("Consent signed on"), validators=[InputRequired()])
    consent_document = StrippedStringField(
        _l("Consent document"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("The signed form, e.g. “Modulo consenso prot. 2026/0142”."),
    )

    def set_choices(self, locale: str) -> None:
        self.comune_code.choices = [SelectChoice("", "—")] + [
            SelectChoice(code, name) for code, name in comune_choices()
        ]

    def identity_data(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "tax_code": self.tax_code.data or None,
            "phone": self.phone.data or None,
            "email": self.email.data or None,
            "comune_code": self.comune_code.data or None,
        }


class GoalRow(Form):
    goal_id = HiddenField()
    text = StrippedStringField(_l("Goal"), validators=[Length(max=300)])
    target_on = DateField(_l("By"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=enum_choices(GoalStatus), default=GoalStatus.OPEN.value)


class SupportRow(Form):
    kind = SelectField(
        _l("Support"), choices=[SelectChoice("", "—"), *enum_choices(SupportKind)], validators=[Optional()]
    )
    detail = StrippedStringField(_l("Details"), validators=[Length(max=300)])
    provider = StrippedStringField(_l("Provided by"), validators=[Length(max=150)])


class PlanForm(FlaskForm):
    """The plan's content: written once, then changed at each review."""

    goals = FieldList(FormField(GoalRow), min_entries=1)
    supports = FieldList(FormField(SupportRow), min_entries=1)
    next_review_on = DateField(_l("Next review"), validators=[InputRequired()])
    shared_note = TextAreaField(
        _l("Note for the social worker"),
        validators=[Length(max=1000)],
        description=_l("Shown to the referring social worker."),
        render_kw={"rows": 2},
    )

    def fill(self, plan: Any) -> None:
        while len(self.goals.entries):
            self.goals.pop_entry()
        for goal in plan.goals:
            self.goals.append_entry(
                {
                    "goal_id": str(goal.id),
                    "text": goal.text,
                    "target_on": goal.target_on,
                    "status": goal.status.value,
                }
            )
        while len(self.supports.entries):
            self.supports.pop_entry()
        for support in plan.supports or []:
            self.supports.append_entry(support)
        self.next_review_on.data = plan.next_review_on
        self.shared_note.data = plan.shared_note

    def add_spares(self) -> None:
        for _ in range(SPARE_GOALS):
            self.goals.append_entry()
        for _ in range(SPARE_SUPPORTS):
            self.supports.append_entry()

    def goal_data(self) -> list[dict[str, Any]]:
        return [
            {
                "id": int(row.goal_id.data) if (row.goal_id.data or "").isdigit() else None,
                "text": row.text.data,
                "target_on": row.target_on.data,
                "status": row.status.data or GoalStatus.OPEN.value,
            }
            for row in self.goals
        ]

    def support_data(self) -> list[dict[str, Any]]:
        return [dict(row.data) for row in self.supports]

    def model_data(self) -> dict[str, Any]:
        return {
            "goals": self.goal_data(),
            "supports": self.support_data(),
            "next_review_on": self.next_review_on.data,
            "shared_note": self.shared_note.data,
        }


class ReviewForm(PlanForm):
    achieved = TextAreaField(_l("What was achieved"), validators=[Length(max=4000)], render_kw={"rows": 3})
    changed = TextAreaField(_l("What changes"), validators=[Length(max=4000)], render_kw={"rows": 3})
    why = TextAreaField(_l("Why"), validators=[Length(max=4000)], render_kw={"rows": 2})

    def model_data(self) -> dict[str, Any]:
        return {
            **super().model_data(),
            "achieved": self.achieved.data,
            "changed": self.changed.data,
            "why": self.why.data,
        }


class ActionForm(FlaskForm):
    description = StrippedStringField(
        _l("Action"), validators=[DataRequired(), Length(max=300)], description=NO_HEALTH
    )
    goal_id = SelectField(_l("For the goal"), validators=[Optional()])
    owner_kind = SelectField(_l("Who does it"), choices=enum_choices(OwnerKind), default=OwnerKind.HUB.value)
    owner_user_id = SelectField(_l("Hub operator"), validators=[Optional()])
    owner_name = StrippedStringField(
        _l("Body or person"),
        validators=[Length(max=150)],
        description=_l("For another body: its name, e.g. “Centro per l'impiego di Firenze”."),
    )
    due_on = DateField(_l("Deadline"), validators=[InputRequired()])
    shared = BooleanField(_l("Show to the social worker"))

    def set_choices(self, plan: Any, operators: list[Any], *, has_referrer: bool) -> None:
        self.goal_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(g.id), g.text) for g in plan.goals]
        self.owner_user_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(u.id), u.full_name) for u in operators
        ]
        kinds = enum_choices(OwnerKind)
        if not has_referrer:
            kinds = [c for c in kinds if c.value != OwnerKind.REFERRER.value]
        self.owner_kind.choices = kinds

    def model_data(self) -> dict[str, Any]:
        return {
            "description": self.description.data,
            "goal_id": int(self.goal_id.data) if (self.goal_id.data or "").isdigit() else None,
            "owner_kind": self.owner_kind.data,
            "owner_user_id": int(self.owner_user_id.data)
            if (self.owner_user_id.data or "").isdigit()
            else None,
            "owner_name": self.owner_name.data,
            "due_on": self.due_on.data,
            "shared": self.shared.data,
        }


class ActionStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=enum_choices(ActionStatus), validators=[DataRequired()])


class SignatureForm(FlaskForm):
    signed_on = DateField(_l("Signed on"), validators=[InputRequired()])
    document = StrippedStringField(
        _l("Signed document"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Where the signed paper is kept, e.g. “Progetto firmato, fascicolo C-2026-0042”."),
    )


class FirstContactForm(FlaskForm):
    first_contact_on = DateField(_l("First contact on"), validators=[InputRequired()])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 3})
    shared = BooleanField(_l("Share with the social worker"))


class OfficeForm(FlaskForm):
    name = StrippedStringField(_l("Name"), validators=[DataRequired(), Length(max=150)])
    address = StrippedStringField(_l("Address"), validators=[Length(max=200)])
    phone = PhoneField(_l("Phone"), validators=[Optional()])
    email = StrippedStringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    active = BooleanField(_l("Active"), default=True)


class ReferrerForm(FlaskForm):
    full_name = StrippedStringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = StrippedStringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = PhoneField(_l("Phone"), validators=[Optional()])
    office_id = SelectField(_l("Office"), validators=[DataRequired()])
    notify = SelectField(
        _l("Notifications"), choices=enum_choices(NotifyMode), default=NotifyMode.INSTANT.value
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=10, max=128)],
        description=_l("At least 10 characters; the social worker changes it from their profile."),
    )

    def set_choices(self, offices: list[Any]) -> None:
        self.office_id.choices = [SelectChoice(str(o.id), o.name) for o in offices]


class ReferrerEditForm(FlaskForm):
    office_id = SelectField(_l("Office"), validators=[DataRequired()])
    notify = SelectField(_l("Notifications"), choices=enum_choices(NotifyMode))
    active = BooleanField(_l("Account active"))

    def set_choices(self, offices: list[Any]) -> None:
        self.office_id.choices = [SelectChoice(str(o.id), o.name) for o in offices]


class TransferForm(FlaskForm):
    referrer_id = SelectField(_l("Social worker"), validators=[Optional()])
    reason = StrippedStringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])

    def set_choices(self, referrers: list[Any]) -> None:
        self.referrer_id.choices = [SelectChoice("", _l("Nobody (the case stays at the hub)"))] + [
            SelectChoice(str(r.id), f"{r.user.full_name} – {r.office.name}") for r in referrers
        ]


class NotifyForm(FlaskForm):
    notify = SelectField(_l("E-mail notifications"), choices=enum_choices(NotifyMode))
