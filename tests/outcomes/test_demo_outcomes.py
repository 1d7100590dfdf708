"""The demo has a year of placements with follow-ups, early ends, missing follow-ups and income
support, so the outcomes dashboard is meaningful."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.demo.generator import generate
from crm.extensions import db
from crm.outcomes import services
from crm.outcomes.models import AssumptionSet, BenefitRecord

DEMO_TODAY = date(2026, 3, 11)


@pytest.fixture(scope="module")
def demo():
    return generate(seed=2025, scale=400, today=DEMO_TODAY)


def test_demo_has_a_year_of_placements_with_outcomes(demo):
    """Placements over the last year, jobs that ended between two follow-ups, missing follow-ups."""
    year_ago = date(2025, 3, 11)
    assert sum(1 for p in demo.placements if p["start_date"] >= year_ago) >= 20
    checks = {}
    for c in demo.placement_checks:
        checks.setdefault(c["placement_id"], []).append(c)
    ended = [p for p in demo.placements if p["end_date"] is not None]
    assert ended
    for p in ended:
        lost = next(c for c in checks[p["id"]] if c["still_employed"] is False)
        assert p["start_date"] < p["end_date"] <= lost["due_date"]
    overdue = [
        c
        for c in demo.placement_checks
        if c["still_employed"] is None and (DEMO_TODAY - c["due_date"]).days > 30
    ]
    assert overdue, "some follow-ups were never recorded"
    assert len(demo.benefit_records) > 40
    assert {r["candidate_id"] for r in demo.benefit_records} & {
        e["candidate_id"] for e in demo.pipeline_entries if e["stage"].value == "hired"
    }
    assert demo.assumption_sets[0]["version"] == 1


def test_demo_loads_and_the_dashboard_shows_savings(runner, client, monkeypatch):
    """Loaded (amounts encrypted), the coordinator's dashboard and ledger show the last year."""
    result = runner.invoke(args=["demo-data", "--scale", "120", "--today", DEMO_TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    record = db.session.scalars(select(BenefitRecord)).first()
    assert record is not None and record.details_encrypted.startswith("v1.")
    assert db.session.scalar(select(func.count()).select_from(AssumptionSet)) == 1
    monkeypatch.setattr(services, "today", lambda: DEMO_TODAY)
    board = services.dashboard(date(2025, 3, 12), DEMO_TODAY)
    assert board.totals.lines > 0 and board.totals.benefit_saved > 0
    client.post("/login", data={"email": "coordinatore@demo.local", "password": "demo"})
    page = client.get("/outcomes/?period=last_12_months")
    assert page.status_code == 200
    assert client.get("/outcomes/ledger?period=last_12_months").status_code == 200
    assert client.get("/outcomes/report?period=last_12_months").status_code == 200
