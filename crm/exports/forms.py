"""The team export form: several people, a range of days, one format."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError

from crm.candidates.forms import MultiCheckboxField
from crm.exports.services import MAX_EXPORT_DAYS

FORMAT_LABELS = {
    "pdf": _l("Day sheets (.pdf)"),
    "ics": _l("Calendar (.ics)"),
    "csv": _l("Sheet (.csv)"),
    "gpx": _l("Route (.gpx)"),
    "kml": _l("Route (.kml)"),
    "vcf": _l("Address book (vCard) (.vcf)"),
}


class TeamExportForm(FlaskForm):
    staff_ids = MultiCheckboxField(_l("People"), coerce=int)
    first = DateField(_l("First day"), validators=[InputRequired()])
    days = IntegerField(_l("Days"), default=5, validators=[InputRequired(), NumberRange(1, MAX_EXPORT_DAYS)])
    fmt = SelectField(
        _l("Format"), choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()], default="pdf"
    )

    def validate_days(self, field: Any) -> None:
        if self.first.data and field.data and self.first.data.year >= 9999:
            raise ValidationError(_l("Choose an earlier first day."))

    def validate_staff_ids(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one person."))
