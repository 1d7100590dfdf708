"""Organization search: one folded text column per organization, matched term by term.

People search the way they remember: part of a name, a Partita IVA, a contact's surname, a word from
the notes, with or without accents. Every term must appear somewhere (AND), in any order. On
PostgreSQL a trigram GIN index serves the ``LIKE '%term%'`` tests; on SQLite an FTS5 table with the
trigram tokenizer (``organization_search``, kept in step by triggers) finds the rows holding every
term of three letters or more, and shorter terms are tested with ``LIKE`` on those rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, column, select, table, text

from crm.reference.places import fold

MAX_TERMS = 8


def build_search_text(
    *,
    legal_name: str | None,
    trade_name: str | None = None,
    vat_number: str | None = None,
    tax_code: str | None = None,
    notes: str | None = None,
    address: str | None = None,
    email: str | None = None,
    contacts: Iterable[Any] = (),
) -> str:
    """The folded text an organization is found by (contacts: objects with name, role and e-mail)."""
    parts: list[str] = [legal_name or "", trade_name or "", vat_number or "", tax_code or ""]
    parts += [address or "", email or "", notes or ""]
    for contact in contacts:
        parts += [
            getattr(contact, "first_name", "") or "",
            getattr(contact, "last_name", "") or "",
            getattr(contact, "role", "") or "",
            getattr(contact, "email", "") or "",
        ]
    return fold(" ".join(p for p in parts if p))


def search_terms(query: str | None) -> list[str]:
    """The folded words of a query, longest first (the most selective test runs first)."""
    if not query:
        return []
    terms = {t for t in fold(query).split() if t}
    return sorted(terms, key=len, reverse=True)[:MAX_TERMS]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: Trigram matching needs terms of at least three characters.
TRIGRAM = 3


def search_condition(
    searched: Any, query: str | None, *, trigram_index_of: Any = None
) -> ColumnElement[bool] | None:
    """A WHERE clause requiring every term of ``query`` in ``searched``, or None for no query.

    :param trigram_index_of: the id column of the rows of SQLite's ``organization_search``
        full-text table, to look the longer terms up in that index instead of scanning.
    """
    terms = search_terms(query)
    if not terms:
        return None
    indexed = [t for t in terms if len(t) >= TRIGRAM] if trigram_index_of is not None else []
    conditions = [searched.like(f"%{escape_like(t)}%", escape="\\") for t in terms if t not in indexed]
    if indexed:
        # Each term as an FTS5 phrase (double quotes doubled): a substring match, all required.
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in indexed)
        index = table("organization_search", column("rowid"))
        rows = select(index.c.rowid).where(text("organization_search MATCH :terms").bindparams(terms=match))
        conditions.insert(0, trigram_index_of.in_(rows))
    return and_(*conditions)
