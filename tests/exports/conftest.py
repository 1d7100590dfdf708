"""Export fixtures: an operator with an office, organizations in Florence, planned visits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from crm.auth.models import Role, User
from crm.contacts.models import Contact
from crm.extensions import db
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus
from crm.offices.models import Office
from crm.organizations.models import Organization


@pytest.fixture
def make_user(make_user: Any) -> Any:
    """The project's ``make_user``, with an English interface so tests can read the messages."""

    def _make(*args: Any, **fields: Any) -> Any:
        fields.setdefault("locale", "en")
        return make_user(*args, **fields)

    return _make


@pytest.fixture
def office() -> Office:
    office = Office(
        name="Hub Firenze", address="Piazza della Stazione 1", cap="50123", comune_code="048017",
        latitude=43.7764, longitude=11.2480,
    )
    db.session.add(office)
    db.session.commit()
    return office


@pytest.fixture
def field_operator(make_user: Any, office: Office) -> User:
    return make_user(Role.OPERATOR, email="anna@test.local", full_name="Anna Rossi", office_id=office.id)


@pytest.fixture
def make_org() -> Any:
    counter = {"n": 0}

    def _make(**fields: Any) -> Organization:
        counter["n"] += 1
        n = counter["n"]
        values: dict[str, Any] = {
            "legal_name": f"Officine {n} S.r.l.",
            "address": f"Via dei Servi {n}",
            "cap": "50122",
            "comune_code": "048017",
            "latitude": 43.77 + n / 1000,
            "longitude": 11.25 + n / 1000,
            "phone": "+39055123456",
        }
        values.update(fields)
        org = Organization(**values)
        db.session.add(org)
        db.session.commit()
        return org

    return _make


@pytest.fixture
def make_visit(make_org: Any) -> Any:
    def _make(user: User, at: datetime, *, org: Organization | None = None, **fields: Any) -> Interaction:
        org = org or make_org()
        visit = Interaction(
            organization_id=org.id,
            user_id=user.id,
            kind=fields.pop("kind", InteractionKind.VISIT),
            status=fields.pop("status", InteractionStatus.PLANNED),
            occurred_at=at.astimezone(UTC),
            subject=fields.pop("subject", "Visita pianificata: presentazione"),
            **fields,
        )
        db.session.add(visit)
        db.session.commit()
        return visit

    return _make


@pytest.fixture
def contact_for(make_org: Any) -> Any:
    def _make(org: Organization, **fields: Any) -> Contact:
        values: dict[str, Any] = {
            "organization_id": org.id, "first_name": "Giulia", "last_name": "Bianchi",
            "role": "Responsabile HR", "phone": "+39055987654", "mobile": "+393331234567",
            "email": "giulia@example.it", "is_primary": True,
        }
        values.update(fields)
        contact = Contact(**values)
        db.session.add(contact)
        db.session.commit()
        return contact

    return _make
