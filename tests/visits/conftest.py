"""Visit planning fixtures: jobs run inline, a small Florence office, operators, organizations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask

from crm.auth.models import Role, User
from crm.extensions import db
from crm.offices.models import Office
from crm.organizations.models import GeoPrecision, Organization, OrganizationStatus
from crm.visits.planning import PlanRequest, StaffSpec, StopSpec

#: A Tuesday.
DAY = date(2030, 1, 8)
WEEKDAYS_9_TO_18 = {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}

#: Places a few km around the office (Piazza della Stazione, Firenze).
POINTS = [
    (43.7764, 11.2480),
    (43.7696, 11.2558),
    (43.7800, 11.2650),
    (43.7650, 11.2400),
    (43.7850, 11.2350),
    (43.7600, 11.2700),
]


@pytest.fixture(autouse=True)
def _plan_settings(app: Flask) -> Iterator[None]:
    """Jobs run in the request (no threads) and the solver stops after a few solutions."""
    keys = {"PLAN_RUN_INLINE": True, "PLAN_SOLUTION_LIMIT": 60, "PLAN_SECONDS": 2}
    old = {k: app.config.get(k, _MISSING) for k in keys}
    app.config.update(keys)
    yield
    for key, value in old.items():
        if value is _MISSING:
            app.config.pop(key, None)
        else:
            app.config[key] = value


_MISSING = object()


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
        name="Sportello Firenze",
        address="Piazza della Stazione 1",
        comune_code="048017",
        latitude=43.7749,
        longitude=11.2578,
    )
    db.session.add(office)
    db.session.commit()
    return office


@pytest.fixture
def field_staff(make_user: Any, office: Office) -> list[User]:
    """Two operators based at the office."""
    return [
        make_user(Role.OPERATOR, full_name="Anna Operatrice", office_id=office.id),
        make_user(Role.OPERATOR, full_name="Bruno Operatore", office_id=office.id),
    ]


@pytest.fixture
def make_org() -> Any:
    counter = {"n": 0}

    def _make(**fields: Any) -> Organization:
        counter["n"] += 1
        n = counter["n"]
        lat, lon = POINTS[(n - 1) % len(POINTS)]
        org = Organization(
            legal_name=fields.pop("legal_name", f"Azienda {n} S.r.l."),
            search_text=fields.pop("search_text", f"azienda {n} s.r.l."),
            comune_code=fields.pop("comune_code", "048017"),
            latitude=fields.pop("latitude", lat),
            longitude=fields.pop("longitude", lon),
            geo_precision=fields.pop("geo_precision", GeoPrecision.STREET),
            opening_hours=fields.pop("opening_hours", WEEKDAYS_9_TO_18),
            status=fields.pop("status", OrganizationStatus.PROSPECT),
            **fields,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return _make


@pytest.fixture
def orgs(make_org: Any) -> list[Organization]:
    return [make_org() for _ in range(4)]


@pytest.fixture
def make_request(office: Office) -> Any:
    def _make(
        staff: list[User], organizations: list[Organization], *, days: tuple[date, ...] = (DAY,), **stop: Any
    ) -> PlanRequest:
        return PlanRequest(
            days=days,
            staff=tuple(StaffSpec(u.id, start_office_id=office.id, end_office_id=office.id) for u in staff),
            stops=tuple(StopSpec(o.id, stop.get("minutes", 30)) for o in organizations),
            seconds=1,
            purpose=stop.get("purpose"),
        )

    return _make


@pytest.fixture(autouse=True)
def _english_interface(app: Any) -> Iterator[None]:
    """These tests read English messages: outside requests, and for users made here, the
    interface speaks English (the Italian catalog is checked by tests/test_i18n.py)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
