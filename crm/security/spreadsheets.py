"""CSV/formula injection: a text cell that a spreadsheet would run as a formula is made inert.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, after a tab or carriage return, the same), which lets a value typed into the CRM (an
organization's name, a note) run a formula or a DDE command on the computer of whoever opens the
export. Such cells get a leading apostrophe (OWASP's advice), which spreadsheets show as text.
Values that are plainly numbers (``-5``, ``+39 055 123456``) cannot run anything and are kept.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"^[+-]?[\d\s.,()/]+$")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would evaluate; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise_row(row: Any) -> list[Any]:
    return [neutralise_cell(v) for v in row]
