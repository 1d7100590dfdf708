"""Fixtures for the organization tests: English-speaking staff, valid Partite IVA, an org factory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm.auth.models import Role, User
from crm.extensions import db
from crm.organizations.models import Organization, OrganizationKind, OrganizationStatus
from crm.organizations.services import create_organization

from .helpers import PASSWORD


@pytest.fixture(autouse=True)
def _placeholder_urls(app: Flask) -> Iterator[None]:
    """Endpoints other modules have not built yet (e.g. offices.index in the menu) get a dummy URL.

    A fallback only: an endpoint that exists is built as usual.
    """

    def handler(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
        return f"/__missing__/{endpoint}"

    app.url_build_error_handlers.append(handler)
    yield
    app.url_build_error_handlers.remove(handler)




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
    """``login(user)`` logs in on ``client``; ``login(user, new_client=True)`` returns another client."""

    def _login(user: User, *, new_client: bool = False) -> FlaskClient:
        target = app.test_client() if new_client else client
        response = target.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return target

    return _login


@pytest.fixture
def make_org(coord: User) -> Any:
    """Create an organization through the service (as the coordinator unless ``by`` is given)."""
    counter = {"n": 0}

    def _make(**fields: Any) -> Organization:
        counter["n"] += 1
        by = db.session.merge(fields.pop("by", coord))  # the test may have removed the session
        data = {
            "legal_name": f"Organization {counter['n']:03d} S.r.l.",
            "kind": OrganizationKind.COMPANY,
            "status": OrganizationStatus.PROSPECT,
        }
        data.update(fields)
        return create_organization(data, by=by)

    return _make
