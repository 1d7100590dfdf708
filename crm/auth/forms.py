from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    # No syntax check here: a wrong address simply fails to log in, and the demo's
    # ``@demo.local`` addresses are a reserved domain that e-mail validators refuse.
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in"))


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("it", "Italiano"), SelectChoice("en", "English")]
    )
    current_password = PasswordField(_l("Current password"), validators=[Optional()])
    new_password = PasswordField(_l("New password"), validators=[Optional(), Length(min=8)])
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two passwords differ."))],
    )
