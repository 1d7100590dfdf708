"""Forms for the administrators' account pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from crm.auth.models import Role
from crm.auth.services import MIN_PASSWORD_LENGTH, AccountError
from crm.labels import choices
from crm.users.services import LOCALES, normalise_staff_email, office_choices


def _office_id(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def staff_email(form: Any, field: Any) -> None:
    """E-mail syntax (no DNS), accepting the ``.local`` and ``.test`` domains of demo and test accounts."""
    if not field.data:
        return
    try:
        field.data = normalise_staff_email(field.data)
    except AccountError as exc:
        raise ValidationError(str(exc)) from exc


class _AccountForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=choices(Role), default=Role.OPERATOR.value)
    office_id = SelectField(_l("Office"), coerce=_office_id, validators=[Optional()])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice(code, name) for code, name in LOCALES], default="it"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.office_id.choices = [
            SelectChoice("", _l("— no office —")),
            *(SelectChoice(office_id, name) for office_id, name in office_choices()),
        ]


class UserCreateForm(_AccountForm):
    email = StringField(
        _l("E-mail"), validators=[DataRequired(), Length(max=254), staff_email], render_kw={"type": "email"}
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
        description=_l(
            "At least %(n)d characters. Ask the person to change it after logging in.", n=MIN_PASSWORD_LENGTH
        ),
    )
    confirm_password = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


class UserEditForm(_AccountForm):
    active = BooleanField(
        _l("Active"), description=_l("A deactivated account cannot log in; its history is kept.")
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH)],
        description=_l("Leave empty to keep the current password."),
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two passwords differ."))],
    )
