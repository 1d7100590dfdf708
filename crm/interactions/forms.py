from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from crm.auth.models import User
from crm.contacts.forms import (
    NO_CHOICE,
    StrippedTextAreaField,
    enum_choices,
    optional_enum,
    optional_int,
)
from crm.contacts.models import Contact
from crm.followups.services import local_now
from crm.forms import StrippedStringField
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus

#: Clocks differ a little: "done" a few minutes in the future is still "done now".
FUTURE_TOLERANCE = timedelta(minutes=15)


class InteractionForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=enum_choices(InteractionKind),
        coerce=optional_enum(InteractionKind),
        default=InteractionKind.CALL,
        validators=[DataRequired()],
    )
    status = SelectField(
        _l("Status"),
        choices=enum_choices(InteractionStatus),
        coerce=optional_enum(InteractionStatus),
        default=InteractionStatus.DONE,
        validators=[DataRequired()],
        description=_l("A visit or meeting still to come is “planned”."),
    )
    occurred_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter the date."))])
    occurred_time = TimeField(_l("Time"), validators=[DataRequired(message=_l("Enter the time."))])
    user_id = SelectField(_l("Logged by"), coerce=optional_int, validators=[DataRequired()])
    contact_id = SelectField(_l("With"), coerce=optional_int, validators=[Optional()])
    subject = StrippedStringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = StrippedTextAreaField(_l("What was said"), render_kw={"rows": 4})
    outcome = SelectField(
        _l("Outcome"),
        choices=enum_choices(InteractionOutcome, blank=True),
        coerce=optional_enum(InteractionOutcome),
        validators=[Optional()],
    )
    next_step = StrippedStringField(_l("Next step"), validators=[Optional(), Length(max=300)])

    def set_choices(self, staff: Iterable[User], contacts: Iterable[Contact]) -> None:
        self.user_id.choices = [SelectChoice(u.id, u.full_name) for u in staff]
        self.contact_id.choices = [SelectChoice("", NO_CHOICE)] + [
            SelectChoice(c.id, c.full_name + (f" ({c.role})" if c.role else "")) for c in contacts
        ]

    def set_when(self, local: datetime) -> None:
        """Show ``local`` (a Europe/Rome datetime) in the date and time fields."""
        self.occurred_on.data = local.date()
        self.occurred_time.data = local.time().replace(second=0, microsecond=0)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        # Something done cannot be in the future (a visit still to come is "planned").
        if self.status.data is InteractionStatus.DONE and self.occurred_on.data and self.occurred_time.data:
            when = datetime.combine(self.occurred_on.data, self.occurred_time.data)
            if when > local_now().replace(tzinfo=None) + FUTURE_TOLERANCE:
                self.status.errors.append(
                    _l("This is in the future: mark it as planned, or correct the date.")
                )
                ok = False
        return ok

    def model_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.data,
            "status": self.status.data,
            "occurred_on": self.occurred_on.data,
            "occurred_time": self.occurred_time.data,
            "user_id": self.user_id.data,
            "contact_id": self.contact_id.data,
            "subject": self.subject.data,
            "body": self.body.data,
            "outcome": self.outcome.data,
            "next_step": self.next_step.data,
        }


class NewInteractionForm(InteractionForm):
    """Logging an interaction can also create the follow-up it calls for."""

    create_follow_up = BooleanField(_l("Create a follow-up"))
    follow_up_title = StrippedStringField(
        _l("What to do"),
        validators=[Optional(), Length(max=200)],
        description=_l("Leave empty to use the next step."),
    )
    follow_up_due_date = DateField(_l("Due date"), validators=[Optional()])
    follow_up_assignee_id = SelectField(_l("Assigned to"), coerce=optional_int, validators=[Optional()])

    def set_choices(self, staff: Iterable[User], contacts: Iterable[Contact]) -> None:
        staff = list(staff)
        super().set_choices(staff, contacts)
        self.follow_up_assignee_id.choices = [SelectChoice(u.id, u.full_name) for u in staff]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not self.wants_follow_up:
            return ok
        if self.follow_up_due_date.data is None and not self.follow_up_due_date.errors:
            self.follow_up_due_date.errors.append(_l("Enter the date the follow-up is due."))
            ok = False
        if not (self.follow_up_title.data or self.next_step.data):
            self.follow_up_title.errors.append(_l("Say what to do, or fill in the next step."))
            ok = False
        if self.follow_up_assignee_id.data is None:
            self.follow_up_assignee_id.errors.append(_l("Choose who will do it."))
            ok = False
        return ok

    @property
    def wants_follow_up(self) -> bool:
        """Ticked, or a due date or task typed in: nobody fills those in to have them ignored."""
        return bool(
            self.create_follow_up.data or self.follow_up_due_date.data or self.follow_up_title.data
        )

    def follow_up_data(self) -> dict[str, Any] | None:
        if not self.wants_follow_up:
            return None
        return {
            "title": self.follow_up_title.data or self.next_step.data,
            "due_date": self.follow_up_due_date.data,
            "assignee_id": self.follow_up_assignee_id.data,
            "contact_id": self.contact_id.data,
        }


class ActivityFilterForm(FlaskForm):
    """The filters of the activity list (a GET form)."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Kind"),
        choices=enum_choices(InteractionKind, blank=True),
        coerce=optional_enum(InteractionKind),
        validators=[Optional()],
    )
    user = SelectField(_l("By"), coerce=optional_int, validators=[Optional()])
    outcome = SelectField(
        _l("Outcome"),
        choices=enum_choices(InteractionOutcome, blank=True),
        coerce=optional_enum(InteractionOutcome),
        validators=[Optional()],
    )
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def set_choices(self, staff: Iterable[User]) -> None:
        self.user.choices = [SelectChoice("", NO_CHOICE)] + [SelectChoice(u.id, u.full_name) for u in staff]
