from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from crm.auth.models import User
from crm.contacts.forms import NO_CHOICE, StrippedTextAreaField, optional_int
from crm.contacts.models import Contact
from crm.forms import StrippedStringField


class FollowUpForm(FlaskForm):
    title = StrippedStringField(_l("What to do"), validators=[DataRequired(), Length(max=200)])
    due_date = DateField(
        _l("Due date"), validators=[DataRequired(message=_l("Enter the date it is due."))]
    )
    assignee_id = SelectField(
        _l("Assigned to"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Choose who will do it."))],
    )
    contact_id = SelectField(_l("Contact"), coerce=optional_int, validators=[Optional()])
    notes = StrippedTextAreaField(_l("Notes"), render_kw={"rows": 3})

    def set_choices(self, assignees: Iterable[User], contacts: Iterable[Contact]) -> None:
        self.assignee_id.choices = [SelectChoice(u.id, u.full_name) for u in assignees]
        self.contact_id.choices = [SelectChoice("", NO_CHOICE)] + [
            SelectChoice(c.id, c.full_name) for c in contacts
        ]

    def model_data(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "notes": self.notes.data,
            "due_date": self.due_date.data,
            "assignee_id": self.assignee_id.data,
            "contact_id": self.contact_id.data,
        }


class BoardFilterForm(FlaskForm):
    """Coordinators look at someone else's follow-ups, or everyone's."""

    class Meta:
        csrf = False

    assignee = SelectField(_l("Whose"), validators=[Optional()])

    def set_choices(self, me: User, staff: Iterable[User], *, everyone: str) -> None:
        self.assignee.choices = [
            SelectChoice(str(me.id), _l("Mine")),
            SelectChoice(everyone, _l("Everyone")),
        ] + [SelectChoice(str(u.id), u.full_name) for u in staff if u.id != me.id]
