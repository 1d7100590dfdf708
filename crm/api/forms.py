"""The form that issues a personal access token (profile page)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm.api.models import TokenScope
from crm.followups.services import local_today
from crm.forms import StrippedStringField

SCOPE_LABELS = {
    TokenScope.READ: _l("Read only"),
    TokenScope.WRITE: _l("Read and write"),
}


class TokenForm(FlaskForm):
    name = StrippedStringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What it is for, e.g. “monthly report” or “import script”."),
    )
    scope = SelectField(
        _l("Access"),
        choices=[SelectChoice(s.value, SCOPE_LABELS[s]) for s in TokenScope],
        default=TokenScope.READ.value,
    )
    expires_on = DateField(
        _l("Expires on"),
        validators=[Optional()],
        description=_l("Leave empty for a token that works until you revoke it."),
    )

    def validate_expires_on(self, field: DateField) -> None:
        if field.data is not None and field.data <= local_today():
            raise ValidationError(_l("Choose a day after today."))
        if field.data is not None and field.data > date(2199, 12, 31):
            raise ValidationError(_l("Choose an earlier day."))
