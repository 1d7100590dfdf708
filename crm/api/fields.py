"""Marshmallow fields shared by the API's schemas, with the limits the database can hold."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import validate

#: The largest id a 32-bit INTEGER column holds: larger ones are "not found", never a database error.
MAX_ID = 2**31 - 1
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2199, 12, 31)

# NUL and the other C0 controls (tab, line feed and carriage return allowed): PostgreSQL refuses NUL
# in text, and nobody types the others.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_characters(value: str) -> None:
    if _CONTROL.search(value):
        raise ma.ValidationError("Control characters are not allowed.")


class Text(ma.fields.String):
    """A string without control characters, at most ``max_length`` long."""

    def __init__(self, *, max_length: int | None = None, **kwargs: Any) -> None:
        validators = [_no_control_characters]
        if max_length is not None:
            validators.append(validate.Length(max=max_length))
        extra = kwargs.pop("validate", None)
        if extra is not None:
            validators.extend(extra if isinstance(extra, list) else [extra])
        super().__init__(validate=validators, **kwargs)


def Id(*, query: bool = False, **kwargs: Any) -> ma.fields.Integer:
    """An id: an integer in JSON bodies; in a query string, digits."""
    return ma.fields.Integer(strict=not query, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def Day(**kwargs: Any) -> ma.fields.Date:
    return ma.fields.Date(validate=validate.Range(min=FIRST_DATE, max=LAST_DATE), **kwargs)


def Enum(enum_cls: Any, **kwargs: Any) -> ma.fields.Enum:
    return ma.fields.Enum(enum_cls, by_value=True, **kwargs)
