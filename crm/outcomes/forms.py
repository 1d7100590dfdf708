"""Forms: the assumptions (one value and one source per parameter), income support, freezing."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from crm.forms import StrippedStringField
from crm.labels import choices as enum_choices
from crm.outcomes.assumptions import PARAMETERS, AssumptionError, Parameter, coerce
from crm.outcomes.models import BenefitScheme


def _value_validator(param: Parameter) -> Any:
    def check(form: Any, field: Any) -> None:
        try:
            coerce(param, field.data)
        except AssumptionError as exc:
            if "range" in str(exc):
                raise ValidationError(
                    _l(
                        "Outside the allowed range (%(low)s–%(high)s).",
                        low=param.minimum,
                        high=param.maximum or "∞",
                    )
                ) from exc
            raise ValidationError(_l("Enter a number.")) from exc

    return check


class AssumptionsForm(FlaskForm):
    note = StrippedStringField(
        _l("Why the change"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("Kept with the version."),
    )

    @classmethod
    def build(cls, values: dict[str, Any], sources: dict[str, str], formdata: Any = None) -> AssumptionsForm:
        """A form with a value field and a source field per parameter, filled with ``values``."""

        class _Form(cls):  # type: ignore[valid-type,misc]
            pass

        for p in PARAMETERS:
            if p.kind == "bool":
                setattr(_Form, f"value_{p.key}", BooleanField(p.label))
            else:
                setattr(
                    _Form,
                    f"value_{p.key}",
                    StrippedStringField(p.label, validators=[InputRequired(), _value_validator(p)]),
                )
            setattr(
                _Form,
                f"source_{p.key}",
                TextAreaField(
                    _l("Source"), validators=[InputRequired(), Length(max=1000)], render_kw={"rows": 2}
                ),
            )
        data = {f"value_{p.key}": values.get(p.key, p.default) for p in PARAMETERS}
        data |= {f"source_{p.key}": sources.get(p.key, p.source) for p in PARAMETERS}
        if formdata is not None:
            return _Form(formdata=formdata)
        return _Form(data=data)

    def parameter_fields(self) -> list[tuple[Parameter, Any, Any]]:
        return [(p, self[f"value_{p.key}"], self[f"source_{p.key}"]) for p in PARAMETERS]

    def values(self) -> dict[str, Any]:
        return {p.key: self[f"value_{p.key}"].data for p in PARAMETERS}

    def sources(self) -> dict[str, str]:
        return {p.key: self[f"source_{p.key}"].data for p in PARAMETERS}


class BenefitForm(FlaskForm):
    scheme = SelectField(_l("Income support"), validators=[DataRequired()])
    monthly_amount = DecimalField(
        _l("Monthly amount (€)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=10000)],
        description=_l("Empty: the amount of the current assumptions for this scheme."),
    )
    started_on = DateField(_l("Received since"), validators=[InputRequired()])
    entitled_until = DateField(
        _l("Entitled until"),
        validators=[Optional()],
        description=_l(
            "When the support would have ended anyway (e.g. the end of the NASpI); empty if unknown."
        ),
    )
    note = StrippedStringField(_l("Note"), validators=[Length(max=300)])

    def set_choices(self) -> None:
        self.scheme.choices = enum_choices(BenefitScheme)

    def validate_entitled_until(self, field: Any) -> None:
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError(_l("The entitlement cannot end before it starts."))


class FreezeForm(FlaskForm):
    period_from = DateField(_l("From"), validators=[InputRequired()])
    period_to = DateField(_l("To"), validators=[InputRequired()])
    note = StrippedStringField(_l("Note"), validators=[Length(max=300)])

    def validate_period_to(self, field: Any) -> None:
        if field.data and self.period_from.data and field.data < self.period_from.data:
            raise ValidationError(_l("The period ends before it starts."))
