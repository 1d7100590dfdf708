"""What the import's issue codes mean, in the reader's language (the screens, the rejects file, the CLI)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from crm.imports.parsing import Issue

#: Message of each issue code. Parameters: ``value`` (the cell as written), ``cap``, ``comune``…
ISSUE_MESSAGES: dict[str, Any] = {
    # Reasons to reject a row.
    "missing_name": _l("missing name"),
    "bad_vat_checksum": _l("bad Partita IVA checksum: %(value)s"),
    "bad_vat": _l("bad Partita IVA (11 digits expected): %(value)s"),
    "bad_vat_office": _l("bad Partita IVA: digits 8 to 10 are not a tax office code: %(value)s"),
    "bad_tax_code": _l("bad codice fiscale: %(value)s"),
    "bad_employees": _l("employees is not a whole number: %(value)s"),
    "unknown_comune": _l("unknown comune: %(value)s"),
    "ambiguous_comune": _l("ambiguous comune: %(value)s (%(candidates)s)"),
    "missing_comune": _l("missing comune"),
    "shared_cap": _l("missing comune: CAP %(cap)s belongs to several comuni"),
    "same_as_line": _l("same organization as line %(line)s of this file"),
    "database_error": _l("the database refused the row: %(detail)s"),
    "organization_gone": _l("the organization chosen for this row no longer exists"),
    # Possible duplicates.
    "possible_duplicate": _l("possible duplicate of “%(name)s” (similarity %(score)s%%)"),
    # Warnings: the row was kept without the value.
    "bad_phone": _l("phone number not valid, left out: %(value)s"),
    "bad_email": _l("e-mail address not valid, left out: %(value)s"),
    "bad_pec": _l("PEC address not valid, left out: %(value)s"),
    "bad_website": _l("website not valid, left out: %(value)s"),
    "bad_cap": _l("CAP not valid, left out: %(value)s"),
    "cap_mismatch": _l("CAP %(cap)s is not a CAP of %(comune)s, left out"),
    "comune_from_cap": _l("comune taken from CAP %(cap)s: %(comune)s"),
    "unknown_ateco": _l("unknown ATECO code, left out: %(value)s"),
    "unknown_kind": _l("kind not recognised, left out: %(value)s"),
    "unknown_status": _l("status not recognised, left out: %(value)s"),
    "truncated": _l("%(field)s too long, cut to %(max)s characters"),
}


def describe(code: str, params: dict[str, Any] | None = None) -> str:
    """One issue as a sentence in the current language."""
    message = ISSUE_MESSAGES.get(code)
    if message is None:
        return code
    template = str(message)  # translated now, in the current language
    if not params:
        return template
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template


def describe_all(issues: Iterable[Issue | Sequence[Any]]) -> str:
    """Several issues, joined with semicolons (``Issue`` objects or their JSON ``[code, params]``)."""
    parts = []
    for issue in issues:
        if isinstance(issue, Issue):
            parts.append(describe(issue.code, issue.params))
        else:
            parts.append(describe(issue[0], issue[1] if len(issue) > 1 else None))
    return "; ".join(parts)


#: Why a whole file cannot be imported (``ImportFileError.code``).
FILE_ERROR_MESSAGES: dict[str, Any] = {
    "unknown_format": _l("Only CSV and Excel (.xlsx) files can be imported."),
    "unreadable": _l("The file could not be read (%(detail)s). Is it really a CSV or XLSX file?"),
    "empty": _l("The file is empty: there is no header row with the column names."),
    "no_sheet": _l("The workbook has no sheet called “%(detail)s”."),
}


def describe_file_error(code: str, detail: str = "") -> str:
    message = FILE_ERROR_MESSAGES.get(code)
    if message is None:
        return code
    template = str(message)
    return template % {"detail": detail} if "%(detail)s" in template else template
