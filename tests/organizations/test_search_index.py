"""SQLite's trigram full-text index finds exactly what the plain LIKE search finds."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.organizations.models import Organization
from crm.organizations.search import search_condition
from crm.organizations.services import refresh_search_text

QUERIES = [
    "pelletteria", "PELLETTERIA rossi", "rossi", "s.r.l.", "0123", "01234567897", "ca", "la ca",
    "città", "d'arno", 'say "hi"', "100%", "under_score", "zzz", "ross",
]


def _ids(condition) -> list[int]:
    return sorted(db.session.scalars(select(Organization.id).where(condition)))


@pytest.fixture
def orgs(make_org):
    made = [
        make_org(legal_name="Pelletteria Rossi S.r.l.", vat_number="01234567897"),
        make_org(legal_name="Città d'Arno Società Cooperativa", notes='dice "hi" al 100%'),
        make_org(legal_name="Casa Rossa", trade_name="La Ca' Rossa", notes="under_score"),
        make_org(legal_name="Bar Centrale"),
    ]
    for org in made:
        refresh_search_text(org)
    db.session.commit()
    return made


@pytest.mark.parametrize("query", QUERIES)
def test_index_and_scan_agree(orgs, query):
    """Every query gives the same organizations through the index as through a scan."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the full-text table exists on SQLite only")
    scanned = _ids(search_condition(Organization.search_text, query))
    indexed = _ids(search_condition(Organization.search_text, query, trigram_index_of=Organization.id))
    assert indexed == scanned


def test_index_follows_edits_and_deletions(orgs):
    """The triggers keep the index in step: a renamed organization is found by its new name only,
    a deleted one no more."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the full-text table exists on SQLite only")
    first, _second, third, _fourth = orgs

    def found(query: str) -> list[int]:
        return _ids(search_condition(Organization.search_text, query, trigram_index_of=Organization.id))

    assert found("pelletteria") == [first.id]
    first.legal_name = "Calzaturificio Verdi S.p.A."
    refresh_search_text(first)
    db.session.commit()
    assert found("pelletteria") == []
    assert found("calzaturificio") == [first.id]
    db.session.delete(third)
    db.session.commit()
    assert found("rossa") == []
