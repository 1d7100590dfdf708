"""Phone numbers: stored in E.164, shown the Italian way (``055 123 4567``)."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    """The text is not a dialable phone number."""


def normalise_phone(raw: str | None, region: str = "IT") -> str | None:
    """Parse what a person typed (``055 123456``, ``+39 055-123456``) into E.164, or None if empty.

    :raises InvalidPhoneNumber: when the text is not a valid number for ``region`` or internationally.
    """
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None, region: str = "IT") -> str:
    """National format for numbers of ``region``, international format for the others."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
