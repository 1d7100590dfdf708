"""Outcomes tests read English; the candidates' builders serve them too. ``placements`` builds a
small hand-made dataset through the openings' services: three placements started in Q1 2026, one
kept, one ended early, one with a missing 6-month follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from crm.extensions import db
from crm.openings.models import ContractType, Opening, PipelineEntry, PipelineStage
from crm.openings.services import record_check, record_placement
from crm.outcomes import services
from tests.candidates.conftest import (  # noqa: F401
    _english_interface,
    make_candidate,
    make_user,
    organization,
    skills,
)

#: The day the tests compute on: Q1 2026 is closed, the 6-month check of 5 March is overdue.
TODAY = date(2026, 10, 31)
Q1 = {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "today", lambda: TODAY)


def _hire(org: Any, candidate: Any, by: Any, start: date) -> Any:
    opening = Opening(
        organization=org, title="Addetto/a pulizie", contract=ContractType.FIXED_TERM, hours_per_week=20
    )
    entry = PipelineEntry(
        opening=opening,
        candidate=candidate,
        stage=PipelineStage.PRESENTED,
        presented_at=datetime(start.year, start.month, 1, 10, tzinfo=UTC),
    )
    db.session.add_all([opening, entry])
    db.session.commit()
    return record_placement(entry, {"start_date": start}, by=by)


def _answer(placement: Any, months: int, still: bool, on: date, by: Any) -> None:
    check = next(c for c in placement.checks if c.months == months)
    record_check(check, still_employed=still, by=by, on=on)


@pytest.fixture
def placements(coordinator: Any, operator: Any, organization: Any, make_candidate: Any) -> SimpleNamespace:  # noqa: F811
    kept = make_candidate(operator, operator_id=operator.id)
    ended = make_candidate(operator, operator_id=operator.id, tax_code=None)
    missing = make_candidate(operator, operator_id=operator.id)
    p1 = _hire(organization, kept, coordinator, date(2026, 1, 15))
    for m, on in ((1, date(2026, 2, 16)), (3, date(2026, 4, 15)), (6, date(2026, 7, 15))):
        _answer(p1, m, True, on, coordinator)
    p2 = _hire(organization, ended, coordinator, date(2026, 2, 1))
    _answer(p2, 1, True, date(2026, 3, 2), coordinator)
    _answer(p2, 3, False, date(2026, 4, 10), coordinator)
    p3 = _hire(organization, missing, coordinator, date(2026, 3, 5))
    _answer(p3, 1, True, date(2026, 4, 6), coordinator)
    _answer(p3, 3, True, date(2026, 6, 5), coordinator)
    services.add_benefit(
        kept,
        {"scheme": "adi", "monthly_amount": Decimal("500"), "started_on": date(2025, 1, 1)},
        by=coordinator,
    )
    services.add_benefit(
        ended, {"scheme": "sfl", "monthly_amount": None, "started_on": date(2025, 9, 1)}, by=coordinator
    )
    services.add_benefit(
        missing,
        {"scheme": "naspi", "monthly_amount": Decimal("900"), "started_on": date(2025, 12, 1)},
        by=coordinator,
    )
    return SimpleNamespace(kept=p1, ended=p2, missing=p3, candidates=(kept, ended, missing))


# --- browser tests ---------------------------------------------------------------------------------
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402, F401


@pytest.fixture
def outcomes_server(app: Any) -> Any:
    """The app served on a free port with the tests' secret, so it decrypts what the tests wrote."""
    from pathlib import Path

    from crm import create_app

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    served = create_app(
        {"ENV_NAME": "testing", "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret"}
    )
    server = LiveServer(served)
    server.start()
    yield server
    server.stop()
    with served.app_context():
        db.engine.dispose()
