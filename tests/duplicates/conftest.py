"""Fixtures for the duplicate tests: English-speaking staff and an organization factory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm.auth.models import Role, User
from crm.contacts.models import Contact
from crm.duplicates.services import clear_cache
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.interactions.models import Interaction, InteractionKind
from crm.organizations.models import Organization, OrganizationKind
from crm.organizations.services import create_organization

PASSWORD = "correct horse battery"
FIRENZE = "048017"
EMPOLI = "048014"


@pytest.fixture(autouse=True)
def _fresh_cache(app: Flask) -> Iterator[None]:
    """Each test starts without a remembered search, and endpoints not built yet get a dummy URL."""

    def handler(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
        return f"/__missing__/{endpoint}"

    clear_cache()
    app.url_build_error_handlers.append(handler)
    yield
    app.url_build_error_handlers.remove(handler)
    clear_cache()


@pytest.fixture
def staff(make_user: Any) -> Any:
    """``staff(Role.X)``: the project's ``make_user`` with an English interface, so tests can read
    the messages."""

    def _make(role: Role = Role.OPERATOR, **fields: Any) -> User:
        fields.setdefault("locale", "en")
        return make_user(role, **fields)

    return _make


@pytest.fixture
def op(staff: Any) -> User:
    return staff(Role.OPERATOR, full_name="Olga Operatrice")


@pytest.fixture
def coord(staff: Any) -> User:
    return staff(Role.COORDINATOR, full_name="Carlo Coordinatore")


@pytest.fixture
def login(app: Flask, client: FlaskClient) -> Any:
    def _login(user: User) -> FlaskClient:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return _login


@pytest.fixture
def make_org(coord: User) -> Any:
    """Create an organization through the organization service, as the coordinator."""
    counter = {"n": 0}

    def _make(**fields: Any) -> Organization:
        counter["n"] += 1
        by = db.session.merge(fields.pop("by", coord))
        data: dict[str, Any] = {
            "legal_name": f"Organizzazione {counter['n']:03d} S.r.l.",
            "kind": OrganizationKind.COMPANY,
            "comune_code": FIRENZE,
        }
        data.update(fields)
        return create_organization(data, by=by)

    return _make


@pytest.fixture
def add_contact() -> Any:
    def _add(org: Organization, name: str, *, primary: bool = False) -> Contact:
        contact = Contact(first_name=name, last_name="Test", is_primary=primary, organization_id=org.id)
        db.session.add(contact)
        db.session.commit()
        return contact

    return _add


@pytest.fixture
def add_interaction(coord: User) -> Any:
    def _add(org: Organization, subject: str, **fields: Any) -> Interaction:
        interaction = Interaction(
            organization_id=org.id, user_id=coord.id, kind=InteractionKind.CALL, subject=subject, **fields
        )
        db.session.add(interaction)
        db.session.commit()
        return interaction

    return _add


@pytest.fixture
def add_follow_up(coord: User) -> Any:
    def _add(org: Organization, title: str) -> FollowUp:
        follow_up = FollowUp(
            organization_id=org.id, assignee_id=coord.id, title=title, due_date=date(2026, 12, 1)
        )
        db.session.add(follow_up)
        db.session.commit()
        return follow_up

    return _add
