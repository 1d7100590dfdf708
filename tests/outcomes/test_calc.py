"""The outcomes arithmetic on a small hand-made dataset: months employed, the ledger, the funnel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm.outcomes import calc
from crm.outcomes.assumptions import AssumptionError, Parameter, coerce, default_values, parse

AS_OF = date(2026, 6, 30)


def assumptions(**changes):
    values = default_values() | {k: str(v) if not isinstance(v, bool) else v for k, v in changes.items()}
    return parse(values, 1)


def checks(start: date, answers: dict[int, bool | None]) -> tuple[calc.CheckFact, ...]:
    return tuple(
        calc.CheckFact(
            m,
            calc.add_months(start, m),
            answers.get(m),
            calc.add_months(start, m) if answers.get(m) is not None else None,
            check_id=100 + m,
        )
        for m in (1, 3, 6, 12)
    )


START_A = date(2025, 3, 10)  # kept the job a whole year
START_B = date(2026, 1, 10)  # ended early, on 20 April 2026
START_C = date(2025, 6, 1)  # the 6-month follow-up was never recorded
ADI = calc.BenefitFact("adi", Decimal("500.00"), date(2024, 5, 1))
SFL = calc.BenefitFact("sfl", None, date(2025, 9, 1), entitled_until=date(2026, 3, 15))
NASPI_AFTER = calc.BenefitFact("naspi", Decimal("900"), date(2025, 8, 1))  # began after the job: ignored

A = calc.PlacementFact(
    1,
    11,
    "C-2025-0001",
    START_A,
    hours_per_week=30,
    checks=checks(START_A, {1: True, 3: True, 6: True, 12: True}),
    benefits=(ADI,),
    organization_id=1,
    organization="Pulizie Arno",
    org_kind="coop_b",
    sector="N",
    comune="048017",
    operator_id=7,
    referred_on=date(2025, 1, 10),
)
B = calc.PlacementFact(
    2,
    12,
    "C-2025-0002",
    START_B,
    end_date=date(2026, 4, 20),
    hours_per_week=20,
    checks=checks(START_B, {1: True, 3: True}),
    benefits=(SFL,),
    organization_id=2,
    organization="Magazzini Sesto",
    org_kind="company",
    sector="H",
    comune="048043",
    operator_id=8,
    referred_on=date(2025, 11, 1),
)
C = calc.PlacementFact(
    3,
    13,
    "C-2025-0003",
    START_C,
    hours_per_week=25,
    checks=checks(START_C, {1: True, 3: True}),
    benefits=(ADI, NASPI_AFTER),
    organization_id=1,
    organization="Pulizie Arno",
    org_kind="coop_b",
    sector="N",
    comune="048017",
    operator_id=7,
    referred_on=date(2025, 2, 1),
)


def test_full_months_counts_whole_calendar_months():
    """10 Jan → 9 Mar is one month, → 10 Mar two; month ends clamp (31 Jan + 1 = 28 Feb)."""
    assert calc.full_months(date(2026, 1, 10), date(2026, 3, 9)) == 1
    assert calc.full_months(date(2026, 1, 10), date(2026, 3, 10)) == 2
    assert calc.full_months(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert calc.full_months(date(2026, 1, 10), date(2026, 1, 10)) == 0
    assert calc.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_employment_whole_year_is_completed_at_twelve_months():
    """Confirmed at 12 months: 12 months employed, status completed."""
    job = calc.employment(A, as_of=AS_OF)
    assert (job.status, job.months, job.employed_until) == (calc.COMPLETED, 12, date(2026, 3, 10))


def test_employment_ended_early_counts_to_the_end_date():
    """Ended on 20 April after a 10 January start: 3 whole months, ended early."""
    job = calc.employment(B, as_of=AS_OF)
    assert (job.status, job.months, job.employed_until) == (calc.ENDED_EARLY, 3, date(2026, 4, 20))


def test_employment_missing_follow_up_stops_at_the_last_confirmation():
    """The 6-month check (due 1 Dec 2025) was never answered: only the 3 confirmed months count."""
    job = calc.employment(C, as_of=AS_OF)
    assert job.status == calc.MISSING_FOLLOW_UP
    assert job.months == 3
    assert job.missing_checks == (6,)  # the 12-month one (due 1 June) is still within the grace period


def test_employment_within_grace_period_is_not_missing():
    """A check due ten days ago is pending, not missing; the months stop at the last confirmation."""
    job = calc.employment(C, as_of=date(2025, 12, 11), grace_days=30)
    assert (job.status, job.months) == (calc.ONGOING, 3)


def test_employment_later_confirmation_covers_an_unanswered_check():
    """3-month check unanswered but confirmed at 6 months: 6 months count."""
    p = calc.PlacementFact(9, 19, "C-2025-0009", START_C, checks=checks(START_C, {1: True, 6: True}))
    assert calc.employment(p, as_of=AS_OF).months == 6


def test_employment_negative_check_without_end_date_ends_there():
    """A "no longer employed" answer without an end date ends the placement at the check."""
    p = calc.PlacementFact(9, 19, "C-2025-0009", START_B, checks=checks(START_B, {1: True, 3: False}))
    job = calc.employment(p, as_of=AS_OF)
    assert (job.status, job.months) == (calc.ENDED_EARLY, 3)


def test_ledger_line_whole_year_adi():
    """12 months × €500 of ADI − €2,000 programme cost = €4,000."""
    line = calc.ledger_line(A, assumptions(), as_of=AS_OF)
    assert line.benefit_months == 12
    assert line.benefit_saved == Decimal("6000.00")
    assert line.programme_cost == Decimal("2000.00")
    assert line.net == line.net_present == Decimal("4000.00")
    assert line.hours_worked == round(30 * 52 / 12 * 12)


def test_ledger_line_ended_early_and_entitlement_end():
    """SFL at the assumed €500, entitled until 15 March: 2 benefit months of the 3 worked, so
    €1,000 − €2,000."""
    line = calc.ledger_line(B, assumptions(), as_of=AS_OF)
    assert (line.months_employed, line.benefit_months) == (3, 2)
    assert line.monthly_benefit == Decimal("500.00")
    assert line.benefit_saved == Decimal("1000.00")
    assert line.net == Decimal("-1000.00")
    assert line.status == calc.ENDED_EARLY


def test_ledger_line_missing_follow_up_and_benefit_begun_later():
    """3 confirmed months of ADI (€1,500); the NASpI that began after the job start is not counted."""
    line = calc.ledger_line(C, assumptions(), as_of=AS_OF)
    assert line.schemes == ("adi",)
    assert line.benefit_saved == Decimal("1500.00")
    assert line.net == Decimal("-500.00")
    assert line.missing_checks == (6,)


def test_ledger_line_share_taxes_and_discounting():
    """Half the benefit counted, taxes on 30 h/week at €10 × 30%, 12% a year discounting."""
    a = assumptions(
        counted_share="50",
        include_taxes=True,
        gross_hourly_wage="10",
        tax_contribution_rate="30",
        discount_rate="12",
        programme_cost="0",
    )
    line = calc.ledger_line(A, a, as_of=AS_OF)
    assert line.benefit_saved == Decimal("3000.00")
    monthly_tax = Decimal(30) * Decimal(52) / Decimal(12) * Decimal(10) * Decimal("0.3")
    assert line.taxes == calc.cents(monthly_tax * 12)
    factor = sum(1 / 1.12 ** (k / 12) for k in range(1, 13))
    expected = calc.cents(Decimal(250) * Decimal(str(factor))) + calc.cents(
        monthly_tax * Decimal(str(factor))
    )
    assert line.net_present == expected
    assert line.net_present < line.net


def test_ledger_line_without_benefit_is_flagged():
    """No benefit recorded: the line shows only the cost, flagged."""
    p = calc.PlacementFact(9, 19, "C-2025-0009", START_A, checks=A.checks)
    line = calc.ledger_line(p, assumptions(), as_of=AS_OF)
    assert line.no_benefit and line.net == Decimal("-2000.00")


def test_ledger_totals_and_per_person_year():
    """Totals add the lines; the per-year figure scales savings to 12 months per person."""
    lines = [calc.ledger_line(p, assumptions(), as_of=AS_OF) for p in (A, B, C)]
    totals = calc.ledger_totals(lines)
    assert totals.net == Decimal("2500.00")
    assert totals.average_net == Decimal("833.33")
    assert totals.months_employed == 18
    # (6000 + 1000 + 1500) / 18 months × 12 − 2000 = 3666.67
    assert totals.net_per_person_year == Decimal("3666.67")
    assert totals.statuses == {calc.COMPLETED: 1, calc.ENDED_EARLY: 1, calc.MISSING_FOLLOW_UP: 1}


def test_compare_ledgers_shows_the_difference_per_line():
    """Raising the programme cost by €500 lowers every line by €500."""
    before = [calc.ledger_line(p, assumptions(), as_of=AS_OF) for p in (A, B)]
    after = [calc.ledger_line(p, assumptions(programme_cost="2500"), as_of=AS_OF) for p in (A, B)]
    diffs = calc.compare_ledgers(before, after)
    assert [d.delta for d in diffs] == [Decimal("-500.00"), Decimal("-500.00")]


def _funnel_data() -> calc.FunnelData:
    orgs = {
        1: calc.OrgFact(1, "Pulizie Arno", "coop_b", "048017", "N"),
        2: calc.OrgFact(2, "Magazzini Sesto", "company", "048043", "H"),
        3: calc.OrgFact(3, "Bar Centrale", "company", "048017", "I"),
    }
    d = date(2026, 1, 15)
    interactions = [
        calc.InteractionFact(1, 1, "call", d, 7),
        calc.InteractionFact(2, 1, "visit", d, 7),
        calc.InteractionFact(3, 2, "visit", d, 8),
        calc.InteractionFact(4, 3, "email", d, 7),
        calc.InteractionFact(5, 3, "note", d, 7),  # a note is not a contact
        calc.InteractionFact(6, 2, "call", date(2025, 12, 31), 8),  # before the period
    ]
    openings = [calc.OpeningFact(1, 1, d, 7, "048017", "N"), calc.OpeningFact(2, 2, d, 8, "048043", "H")]
    entries = [
        calc.EntryFact(1, 1, 1, 11, 7, date(2025, 1, 10), date(2026, 1, 20), date(2026, 1, 25)),
        calc.EntryFact(2, 2, 2, 12, 8, date(2025, 11, 1), date(2026, 1, 2), date(2026, 1, 5)),
        calc.EntryFact(3, 2, 2, 14, 8, date(2025, 11, 1), date(2026, 2, 2), None),
    ]
    return calc.FunnelData(orgs, interactions, openings, entries, [A, B, C])


def test_funnel_counts_events_in_the_period():
    """Q1 2026: 3 contacted, 2 visited, 2 openings, 3 presented, 2 interviews, 1 hire (B), and the
    confirmations due in the quarter (A's 12-month check on 10 March)."""
    steps = calc.funnel(_funnel_data(), date(2026, 1, 1), date(2026, 3, 31))
    counts = {s.key: s.count for s in steps}
    assert [s.key for s in steps] == list(calc.FUNNEL_STEPS)
    assert counts == {
        "contacted": 3,
        "visited": 2,
        "openings": 2,
        "presented": 3,
        "interviews": 2,
        "hires": 1,
        "retained_3": 0,
        "retained_6": 0,
        "retained_12": 1,
    }
    assert next(s for s in steps if s.key == "hires").ids == (2,)
    assert next(s for s in steps if s.key == "retained_12").ids == (112,)
    assert steps[1].rate == pytest.approx(2 / 3)
    assert steps[0].rate is None


def test_funnel_filters_by_operator_sector_and_kind():
    """Operator 7's work; sector H; type-B cooperatives."""
    data = _funnel_data()
    q1 = (date(2026, 1, 1), date(2026, 3, 31))
    by_op = {s.key: s.count for s in calc.funnel(data, *q1, calc.Filters(operator_id=7))}
    assert (by_op["contacted"], by_op["visited"], by_op["presented"], by_op["hires"]) == (2, 1, 1, 0)
    by_sector = {s.key: s.count for s in calc.funnel(data, *q1, calc.Filters(sector="H"))}
    assert (by_sector["contacted"], by_sector["openings"], by_sector["hires"]) == (1, 1, 1)
    by_kind = {s.key: s.count for s in calc.funnel(data, *q1, calc.Filters(org_kind="coop_b"))}
    assert (by_kind["contacted"], by_kind["retained_12"], by_kind["hires"]) == (1, 1, 0)


def test_outputs_are_counted_apart():
    """Calls, e-mails, visits and meetings done in the period; notes are not outputs."""
    data = _funnel_data()
    out = calc.outputs(data.interactions, data.organizations, date(2026, 1, 1), date(2026, 3, 31), km=12.34)
    assert (out.calls, out.emails, out.visits, out.meetings, out.km) == (1, 1, 2, 0, 12.3)


def test_retention_counts_missing_checks_against_the_rate():
    """Of A, B, C as of 30 June 2026: at 3 months all confirmed; at 6 months A confirmed, B ended,
    C missing; B counts as ended at 12 months too."""
    r3, r6, r12 = calc.retention([A, B, C], as_of=AS_OF)
    assert (r3.due, r3.confirmed, r3.rate) == (3, 3, 1.0)
    assert (r6.due, r6.confirmed, r6.ended, r6.missing) == (3, 1, 1, 1)
    assert r6.rate == pytest.approx(1 / 3)
    assert (r12.due, r12.confirmed, r12.ended, r12.missing, r12.pending) == (3, 1, 1, 0, 1)


def test_time_to_presentation_and_hire():
    """Median days from referral to the first presentation and to the first job in the period."""
    data = _funnel_data()
    to_presented, to_hire = calc.time_to_steps(data.entries, [A, B, C], date(2026, 1, 1), date(2026, 3, 31))
    # candidate 11: 10 Jan 2025 → 20 Jan 2026 = 375; 12: 1 Nov → 2 Jan = 62; 14: 1 Nov → 2 Feb = 93
    assert (to_presented.count, to_presented.median_days) == (3, 93.0)
    # only B started in the quarter: 1 Nov 2025 → 10 Jan 2026 = 70 days
    assert (to_hire.count, to_hire.median_days) == (1, 70.0)


def test_lasting_by_sector():
    """Per sector: placements, confirmed at 6 months among those due, ended early."""
    lines = [calc.ledger_line(p, assumptions(), as_of=AS_OF) for p in (A, B, C)]
    rows = calc.lasting_by(
        lines, {p.placement_id: p for p in (A, B, C)}, lambda p: (p.sector, p.sector), as_of=AS_OF
    )
    n = next(r for r in rows if r.key == "N")
    h = next(r for r in rows if r.key == "H")
    assert (n.placements, n.due_6, n.retained_6, n.rate_6) == (2, 2, 1, 0.5)
    assert (h.placements, h.ended_early) == (1, 1)


def test_trend_by_month():
    """Placements started and visits done, per month."""
    data = _funnel_data()
    lines = [calc.ledger_line(p, assumptions(), as_of=AS_OF) for p in (A, B, C)]
    months = calc.month_starts(date(2026, 1, 1), date(2026, 3, 31))
    points = calc.trend(months, lines, data.interactions, data.organizations)
    assert [(p.hires, p.visits) for p in points] == [(1, 2), (0, 0), (0, 0)]
    assert points[0].net == Decimal("-1000.00")


def test_suppression_of_small_counts():
    """1–4 become "<5"; 0 and 5+ stay; a small row blanks its money and rates too."""
    assert [calc.suppress(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    assert calc.suppress_row(["Sector N", 3, 0.5, Decimal("10")], [1], basis=3) == [
        "Sector N",
        "<5",
        "<5",
        "<5",
    ]
    assert calc.suppress_row(["Sector N", 7, 0.5], [1], basis=7) == ["Sector N", 7, 0.5]


def test_assumption_values_are_checked():
    """A percentage above 100 or a word where a number is expected is refused, naming the key."""
    param = Parameter("counted_share", "percent", Decimal(100), "x", "y", maximum=Decimal(100))
    assert coerce(param, "80,5") == Decimal("80.5")
    with pytest.raises(AssumptionError) as info:
        coerce(param, "120")
    assert info.value.key == "counted_share"
    with pytest.raises(AssumptionError):
        coerce(param, "abc")
    with pytest.raises(AssumptionError):
        coerce(param, "NaN")
