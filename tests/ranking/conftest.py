"""Ranking fixtures: English-speaking staff, an office, organizations with the facts the score reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from crm.auth.models import Role, User
from crm.extensions import db
from crm.interactions.models import Interaction, InteractionKind, InteractionOutcome, InteractionStatus
from crm.offices.models import Office
from crm.organizations.models import GeoPrecision, Organization, OrganizationKind, OrganizationStatus
from crm.ranking.services import clear_cache

FIRENZE = "048017"
EMPOLI = "048014"
#: The office: Piazza della Stazione, Firenze.
OFFICE_POINT = (43.7749, 11.2578)


@pytest.fixture(autouse=True)
def _fresh_cache(app: Flask) -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def staff(make_user: Any) -> Any:
    """The project's ``make_user`` with an English interface, so tests can read the messages."""

    def _make(role: Role = Role.OPERATOR, **fields: Any) -> User:
        fields.setdefault("locale", "en")
        return make_user(role, **fields)

    return _make


@pytest.fixture
def office() -> Office:
    office = Office(
        name="Sportello Firenze",
        address="Piazza della Stazione 1",
        comune_code=FIRENZE,
        latitude=OFFICE_POINT[0],
        longitude=OFFICE_POINT[1],
    )
    db.session.add(office)
    db.session.commit()
    return office


@pytest.fixture
def op(staff: Any, office: Office) -> User:
    return staff(Role.OPERATOR, full_name="Olga Operatrice", office_id=office.id)


@pytest.fixture
def coord(staff: Any, office: Office) -> User:
    return staff(Role.COORDINATOR, full_name="Carlo Coordinatore", office_id=office.id)


@pytest.fixture
def org() -> Any:
    """``org(**fields)``: an organization near the office, prospect, with no facts unless given."""
    counter = {"n": 0}

    def _make(**fields: Any) -> Organization:
        counter["n"] += 1
        n = counter["n"]
        organization = Organization(
            legal_name=fields.pop("legal_name", f"Azienda {n} S.r.l."),
            search_text=fields.pop("search_text", f"azienda {n} s.r.l."),
            kind=fields.pop("kind", OrganizationKind.COMPANY),
            status=fields.pop("status", OrganizationStatus.PROSPECT),
            comune_code=fields.pop("comune_code", FIRENZE),
            latitude=fields.pop("latitude", OFFICE_POINT[0] + 0.01),
            longitude=fields.pop("longitude", OFFICE_POINT[1]),
            geo_precision=fields.pop("geo_precision", GeoPrecision.STREET),
            **fields,
        )
        db.session.add(organization)
        db.session.commit()
        return organization

    return _make


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


@pytest.fixture
def interaction() -> Any:
    """``interaction(org, days_ago, outcome=None, kind=CALL, status=DONE)``; keeps the
    organization's ``last_interaction_at`` as the services do."""

    def _make(
        organization: Organization,
        ago: float,
        outcome: InteractionOutcome | None = None,
        kind: InteractionKind = InteractionKind.CALL,
        status: InteractionStatus = InteractionStatus.DONE,
    ) -> Interaction:
        when = days_ago(ago)
        row = Interaction(
            organization_id=organization.id,
            kind=kind,
            status=status,
            occurred_at=when,
            subject="Contatto",
            outcome=outcome,
        )
        db.session.add(row)
        if status is InteractionStatus.DONE and (
            organization.last_interaction_at is None or organization.last_interaction_at < when
        ):
            organization.last_interaction_at = when
        db.session.commit()
        return row

    return _make
