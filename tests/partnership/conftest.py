"""Builders for the partnership tests: offices, referrers, referred people, plans (services only)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from crm.auth.models import Role
from crm.candidates.services import create_candidate
from crm.extensions import db
from crm.partnership.models import NotifyMode, Referrer, ReferringOffice
from crm.partnership.services import create_plan, refer_person

FIRENZE = "048017"


@pytest.fixture(autouse=True)
def _english_interface(app: Any) -> Iterator[None]:
    """These tests read English messages (the Italian catalog is checked by tests/test_i18n.py)."""
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


@pytest.fixture
def make_office() -> Any:
    counter = {"n": 0}

    def _make(**fields: Any) -> ReferringOffice:
        counter["n"] += 1
        office = ReferringOffice(
            name=fields.pop("name", f"Servizio Sociale Q{counter['n']}"), active=True, **fields
        )
        db.session.add(office)
        db.session.commit()
        return office

    return _make


@pytest.fixture
def make_referrer(make_user: Any, make_office: Any) -> Any:
    def _make(office: ReferringOffice | None = None, **fields: Any) -> Any:
        office = office or make_office()
        user = make_user(Role.REFERRER, **fields)
        db.session.add(Referrer(user=user, office=office, notify=NotifyMode.INSTANT))
        db.session.commit()
        return user

    return _make


@pytest.fixture
def refer() -> Any:
    """A referrer refers a person through the service: returns the referral."""
    counter = {"n": 0}

    def _refer(referrer: Any, **identity: Any) -> Any:
        counter["n"] += 1
        data = {
            "first_name": f"Nome{counter['n']}",
            "last_name": f"Riferito{counter['n']}",
            "comune_code": FIRENZE,
        }
        data.update(identity)
        return refer_person(
            data,
            reasons=f"Disoccupata da due anni, motivo {counter['n']}",
            consent_document="Modulo consenso prot. 2026/0001",
            consent_on=date(2026, 3, 1),
            by=referrer,
            referred_on=date(2026, 3, 2),
        )

    return _refer


@pytest.fixture
def make_candidate() -> Any:
    counter = {"n": 0}

    def _make(by: Any, *, operator_id: int | None = None, **profile: Any) -> Any:
        counter["n"] += 1
        identity = {
            "first_name": f"Staff{counter['n']}",
            "last_name": f"Inserito{counter['n']}",
            "comune_code": FIRENZE,
        }
        return create_candidate(
            identity, {"referred_on": date(2026, 3, 1), **profile}, by=by, operator_id=operator_id
        )

    return _make


@pytest.fixture
def plan_data() -> dict[str, Any]:
    return {
        "goals": [
            {"text": "Ottenere il patentino del muletto", "target_on": date(2026, 5, 31)},
            {"text": "Due settimane di tirocinio in logistica"},
        ],
        "supports": [{"kind": "transport", "detail": "Abbonamento ATAF", "provider": "Comune"}],
        "next_review_on": date(2026, 6, 15),
        "shared_note": "Incontro fissato",
    }


@pytest.fixture
def make_plan(plan_data: dict[str, Any]) -> Any:
    def _make(candidate: Any, by: Any) -> Any:
        return create_plan(candidate, plan_data, by=by)

    return _make
