"""Builders for candidates, skills and openings (services only: the rules are theirs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from crm.candidates.models import Skill
from crm.candidates.services import create_candidate
from crm.extensions import db
from crm.organizations.models import GeoPrecision, Organization

#: Valid codici fiscali (python-stdnum check character) of fictional people.
TAX_CODES = ("RSSMRA85T10A562S", "BNCLRA90A41D612J", "VRDGPP70C15H501K")

FIRENZE = "048017"
EMPOLI = "048014"
FIRENZUOLA = "048018"


@pytest.fixture
def skills() -> dict[str, Skill]:
    names = ("Pulizie", "Magazzino", "Carrello elevatore", "Cucina", "Cassa")
    items = {n: Skill(name=n) for n in names}
    db.session.add_all(items.values())
    db.session.commit()
    return items


@pytest.fixture
def make_candidate() -> Any:
    counter = {"n": 0}

    def _make(by: Any, *, operator_id: int | None = None, skills: list[Skill] = (), **overrides: Any) -> Any:
        counter["n"] += 1
        identity = {
            "first_name": overrides.pop("first_name", f"Nome{counter['n']}"),
            "last_name": overrides.pop("last_name", f"Cognome{counter['n']}"),
            "tax_code": overrides.pop("tax_code", None),
            "phone": overrides.pop("phone", "+393331234567"),
            "email": overrides.pop("email", f"persona{counter['n']}@example.org"),
            "comune_code": overrides.pop("comune_code", FIRENZE),
        }
        profile = {
            "referred_on": date(2026, 3, 1),
            "referring_office": "Servizio Sociale Q4",
            "case_worker": "Dott.ssa Assistente",
            "hours_per_week": 30,
            "shifts": ["morning"],
            "available_days": ["mon", "tue", "wed", "thu", "fri"],
            "sectors": ["N"],
            "languages": ["Italiano (madrelingua)"],
            **overrides,
        }
        return create_candidate(
            identity, profile, by=by, operator_id=operator_id, skill_ids=[s.id for s in skills]
        )

    return _make


@pytest.fixture
def organization(coordinator: Any) -> Organization:
    org = Organization(
        legal_name="Pulizie Arno S.r.l.",
        comune_code=FIRENZE,
        address="Via Toscana 1",
        latitude=43.7696,
        longitude=11.2558,
        geo_precision=GeoPrecision.STREET,
        ateco_section="N",
        search_text="pulizie arno",
        owner_id=coordinator.id,
    )
    db.session.add(org)
    db.session.commit()
    return org


@pytest.fixture(autouse=True)
def _english_interface(app: Any) -> Iterator[None]:
    """These tests read English messages: outside requests, and for users made here, the
    interface speaks English (the Italian catalog is checked by tests/test_i18n.py)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def make_user(make_user: Any) -> Any:
    """The project's ``make_user``, with English as the users' interface language."""

    def _make(*args: Any, **fields: Any) -> Any:
        fields.setdefault("locale", "en")
        return make_user(*args, **fields)

    return _make
