"""`flask --app crm outcomes freeze`: the page's freezing from the command line, with clear refusals."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from crm.extensions import db
from crm.outcomes.models import LedgerFreeze

Q1_ARGS = ["outcomes", "freeze", "--from", "2026-01-01", "--to", "2026-03-31"]


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerFreeze))


def test_freeze_cli_stores_the_ledger(placements, coordinator, runner):
    """A coordinator's e-mail (any case) freezes the period: lines, totals, author and note stored."""
    result = runner.invoke(
        args=[*Q1_ARGS, "--by", coordinator.email.upper(), "--note", "Comitato di novembre"]
    )
    assert result.exit_code == 0, result.output
    freeze = db.session.scalars(select(LedgerFreeze)).one()
    assert f"frozen (freeze #{freeze.id}): 3 lines, EUR 700.00" in result.output
    assert freeze.created_by_id == coordinator.id and freeze.note == "Comitato di novembre"
    assert len(freeze.lines) == 3 and Decimal(freeze.totals["net_present"]) == Decimal("700.00")


def test_freeze_cli_unknown_or_unfit_user(placements, operator, runner):
    """An unknown e-mail, or a user who is not a coordinator, is a usage error and nothing is frozen."""
    unknown = runner.invoke(args=[*Q1_ARGS, "--by", "nobody@example.org"])
    assert unknown.exit_code == 2 and "no user with e-mail nobody@example.org" in unknown.output
    not_coordinator = runner.invoke(args=[*Q1_ARGS, "--by", operator.email])
    assert not_coordinator.exit_code == 2 and "not a coordinator" in not_coordinator.output
    assert _count() == 0


def test_freeze_cli_bad_dates(coordinator, runner):
    """Malformed dates, a period the wrong way round or one not ended yet are refused clearly."""
    malformed = runner.invoke(
        args=["outcomes", "freeze", "--from", "31/03/2026", "--to", "2026-03-31", "--by", coordinator.email]
    )
    assert malformed.exit_code == 2 and "expected YYYY-MM-DD" in malformed.output
    reversed_ = runner.invoke(
        args=["outcomes", "freeze", "--from", "2026-03-31", "--to", "2026-01-01", "--by", coordinator.email]
    )
    assert reversed_.exit_code == 2 and "--to is before --from" in reversed_.output
    open_period = runner.invoke(
        args=["outcomes", "freeze", "--from", "2026-10-01", "--to", "2026-12-31", "--by", coordinator.email]
    )
    assert open_period.exit_code == 2 and "only a period that has ended" in open_period.output
    assert _count() == 0


def test_freeze_cli_refuses_overlaps(placements, coordinator, runner):
    """The same period is refused; an overlapping one only with --allow-overlap."""
    assert runner.invoke(args=[*Q1_ARGS, "--by", coordinator.email]).exit_code == 0
    again = runner.invoke(args=[*Q1_ARGS, "--by", coordinator.email])
    assert again.exit_code == 1 and "is already frozen" in again.output
    year = ["outcomes", "freeze", "--from", "2026-01-01", "--to", "2026-06-30", "--by", coordinator.email]
    overlap = runner.invoke(args=year)
    assert overlap.exit_code == 1
    assert "overlaps frozen period(s) #" in overlap.output and "2026-01-01 – 2026-03-31" in overlap.output
    assert _count() == 1
    forced = runner.invoke(args=[*year, "--allow-overlap"])
    assert forced.exit_code == 0, forced.output
    assert _count() == 2
    # Adjacent periods share no day: no flag needed.
    after = ["outcomes", "freeze", "--from", "2026-07-01", "--to", "2026-09-30", "--by", coordinator.email]
    assert runner.invoke(args=after).exit_code == 0
