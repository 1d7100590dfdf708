"""Office form: the hub's desks, with a comune, its postal code and a point on the map."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from crm.forms import PhoneField, StrippedStringField
from crm.reference.places import cap_matches_comune, comune_by_code, comune_choices


class OfficeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    address = StringField(
        _l("Address"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Street and number, e.g. Via dei Servi, 38"),
    )
    cap = StrippedStringField(
        _l("CAP"),
        validators=[Optional(), Regexp(r"^\d{5}$", message=_l("A CAP has 5 digits."))],
    )
    comune_code = SelectField(_l("Comune"), validators=[DataRequired()])
    latitude = FloatField(
        _l("Latitude"),
        validators=[Optional(), NumberRange(min=-90, max=90)],
        description=_l("Leave empty to use the comune's centre."),
    )
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180)])
    phone = PhoneField(_l("Phone"))
    notes = TextAreaField(_l("Notes"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.comune_code.choices = [SelectChoice(code, name) for code, name in comune_choices()]

    def validate_cap(self, field: Any) -> None:
        comune = comune_by_code(self.comune_code.data)
        if field.data and comune is not None and not cap_matches_comune(field.data, comune):
            raise ValidationError(
                _l("The CAP %(cap)s does not belong to %(comune)s.", cap=field.data, comune=comune.name)
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() stops the chain of an empty field before it would run.
        if (self.latitude.data is None) != (self.longitude.data is None) and not (
            self.latitude.errors or self.longitude.errors
        ):
            empty = self.longitude if self.longitude.data is None else self.latitude
            empty.errors = [*empty.errors, _l("Give both latitude and longitude, or neither.")]
            return False
        return valid
