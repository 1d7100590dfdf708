"""Ranking forms: the weights and parameters (a new version on every save) and a manual boost."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from crm.candidates.forms import MultiCheckboxField
from crm.forms import StrippedStringField
from crm.ranking import scoring
from crm.ranking.services import MAX_BOOST
from crm.reference.ateco import section_choices


class SettingsForm(FlaskForm):
    law68 = IntegerField(scoring.FACTOR_LABELS["law68"], validators=[InputRequired(), NumberRange(0, 100)])
    sector = IntegerField(scoring.FACTOR_LABELS["sector"], validators=[InputRequired(), NumberRange(0, 100)])
    openings = IntegerField(
        scoring.FACTOR_LABELS["openings"], validators=[InputRequired(), NumberRange(0, 100)]
    )
    relationship = IntegerField(
        scoring.FACTOR_LABELS["relationship"], validators=[InputRequired(), NumberRange(0, 100)]
    )
    size = IntegerField(scoring.FACTOR_LABELS["size"], validators=[InputRequired(), NumberRange(0, 100)])
    distance = IntegerField(
        scoring.FACTOR_LABELS["distance"], validators=[InputRequired(), NumberRange(0, 100)]
    )
    sectors = MultiCheckboxField(_l("Sectors the hub supports"))
    max_distance_km = IntegerField(
        _l("Distance that scores nothing (km)"), validators=[InputRequired(), NumberRange(1, 500)]
    )
    cooldown_days = IntegerField(
        _l("Cool-down after a refusal (days)"), validators=[InputRequired(), NumberRange(0, 1095)]
    )
    warm_days = IntegerField(
        _l("A positive outcome or placement stays warm for (days)"),
        validators=[InputRequired(), NumberRange(0, 1095)],
    )
    recent_opening_days = IntegerField(
        _l("An opening counts as recent for (days)"), validators=[InputRequired(), NumberRange(0, 1095)]
    )
    note = StrippedStringField(_l("Why the change (optional)"), validators=[Length(max=200)])

    def set_choices(self, locale: str) -> None:
        self.sectors.choices = [SelectChoice(v, t) for v, t in section_choices(locale)]

    def fill(self, weights: dict[str, Any], params: dict[str, Any]) -> None:
        for factor in scoring.FACTORS:
            getattr(self, factor).data = weights.get(factor, 0)
        for name in ("max_distance_km", "cooldown_days", "warm_days", "recent_opening_days"):
            getattr(self, name).data = params.get(name)
        self.sectors.data = list(params.get("sectors") or [])

    def validate_distance(self, field: Any) -> None:
        # Checked on the last weight, so the message stands next to the weights.
        total = sum(getattr(self, f).data or 0 for f in scoring.FACTORS)
        if total <= 0:
            raise ValidationError(_l("At least one weight must be above zero."))

    def weights(self) -> dict[str, int]:
        return {f: int(getattr(self, f).data or 0) for f in scoring.FACTORS}

    def params(self) -> dict[str, Any]:
        return {
            "sectors": list(self.sectors.data or []),
            "max_distance_km": int(self.max_distance_km.data),
            "cooldown_days": int(self.cooldown_days.data),
            "warm_days": int(self.warm_days.data),
            "recent_opening_days": int(self.recent_opening_days.data),
        }


class BoostForm(FlaskForm):
    points = IntegerField(
        _l("Points"),
        validators=[InputRequired(), NumberRange(-MAX_BOOST, MAX_BOOST)],
        description=_l("Added to the score (negative to hold the organization back), -50 to 50."),
    )
    reason = StrippedStringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    expires_on = DateField(_l("Until"), validators=[DataRequired()])

    def validate_points(self, field: Any) -> None:
        if field.data == 0:
            raise ValidationError(_l("A boost of 0 points changes nothing: remove the boost instead."))


class LearningForm(FlaskForm):
    """GET parameters of the learning report (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    horizon = SelectField(
        _l("Opening or placement within"),
        coerce=int,
        choices=[
            SelectChoice(90, _l("3 months")),
            SelectChoice(180, _l("6 months")),
            SelectChoice(365, _l("12 months")),
        ],
        default=180,
    )
