"""Fixtures for the API tests: English-speaking staff, tokens, and a way to count SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from flask import g
from sqlalchemy import event

from crm.api.models import TokenScope
from crm.api.services import create_token
from crm.auth.models import Role, User
from crm.extensions import db
from crm.offices.models import Office
from crm.organizations.models import GeoPrecision, Organization


@pytest.fixture
def staff(make_user: Any) -> Any:
    """``staff(Role.X)``: ``make_user`` with an English interface, so tests read the messages."""

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
def headers() -> Any:
    """``headers(user, scope="write")``: the Authorization header of a new token of ``user``."""

    def _headers(user: User, scope: str = "write") -> dict[str, str]:
        issued = create_token(user, name="tests", scope=TokenScope(scope))
        return {"Authorization": f"Bearer {issued.secret}"}

    return _headers


@pytest.fixture
def fresh() -> Any:
    """Forget what the test's own session loaded, as a new request on a real server would."""

    def _fresh() -> None:
        g.pop("_login_user", None)
        db.session.remove()

    return _fresh


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


@pytest.fixture
def make_org(staff: Any) -> Any:
    """Create an organization through the service, so its search text is built as in real use.

    ``owner=`` sets the owner (default nobody); other keyword arguments are organization fields.
    """
    from crm.organizations.models import OrganizationKind, OrganizationStatus
    from crm.organizations.services import create_organization

    state: dict[str, Any] = {"n": 0, "creator": None}

    def _make(owner: User | None = None, **fields: Any) -> Any:
        state["n"] += 1
        if state["creator"] is None:
            state["creator"] = staff(Role.COORDINATOR, full_name="Factory")
        data = {
            "legal_name": f"Azienda Prova {state['n']} S.r.l.",
            "kind": OrganizationKind.COMPANY,
            "status": OrganizationStatus.PROSPECT,
            "owner_id": owner.id if owner is not None else None,
        }
        data.update(fields)
        return create_organization(data, by=db.session.merge(state["creator"]))

    return _make


# --- Route planning: an office and organizations around it, open on weekdays ---------------------

PLAN_DAY = date(2030, 1, 8)  # a Tuesday
WEEKDAY_HOURS = {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
POINTS = [(43.7764, 11.2480), (43.7696, 11.2558), (43.7800, 11.2650), (43.7650, 11.2400)]


@pytest.fixture
def office() -> Office:
    office = Office(
        name="Sportello",
        address="Piazza della Stazione 1",
        comune_code="048017",
        latitude=43.7749,
        longitude=11.2578,
    )
    db.session.add(office)
    db.session.commit()
    return office


@pytest.fixture
def orgs() -> list[Organization]:
    """Four organizations in Florence with opening hours, to be visited."""
    made = []
    for n, (lat, lon) in enumerate(POINTS):
        org = Organization(
            legal_name=f"Azienda {n}",
            search_text=f"azienda {n}",
            comune_code="048017",
            latitude=lat,
            longitude=lon,
            geo_precision=GeoPrecision.STREET,
            opening_hours=WEEKDAY_HOURS,
        )
        db.session.add(org)
        made.append(org)
    db.session.commit()
    return made
