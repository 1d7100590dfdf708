"""The access log's notes (its "detail" column): stored in English, shown in the reader's language.

A note is one of the messages marked here and at the call sites with ``N_`` (so the catalogue holds
them), stored as its English text. Values that are not words of the interface (a file format, a
referrer's name, an opening's number) follow it after :data:`VALUES`; field names follow
:data:`FIELDS` and are translated one by one. Notes stored before this module existed, or free text,
are shown as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext
from flask_babel import lazy_gettext as _l


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated when the note is shown."""
    return message


#: Between a note and its values.
VALUES = " — "

FIELDS = N_("fields")

#: The candidate fields whose names a note can list (identity and sensitive notes).
FIELD_NAMES = {
    "first_name": _l("first name"),
    "last_name": _l("last name"),
    "tax_code": _l("tax code"),
    "phone": _l("phone"),
    "email": _l("e-mail"),
    "comune_code": _l("comune"),
    "health": _l("health"),
    "disability": _l("disability"),
    "legal": _l("legal situation"),
}


def note(message: str, *values: object) -> str:
    """The note to store: ``message`` (marked with ``N_``), then its values, if any."""
    shown = [str(v) for v in values if v not in (None, "")]
    return message + VALUES + ", ".join(shown) if shown else message


def fields_note(names: Iterable[str]) -> str:
    """A note listing changed fields by their names (translated when shown)."""
    return note(FIELDS, *names)


def describe_note(stored: str | None) -> str:
    """``stored`` in the current language."""
    if not stored:
        return ""
    message, separator, values = stored.partition(VALUES)
    text = gettext(message)
    if not separator:
        return text
    if message == FIELDS:
        values = ", ".join(str(FIELD_NAMES.get(name.strip(), name.strip())) for name in values.split(","))
    return text + separator + values
