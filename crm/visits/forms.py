"""The plan-visits form: days, one row per staff member, one row per organization."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from crm.visits.planning import (
    DEFAULT_LUNCH_FROM,
    DEFAULT_LUNCH_MINUTES,
    DEFAULT_LUNCH_TO,
    DEFAULT_PRIORITY,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    TRAVEL_MODE_LABELS,
    PlanRequest,
    StaffSpec,
    StopSpec,
)
from routing import TravelMode

ANYONE = 0


class StaffRowForm(Form):
    """One staff member: included or not, how they travel, where and when they work."""

    user_id = IntegerField(widget=HiddenInput())
    include = BooleanField(_l("Include"))
    mode = SelectField(
        _l("Travel mode"),
        choices=[SelectChoice(m.value, label) for m, label in TRAVEL_MODE_LABELS.items()],
        default=TravelMode.CAR.value,
    )
    start_office_id = SelectField(_l("Starts at"), coerce=int, validate_choice=False)
    end_office_id = SelectField(_l("Ends at"), coerce=int, validate_choice=False)
    work_start = TimeField(_l("From"), default=DEFAULT_WORK_START, validators=[DataRequired()])
    work_end = TimeField(_l("To"), default=DEFAULT_WORK_END, validators=[DataRequired()])
    lunch_minutes = IntegerField(
        _l("Lunch (minutes)"), default=DEFAULT_LUNCH_MINUTES, validators=[NumberRange(0, 120)]
    )
    lunch_from = TimeField(_l("Lunch not before"), default=DEFAULT_LUNCH_FROM, validators=[DataRequired()])
    lunch_to = TimeField(_l("Lunch over by"), default=DEFAULT_LUNCH_TO, validators=[DataRequired()])
    max_visits = IntegerField(_l("Max visits"), validators=[Optional(), NumberRange(1, 30)])

    def to_spec(self) -> StaffSpec:
        return StaffSpec(
            user_id=int(self.user_id.data),
            mode=TravelMode(self.mode.data),
            start_office_id=self.start_office_id.data or None,
            end_office_id=self.end_office_id.data or self.start_office_id.data or None,
            work_start=self.work_start.data,
            work_end=self.work_end.data,
            lunch_minutes=self.lunch_minutes.data or 0,
            lunch_from=self.lunch_from.data,
            lunch_to=self.lunch_to.data,
            max_visits=self.max_visits.data,
        )


class StopRowForm(Form):
    """One organization: included or not, visit length, priority, appointment, operator."""

    organization_id = IntegerField(widget=HiddenInput())
    include = BooleanField(_l("Visit"), default=True)
    minutes = IntegerField(_l("Minutes"), validators=[DataRequired(), NumberRange(5, 480)])
    priority = IntegerField(
        _l("Priority"), default=DEFAULT_PRIORITY, validators=[Optional(), NumberRange(0, 100)]
    )
    appointment_date = DateField(_l("Appointment day"), validators=[Optional()])
    appointment_time = TimeField(_l("Appointment time"), validators=[Optional()])
    staff_id = SelectField(_l("Operator"), coerce=int, default=ANYONE, validate_choice=False)

    # One check per field: Optional() stops the checks of an empty field, so a day without a time
    # is caught on the day and a time without a day on the time (the first was silently dropped).
    def validate_appointment_date(self, field: Any) -> None:
        if field.data and not self.appointment_time.data:
            raise ValidationError(_l("Give both the day and the time of the appointment."))

    def validate_appointment_time(self, field: Any) -> None:
        if field.data and not self.appointment_date.data:
            raise ValidationError(_l("Give both the day and the time of the appointment."))

    def to_spec(self) -> StopSpec:
        appointment = None
        if self.appointment_date.data and self.appointment_time.data:
            appointment = datetime.combine(self.appointment_date.data, self.appointment_time.data)
        return StopSpec(
            organization_id=int(self.organization_id.data),
            minutes=int(self.minutes.data),
            priority=DEFAULT_PRIORITY if self.priority.data is None else int(self.priority.data),
            appointment=appointment,
            staff_id=self.staff_id.data or None,
        )


class PlanForm(FlaskForm):
    first_day = DateField(_l("Day"), validators=[DataRequired()])
    last_day = DateField(_l("Until (optional)"), validators=[Optional()])
    skip_weekends = BooleanField(_l("Skip Saturdays and Sundays in a range"), default=True)
    purpose = StringField(_l("Purpose of the visits"), validators=[Optional(), Length(max=150)])
    seconds = IntegerField(_l("Time to search (seconds)"), validators=[DataRequired(), NumberRange(1, 30)])
    add_follow_ups = BooleanField(_l("Add organizations with follow-ups due in the period"))
    top = IntegerField(
        _l("Add the N most important organizations not visited recently"),
        validators=[Optional(), NumberRange(0, 100)],
    )
    staff = FieldList(FormField(StaffRowForm))
    stops = FieldList(FormField(StopRowForm))
    refresh = SubmitField(_l("Update the list"))
    solve = SubmitField(_l("Plan the visits"))

    def validate_last_day(self, field: Any) -> None:
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day must not be before the first."))

    def set_choices(self, offices: Sequence[Any], staff: Sequence[Any]) -> None:
        office_choices = [SelectChoice(o.id, o.name) for o in offices]
        staff_choices = [SelectChoice(ANYONE, _l("Anyone"))] + [
            SelectChoice(u.id, u.full_name) for u in staff
        ]
        for row in self.staff:
            row.form.start_office_id.choices = office_choices
            row.form.end_office_id.choices = office_choices
        for row in self.stops:
            row.form.staff_id.choices = staff_choices

    def stop_ids(self) -> list[int]:
        return [int(row.form.organization_id.data) for row in self.stops if row.form.organization_id.data]

    def add_stop(self, organization_id: int, minutes: int, priority: int = DEFAULT_PRIORITY) -> bool:
        """Append a row unless the organization is already listed."""
        if organization_id in self.stop_ids():
            return False
        self.stops.append_entry(
            {
                "organization_id": organization_id,
                "include": True,
                "minutes": minutes,
                "priority": priority,
                "staff_id": ANYONE,
            }
        )
        return True

    def to_request(self, days: Sequence[date]) -> PlanRequest:
        return PlanRequest(
            days=tuple(days),
            staff=tuple(row.form.to_spec() for row in self.staff if row.form.include.data),
            stops=tuple(row.form.to_spec() for row in self.stops if row.form.include.data),
            seconds=int(self.seconds.data),
            purpose=self.purpose.data or None,
        )
