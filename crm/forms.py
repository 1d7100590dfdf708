"""Form fields and validators shared by the feature modules."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import codicefiscale, iva
from wtforms import Field, SelectField, StringField, widgets
from wtforms.validators import ValidationError

from crm.phones import InvalidPhoneNumber, normalise_phone


class PhoneField(StringField):
    """A phone number typed any way a person types it, kept as E.164 in ``data``."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.raw_text = self.data
        if not self.data or not str(self.data).strip():
            self.data = None
            return
        try:
            self.data = normalise_phone(self.data, current_app.config["DEFAULT_PHONE_REGION"])
        except InvalidPhoneNumber:
            # Keep what was typed so the form re-renders it for correction.
            self.data = self.raw_text
            raise ValueError(_l("Not a valid phone number.")) from None

    def _value(self) -> str:
        from crm.phones import display_phone

        if self.raw_data:
            return str(self.raw_data[0])
        return display_phone(self.data) if self.data else ""


class StrippedStringField(StringField):
    """Text with surrounding blanks removed; an empty value becomes None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip() or None


def validate_vat_number(form: Any, field: Field) -> None:
    """Partita IVA: 11 digits with the Luhn-style check digit (python-stdnum)."""
    if not field.data:
        return
    try:
        field.data = iva.validate(field.data)
    except StdnumValidationError as exc:
        raise ValidationError(
            _l("This Partita IVA is not valid: 11 digits with a correct check digit are expected.")
        ) from exc


def validate_tax_code(form: Any, field: Field) -> None:
    """Codice fiscale: 16 characters for a person, 11 digits for a company or body."""
    if not field.data:
        return
    value = str(field.data).replace(" ", "").upper()
    try:
        if len(value) == 11:
            field.data = iva.validate(value)
        else:
            field.data = codicefiscale.validate(value)
    except StdnumValidationError as exc:
        raise ValidationError(
            _l(
                "This codice fiscale is not valid: 16 characters for a person or 11 digits "
                "for a company, with a correct check character."
            )
        ) from exc


_OPTION = Markup('<option value="%s">%s</option>')
_SELECTED_OPTION = Markup('<option selected value="%s">%s</option>')


class PlainOptionsSelect(widgets.Select):
    """WTForms' select widget, writing plain options directly.

    WTForms builds each option's attributes with its generic ``html_params`` (a ``Markup.format``
    per attribute): the seven filters of the organization list, about 110 options, took 2.9 ms of a
    15 ms page. An option with no attributes of its own is written here, exactly as WTForms writes
    it (a test compares them); any other goes through WTForms.
    """

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        value = choice.value
        if kwargs or choice.render_kw or isinstance(value, bool) or not isinstance(value, str | int):
            return super().render_option(choice, **kwargs)
        # Markup's % escapes the value and the label.
        template = _SELECTED_OPTION if choice.selected else _OPTION
        return template % (value, choice.label or value)


class PlainOptionsSelectField(SelectField):
    """A select field rendered with :class:`PlainOptionsSelect` (for long lists of options)."""

    widget = PlainOptionsSelect()
