"""The ledger and the funnel on the database: the hand-made Q1 2026 dataset, freezing, versions."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.openings.services import record_check
from crm.outcomes import calc, services
from crm.outcomes.models import AssumptionSet, BenefitRecord, LedgerFreeze
from crm.privacy.models import AccessLog
from tests.outcomes.conftest import TODAY

Q1 = (date(2026, 1, 1), date(2026, 3, 31))


def test_ledger_of_the_quarter(placements):
    """Kept 6 months of ADI at €500 (+1000 net), ended after 2 months with SFL at the assumed €500
    (−1000), 3 confirmed months of NASpI at €900 with the 6-month check missing (+700)."""
    board = services.dashboard(*Q1)
    by_placement = {x.placement_id: x for x in board.lines}
    kept, ended, missing = (
        by_placement[p.id] for p in (placements.kept, placements.ended, placements.missing)
    )
    assert (kept.status, kept.months_employed, kept.net) == (calc.ONGOING, 6, Decimal("1000.00"))
    assert (ended.status, ended.months_employed, ended.net) == (calc.ENDED_EARLY, 2, Decimal("-1000.00"))
    assert (missing.status, missing.months_employed, missing.net) == (
        calc.MISSING_FOLLOW_UP,
        3,
        Decimal("700.00"),
    )
    assert board.totals.net_present == Decimal("700.00")
    assert board.assumptions.version == 1
    steps = {s.key: s.count for s in board.funnel}
    assert steps["hires"] == 3 and steps["presented"] == 3
    assert board.hours_worked == round(20 * 52 / 12 * 11)


def test_benefit_amounts_are_encrypted_and_reading_is_logged(placements, coordinator):
    """The amount is not in the row in clear; reading a person's benefits writes the access log."""
    record = db.session.scalars(select(BenefitRecord).where(BenefitRecord.scheme == "naspi")).one()
    assert "900" not in (record.details_encrypted or "")
    before = db.session.query(AccessLog).count()
    views = services.read_benefits(placements.candidates[2], by=coordinator)
    assert views[0].monthly_amount == Decimal("900.00")
    assert db.session.query(AccessLog).count() == before + 1


def test_new_assumption_version_and_difference(placements, coordinator):
    """Raising the programme cost to €2,500 makes version 2 and lowers each line by €500."""
    v1 = services.current_assumption_set()
    values = dict(v1.values, programme_cost="2500")
    v2 = services.save_assumptions(values, v1.sources, note="Costo 2026", by=coordinator)
    assert v2.version == 2 and v2.created_by_id == coordinator.id
    assert db.session.get(AssumptionSet, v1.id).values["programme_cost"] == "2000.00"  # never changed
    old, new, diffs = services.recompute_with(*Q1, v1, v2)
    assert calc.ledger_totals(new).net_present - calc.ledger_totals(old).net_present == Decimal("-1500.00")
    assert {d.delta for d in diffs} == {Decimal("-500.00")}
    with pytest.raises(services.OutcomeError):
        services.save_assumptions(values, v2.sources, note="again", by=coordinator)


def test_operator_cannot_change_assumptions(operator):
    """Assumptions are the coordinators'."""
    with pytest.raises(services.OutcomePermissionError):
        services.save_assumptions({}, {}, note="x", by=operator)


def test_freeze_stores_lines_that_are_never_recomputed(placements, coordinator):
    """A frozen quarter keeps its lines when a follow-up is recorded later."""
    freeze = services.freeze_ledger(*Q1, by=coordinator, note="Comitato di novembre")
    assert len(freeze.lines) == 3 and freeze.totals["net_present"] == "700.00"
    late = next(c for c in placements.missing.checks if c.months == 6)
    record_check(late, still_employed=True, by=coordinator, on=TODAY)
    live = services.dashboard(*Q1)
    assert live.totals.net_present == Decimal("3400.00")  # 6 months of NASpI now
    db.session.expire_all()
    stored = db.session.get(LedgerFreeze, freeze.id)
    assert calc.ledger_totals(stored.lines).net_present == Decimal("700.00")
    with pytest.raises(services.OutcomeError, match="already frozen"):
        services.freeze_ledger(*Q1, by=coordinator)


def test_an_open_period_cannot_be_frozen(coordinator):
    """The period must have ended."""
    with pytest.raises(services.OutcomeError, match="closed"):
        services.freeze_ledger(date(2026, 10, 1), date(2026, 12, 31), by=coordinator)


def test_cli_report_json(placements, runner):
    """The command prints the funnel in order and the savings with the assumptions' version."""
    result = runner.invoke(
        args=["outcomes", "report", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["step"] for s in data["funnel"]] == list(calc.FUNNEL_STEPS)
    assert next(s for s in data["funnel"] if s["step"] == "hires")["count"] == 3
    assert data["savings"]["total"] == "700.00"
    assert data["savings"]["assumptions_version"] == 1
    assert data["savings"]["frozen"] is False


def test_cli_report_text_csv_and_bad_dates(placements, runner):
    """Text and CSV formats print; a wrong date is refused with a message."""
    text = runner.invoke(args=["outcomes", "report", "--from", "2026-01-01", "--to", "2026-03-31"])
    assert text.exit_code == 0 and "Savings: EUR 700.00 over 3 placements" in text.output
    csv_out = runner.invoke(
        args=["outcomes", "report", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "csv"]
    )
    assert "funnel;hires;3" in csv_out.output and "savings;total;700.00" in csv_out.output
    bad = runner.invoke(args=["outcomes", "report", "--from", "2026-13-01", "--to", "2026-03-31"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    reversed_ = runner.invoke(args=["outcomes", "report", "--from", "2026-03-01", "--to", "2026-01-31"])
    assert reversed_.exit_code != 0


def test_interviews_come_from_the_stage_history(coordinator, operator, organization, make_candidate):
    """An entry moved to "interview" and then not hired still counts as an interview, on the day
    the change history records."""
    from crm.openings.models import ContractType, Opening, PipelineEntry, PipelineStage

    candidate = make_candidate(operator, operator_id=operator.id)
    opening = Opening(organization=organization, title="Magazziniere", contract=ContractType.PERMANENT)
    entry = PipelineEntry(opening=opening, candidate=candidate, stage=PipelineStage.PRESENTED)
    db.session.add_all([opening, entry])
    db.session.commit()
    entry.stage = PipelineStage.INTERVIEW
    db.session.commit()
    entry.stage = PipelineStage.NOT_HIRED
    db.session.commit()
    data = services.load_data()
    day = next(e.interview_on for e in data.funnel.entries if e.id == entry.id)
    assert day is not None
    steps = {s.key: s.count for s in calc.funnel(data.funnel, day, day)}
    assert steps["interviews"] == 1


def test_empty_database_gives_zeros_not_errors(runner):
    """No data: the funnel is zeros, the savings total 0 with version 1 of the assumptions."""
    result = runner.invoke(
        args=["outcomes", "report", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert all(s["count"] == 0 for s in data["funnel"])
    assert data["savings"]["total"] == "0.00" and data["savings"]["assumptions_version"] == 1
    assert data["savings"]["average_per_placement"] is None


def test_unreadable_benefit_amount_falls_back_to_the_assumption(placements):
    """A value no key opens (a lost old key) is not a crash: the scheme's assumed amount is used."""
    record = db.session.scalars(select(BenefitRecord).where(BenefitRecord.scheme == "adi")).one()
    record.details_encrypted = "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    db.session.commit()
    line = next(x for x in services.dashboard(*Q1).lines if x.placement_id == placements.kept.id)
    assert line.monthly_benefit == Decimal("541.67")
