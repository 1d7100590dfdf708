"""Pure arithmetic of outcomes: the funnel from plain rows, months employed from a placement and its
follow-ups, the savings ledger, discounting and small-count suppression. No Flask, no database.

The rules (also in ``docs/outcomes.md`` and on the report page):

* **Months employed** are whole calendar months from the start date, counted up to 12 (the
  horizon) and never beyond what the records show:

  - a placement that *ended* (an end date on or before the day of the computation, or a follow-up
    answering "no longer employed") counts the whole months from the start to the end;
  - otherwise it counts up to the latest follow-up that confirmed the person still employed
    (a later confirmation covers an earlier check left unanswered);
  - a follow-up past its due date by more than the grace period without an answer is *missing*:
    the months after the last confirmation are not counted until someone records it.

* **Savings per line** = Σ over the person's benefits active at the start of
  (monthly amount × counted share × benefit months) [+ taxes and contributions on the hours worked,
  if counted] − programme cost per person. Benefit months stop where the person would have lost the
  benefit anyway (``entitled_until``). With a discount rate, month *k* is divided by
  (1 + rate)^(k/12).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm.outcomes.assumptions import Assumptions

CENT = Decimal("0.01")
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
SUPPRESSION_THRESHOLD = 5

# --- dates -----------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 January + 1 = 28/29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def full_months(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``: 10 Jan → 9 Mar is 1, → 10 Mar is 2."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- plain rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckFact:
    months: int
    due_date: date
    still_employed: bool | None
    checked_on: date | None = None
    check_id: int | None = None


@dataclass(frozen=True)
class BenefitFact:
    scheme: str
    monthly_amount: Decimal | None  # None: the scheme's assumed amount
    started_on: date
    entitled_until: date | None = None
    benefit_id: int | None = None


@dataclass(frozen=True)
class PlacementFact:
    placement_id: int
    candidate_id: int
    candidate_code: str
    start_date: date
    end_date: date | None = None
    hours_per_week: int | None = None
    checks: tuple[CheckFact, ...] = ()
    benefits: tuple[BenefitFact, ...] = ()
    organization_id: int | None = None
    organization: str = ""
    org_kind: str | None = None
    sector: str | None = None
    comune: str | None = None
    operator_id: int | None = None
    referred_on: date | None = None
    hired_on: date | None = None


# --- months employed -------------------------------------------------------------------------------

ONGOING = "ongoing"  # employed, awaiting the next follow-up
COMPLETED = "completed"  # employed through the whole horizon
ENDED_EARLY = "ended_early"
MISSING_FOLLOW_UP = "missing_follow_up"
NOT_STARTED = "not_started"


@dataclass(frozen=True)
class Employment:
    status: str
    employed_until: date
    months: int
    confirmed_months: int
    missing_checks: tuple[int, ...] = ()


def employment(
    p: PlacementFact, *, as_of: date, horizon_months: int = 12, grace_days: int = 30
) -> Employment:
    """How long the person stayed employed, by the rules of the module's docstring."""
    start = p.start_date
    if start > as_of:
        return Employment(NOT_STARTED, start, 0, 0)
    horizon_end = add_months(start, horizon_months)
    end = p.end_date
    negative = [c for c in p.checks if c.still_employed is False]
    if end is None and negative:
        first = min(negative, key=lambda c: c.months)
        end = first.checked_on or first.due_date
    confirmed = max(
        (c.months for c in p.checks if c.still_employed and c.months <= horizon_months), default=0
    )
    if end is not None and end <= as_of:
        until = min(end, horizon_end)
        status = ENDED_EARLY if end < horizon_end else COMPLETED
        return Employment(status, until, full_months(start, until), confirmed)
    until = min(add_months(start, confirmed), horizon_end)
    if end is not None:  # a fixed-term contract ending later: never beyond it
        until = min(until, end)
    missing = tuple(
        sorted(
            c.months
            for c in p.checks
            if c.still_employed is None
            and c.months > confirmed
            and c.months <= horizon_months
            and c.due_date + timedelta(days=grace_days) < as_of
        )
    )
    if confirmed >= horizon_months:
        status = COMPLETED
    elif missing:
        status = MISSING_FOLLOW_UP
    else:
        status = ONGOING
    return Employment(status, until, full_months(start, until), confirmed, missing)


# --- the ledger ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLine:
    placement_id: int
    candidate_id: int
    candidate_code: str
    organization_id: int | None
    organization: str
    sector: str | None
    start_date: date
    employed_until: date
    status: str
    months_employed: int
    hours_worked: int
    schemes: tuple[str, ...]
    monthly_benefit: Decimal
    benefit_months: int
    benefit_saved: Decimal
    taxes: Decimal
    programme_cost: Decimal
    net: Decimal
    net_present: Decimal
    missing_checks: tuple[int, ...] = ()
    no_benefit: bool = False


def _discounted(amount: Decimal, months: int, rate: Decimal, offset: int = 0) -> Decimal:
    """Σ over months k = offset+1 … offset+months of amount / (1 + rate)^(k/12)."""
    if months <= 0:
        return Decimal(0)
    if rate == 0:
        return amount * months
    base = float(1 + rate)
    factor = sum(1 / base ** ((offset + k) / 12) for k in range(1, months + 1))
    return amount * Decimal(str(factor))


def ledger_line(p: PlacementFact, a: Assumptions, *, as_of: date) -> LedgerLine:
    job = employment(p, as_of=as_of, horizon_months=a.horizon_months, grace_days=a.grace_days)
    hours = Decimal(p.hours_per_week or 0) * WEEKS_PER_MONTH * job.months
    benefit_saved = Decimal(0)
    benefit_present = Decimal(0)
    monthly_total = Decimal(0)
    benefit_months = 0
    schemes: list[str] = []
    for b in p.benefits:
        if b.started_on > p.start_date or (b.entitled_until is not None and b.entitled_until <= p.start_date):
            continue  # not being paid when the job started: nothing saved
        amount = (
            b.monthly_amount if b.monthly_amount is not None else a.scheme_amount(b.scheme)
        ) * a.counted_share
        until = job.employed_until if b.entitled_until is None else min(job.employed_until, b.entitled_until)
        months = full_months(p.start_date, until)
        schemes.append(b.scheme)
        monthly_total += amount
        benefit_months = max(benefit_months, months)
        benefit_saved += amount * months
        benefit_present += _discounted(amount, months, a.discount_rate)
    taxes = taxes_present = Decimal(0)
    if a.include_taxes and p.hours_per_week:
        monthly_tax = (
            Decimal(p.hours_per_week) * WEEKS_PER_MONTH * a.gross_hourly_wage * a.tax_contribution_rate
        )
        taxes = monthly_tax * job.months
        taxes_present = _discounted(monthly_tax, job.months, a.discount_rate)
    cost = a.programme_cost
    return LedgerLine(
        placement_id=p.placement_id,
        candidate_id=p.candidate_id,
        candidate_code=p.candidate_code,
        organization_id=p.organization_id,
        organization=p.organization,
        sector=p.sector,
        start_date=p.start_date,
        employed_until=job.employed_until,
        status=job.status,
        months_employed=job.months,
        hours_worked=int(hours.to_integral_value(rounding=ROUND_HALF_UP)),
        schemes=tuple(sorted(set(schemes))),
        monthly_benefit=cents(monthly_total),
        benefit_months=benefit_months,
        benefit_saved=cents(benefit_saved),
        taxes=cents(taxes),
        programme_cost=cents(cost),
        net=cents(benefit_saved) + cents(taxes) - cents(cost),
        net_present=cents(benefit_present) + cents(taxes_present) - cents(cost),
        missing_checks=job.missing_checks,
        no_benefit=not schemes,
    )


@dataclass(frozen=True)
class LedgerTotals:
    lines: int
    months_employed: int
    hours_worked: int
    benefit_saved: Decimal
    taxes: Decimal
    programme_cost: Decimal
    net: Decimal
    net_present: Decimal
    average_net: Decimal | None
    #: the average per placement scaled to 12 months employed, beside the per-year benchmark
    net_per_person_year: Decimal | None
    statuses: Mapping[str, int]

    def as_json(self) -> dict[str, Any]:
        def text(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "lines": self.lines,
            "months_employed": self.months_employed,
            "hours_worked": self.hours_worked,
            "benefit_saved": text(self.benefit_saved),
            "taxes": text(self.taxes),
            "programme_cost": text(self.programme_cost),
            "net": text(self.net),
            "net_present": text(self.net_present),
            "average_net": text(self.average_net),
            "net_per_person_year": text(self.net_per_person_year),
            "statuses": dict(self.statuses),
        }


def ledger_totals(lines: Sequence[Any]) -> LedgerTotals:
    """Totals of ledger lines (live :class:`LedgerLine` or frozen rows with the same attributes)."""
    zero = Decimal("0.00")
    n = len(lines)
    net = sum((Decimal(x.net) for x in lines), zero)
    months = sum(int(x.months_employed) for x in lines)
    benefit = sum((Decimal(x.benefit_saved) for x in lines), zero)
    taxes = sum((Decimal(x.taxes) for x in lines), zero)
    cost = sum((Decimal(x.programme_cost) for x in lines), zero)
    per_year = None
    if months:
        # Savings earned per month employed, times 12, net of one programme cost per person.
        per_year = cents((benefit + taxes) / months * 12 - (cost / n))
    return LedgerTotals(
        lines=n,
        months_employed=months,
        hours_worked=sum(int(x.hours_worked) for x in lines),
        benefit_saved=benefit,
        taxes=taxes,
        programme_cost=cost,
        net=net,
        net_present=sum((Decimal(x.net_present) for x in lines), zero),
        average_net=cents(net / n) if n else None,
        net_per_person_year=per_year,
        statuses=dict(Counter(str(x.status) for x in lines)),
    )


@dataclass(frozen=True)
class LineDifference:
    placement_id: int
    candidate_code: str
    before: Decimal | None
    after: Decimal | None

    @property
    def delta(self) -> Decimal:
        return (self.after or Decimal(0)) - (self.before or Decimal(0))


def compare_ledgers(before: Sequence[Any], after: Sequence[Any]) -> list[LineDifference]:
    """Line by line (by placement), the net before and after; lines only in one side included."""
    old = {x.placement_id: x for x in before}
    new = {x.placement_id: x for x in after}
    out = []
    for pid in sorted(set(old) | set(new), key=lambda k: (k is None, k)):
        o, n = old.get(pid), new.get(pid)
        code = (n or o).candidate_code  # type: ignore[union-attr]
        out.append(
            LineDifference(
                pid,
                code,
                Decimal(o.net_present) if o is not None else None,
                Decimal(n.net_present) if n is not None else None,
            )
        )
    return out


# --- the funnel ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgFact:
    id: int
    name: str
    kind: str | None
    comune: str | None
    sector: str | None


@dataclass(frozen=True)
class InteractionFact:
    id: int
    organization_id: int
    kind: str  # call, email, visit, meeting, note
    on: date
    user_id: int | None


@dataclass(frozen=True)
class OpeningFact:
    id: int
    organization_id: int
    created_on: date
    created_by_id: int | None
    comune: str | None
    sector: str | None


@dataclass(frozen=True)
class EntryFact:
    id: int
    opening_id: int
    organization_id: int
    candidate_id: int
    operator_id: int | None
    referred_on: date | None
    presented_on: date | None
    interview_on: date | None


@dataclass(frozen=True)
class Filters:
    operator_id: int | None = None
    comune: str | None = None
    sector: str | None = None
    org_kind: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.operator_id, self.comune, self.sector, self.org_kind))


NO_FILTERS = Filters()


@dataclass
class FunnelData:
    organizations: Mapping[int, OrgFact]
    interactions: Sequence[InteractionFact]
    openings: Sequence[OpeningFact]
    entries: Sequence[EntryFact]
    placements: Sequence[PlacementFact]


FUNNEL_STEPS: tuple[str, ...] = (
    "contacted",
    "visited",
    "openings",
    "presented",
    "interviews",
    "hires",
    "retained_3",
    "retained_6",
    "retained_12",
)
CONTACT_KINDS = frozenset({"call", "email", "visit", "meeting"})


@dataclass(frozen=True)
class FunnelStep:
    key: str
    count: int
    #: the records behind the count: organization, opening, pipeline entry, placement or check ids
    ids: tuple[int, ...] = ()
    #: the count over the previous step (None for the first step or an empty previous step)
    rate: float | None = None


def _org_ok(org: OrgFact | None, f: Filters) -> bool:
    if org is None:
        return not (f.comune or f.sector or f.org_kind)
    return (
        (f.comune is None or org.comune == f.comune)
        and (f.sector is None or org.sector == f.sector)
        and (f.org_kind is None or org.kind == f.org_kind)
    )


def _in(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def funnel(data: FunnelData, start: date, end: date, f: Filters = Filters()) -> list[FunnelStep]:
    """The funnel's steps for ``start``–``end`` (inclusive). Each step counts the events dated in
    the period: organizations with a call, e-mail, visit or meeting done; organizations visited;
    openings found; candidates presented; interviews; placements started; and follow-ups at 3, 6 and
    12 months (due in the period) that confirmed the person still employed.
    """
    orgs = data.organizations

    def org_ok(org_id: int) -> bool:
        return _org_ok(orgs.get(org_id), f)

    contacted: set[int] = set()
    visited: set[int] = set()
    for x in data.interactions:
        if not _in(x.on, start, end) or x.kind not in CONTACT_KINDS:
            continue
        if f.operator_id is not None and x.user_id != f.operator_id:
            continue
        if not org_ok(x.organization_id):
            continue
        contacted.add(x.organization_id)
        if x.kind == "visit":
            visited.add(x.organization_id)

    def opening_ok(o: OpeningFact) -> bool:
        org = orgs.get(o.organization_id)
        comune = o.comune or (org.comune if org else None)
        sector = o.sector or (org.sector if org else None)
        return (
            (f.operator_id is None or o.created_by_id == f.operator_id)
            and (f.comune is None or comune == f.comune)
            and (f.sector is None or sector == f.sector)
            and (f.org_kind is None or (org is not None and org.kind == f.org_kind))
        )

    openings = sorted(o.id for o in data.openings if _in(o.created_on, start, end) and opening_ok(o))

    def entry_ok(e: EntryFact) -> bool:
        return (f.operator_id is None or e.operator_id == f.operator_id) and org_ok(e.organization_id)

    presented = sorted(e.id for e in data.entries if _in(e.presented_on, start, end) and entry_ok(e))
    interviews = sorted(e.id for e in data.entries if _in(e.interview_on, start, end) and entry_ok(e))

    def placement_ok(p: PlacementFact) -> bool:
        return (f.operator_id is None or p.operator_id == f.operator_id) and (
            p.organization_id is None or org_ok(p.organization_id)
        )

    hires = sorted(
        p.placement_id for p in data.placements if _in(p.start_date, start, end) and placement_ok(p)
    )
    retained: dict[int, list[int]] = {3: [], 6: [], 12: []}
    for p in data.placements:
        if not placement_ok(p):
            continue
        for c in p.checks:
            if c.months in retained and c.still_employed and _in(c.due_date, start, end):
                retained[c.months].append(c.check_id if c.check_id is not None else p.placement_id)
    values: list[tuple[str, tuple[int, ...]]] = [
        ("contacted", tuple(sorted(contacted))),
        ("visited", tuple(sorted(visited))),
        ("openings", tuple(openings)),
        ("presented", tuple(presented)),
        ("interviews", tuple(interviews)),
        ("hires", tuple(hires)),
        ("retained_3", tuple(sorted(retained[3]))),
        ("retained_6", tuple(sorted(retained[6]))),
        ("retained_12", tuple(sorted(retained[12]))),
    ]
    steps: list[FunnelStep] = []
    previous: int | None = None
    for key, ids in values:
        rate = len(ids) / previous if previous else None
        steps.append(FunnelStep(key, len(ids), ids, rate))
        previous = len(ids)
    return steps


@dataclass(frozen=True)
class Outputs:
    calls: int
    emails: int
    visits: int
    meetings: int
    km: float


def outputs(
    interactions: Iterable[InteractionFact],
    orgs: Mapping[int, OrgFact],
    start: date,
    end: date,
    f: Filters = Filters(),
    *,
    km: float = 0.0,
) -> Outputs:
    """Output indicators (what the hub did), kept apart from the outcomes."""
    counts: Counter[str] = Counter()
    for x in interactions:
        if not _in(x.on, start, end):
            continue
        if f.operator_id is not None and x.user_id != f.operator_id:
            continue
        if not _org_ok(orgs.get(x.organization_id), f):
            continue
        counts[x.kind] += 1
    return Outputs(counts["call"], counts["email"], counts["visit"], counts["meeting"], round(km, 1))


@dataclass(frozen=True)
class Retention:
    months: int
    due: int
    confirmed: int
    ended: int
    missing: int
    pending: int  # due but still within the grace period

    @property
    def rate(self) -> float | None:
        answered = self.confirmed + self.ended + self.missing
        return self.confirmed / answered if answered else None


def retention(
    placements: Iterable[PlacementFact],
    *,
    as_of: date,
    grace_days: int = 30,
    months: Sequence[int] = (3, 6, 12),
) -> list[Retention]:
    """For the placements given: of those whose ``m``-month check is due, how many were confirmed,
    had ended, are missing (unanswered past the grace period) or pending. A missing check counts
    against the rate: the prudent reading."""
    out = []
    items = list(placements)
    for m in months:
        due = confirmed = ended = missing = pending = 0
        for p in items:
            mark = add_months(p.start_date, m)
            job = employment(p, as_of=as_of, horizon_months=max(m, 12), grace_days=grace_days)
            check = next((c for c in p.checks if c.months == m), None)
            if (check is not None and check.still_employed is False) or (
                job.status == ENDED_EARLY and job.employed_until < mark
            ):
                # Known before the mark: the job ended, whether or not the mark has come.
                due += 1
                ended += 1
                continue
            if mark > as_of:
                continue
            due += 1
            if check is not None and check.still_employed:
                confirmed += 1
            elif mark + timedelta(days=grace_days) < as_of:
                missing += 1
            else:
                pending += 1
        out.append(Retention(m, due, confirmed, ended, missing, pending))
    return out


@dataclass(frozen=True)
class Durations:
    count: int
    median_days: float | None
    mean_days: float | None


def durations(pairs: Iterable[tuple[date, date]]) -> Durations:
    days = [(b - a).days for a, b in pairs if a is not None and b is not None and b >= a]
    if not days:
        return Durations(0, None, None)
    return Durations(len(days), float(statistics.median(days)), round(statistics.fmean(days), 1))


def time_to_steps(
    entries: Sequence[EntryFact],
    placements: Sequence[PlacementFact],
    start: date,
    end: date,
    f: Filters = Filters(),
) -> tuple[Durations, Durations]:
    """Days from referral to the first presentation, and to the start of the first job, for the
    people whose first presentation (resp. first job) falls in the period."""
    first_presented: dict[int, tuple[date, date]] = {}
    for e in entries:
        if e.presented_on is None or e.referred_on is None:
            continue
        if f.operator_id is not None and e.operator_id != f.operator_id:
            continue
        seen = first_presented.get(e.candidate_id)
        if seen is None or e.presented_on < seen[1]:
            first_presented[e.candidate_id] = (e.referred_on, e.presented_on)
    first_hire: dict[int, tuple[date, date]] = {}
    for p in placements:
        if p.referred_on is None or (f.operator_id is not None and p.operator_id != f.operator_id):
            continue
        seen = first_hire.get(p.candidate_id)
        if seen is None or p.start_date < seen[1]:
            first_hire[p.candidate_id] = (p.referred_on, p.start_date)
    return (
        durations(v for v in first_presented.values() if _in(v[1], start, end)),
        durations(v for v in first_hire.values() if _in(v[1], start, end)),
    )


@dataclass
class GroupRow:
    key: str
    label: str
    placements: int = 0
    retained_6: int = 0
    due_6: int = 0
    ended_early: int = 0
    months: int = 0
    net: Decimal = field(default_factory=lambda: Decimal("0.00"))

    @property
    def rate_6(self) -> float | None:
        return self.retained_6 / self.due_6 if self.due_6 else None

    @property
    def average_months(self) -> float | None:
        return round(self.months / self.placements, 1) if self.placements else None


def lasting_by(
    lines: Sequence[LedgerLine],
    placements: Mapping[int, PlacementFact],
    key: Callable[[PlacementFact], tuple[str, str]],
    *,
    as_of: date,
) -> list[GroupRow]:
    """Which organizations (or sectors) produce lasting placements: per group, placements, those
    confirmed at 6 months among those due, those ended early, months employed and net savings."""
    groups: dict[str, GroupRow] = {}
    for line in lines:
        p = placements[line.placement_id]
        k, lbl = key(p)
        row = groups.setdefault(k, GroupRow(k, lbl))
        row.placements += 1
        row.months += line.months_employed
        row.net += line.net_present
        if line.status == ENDED_EARLY:
            row.ended_early += 1
        if add_months(p.start_date, 6) <= as_of:
            row.due_6 += 1
            if any(c.months == 6 and c.still_employed for c in p.checks):
                row.retained_6 += 1
    return sorted(groups.values(), key=lambda r: (-r.placements, -(r.rate_6 or 0), r.label))


def month_starts(first: date, last: date) -> list[date]:
    out = []
    day = first.replace(day=1)
    while day <= last:
        out.append(day)
        day = add_months(day, 1)
    return out


@dataclass(frozen=True)
class TrendPoint:
    month: date
    hires: int
    visits: int
    net: Decimal


def trend(
    months: Sequence[date],
    lines: Sequence[LedgerLine],
    interactions: Iterable[InteractionFact],
    orgs: Mapping[int, OrgFact],
    f: Filters = Filters(),
) -> list[TrendPoint]:
    """Per month: placements started, visits done, and the net savings of the placements started."""
    index = {(m.year, m.month): i for i, m in enumerate(months)}
    hires = [0] * len(months)
    visits = [0] * len(months)
    net = [Decimal("0.00")] * len(months)
    for line in lines:
        i = index.get((line.start_date.year, line.start_date.month))
        if i is not None:
            hires[i] += 1
            net[i] += line.net_present
    for x in interactions:
        i = index.get((x.on.year, x.on.month))
        if i is None or x.kind != "visit":
            continue
        if (f.operator_id is not None and x.user_id != f.operator_id) or not _org_ok(
            orgs.get(x.organization_id), f
        ):
            continue
        visits[i] += 1
    return [TrendPoint(m, hires[i], visits[i], net[i]) for i, m in enumerate(months)]


# --- small-count suppression -------------------------------------------------------------------------

SUPPRESSED = "<5"


def suppress(count: int | None, threshold: int = SUPPRESSION_THRESHOLD) -> int | str | None:
    """Counts from 1 to ``threshold`` − 1 become "<5" in exported aggregates (0 stays 0)."""
    if count is None:
        return None
    return SUPPRESSED if 0 < count < threshold else count


def suppress_row(
    values: Sequence[Any], count_columns: Sequence[int], *, basis: int | None = None
) -> list[Any]:
    """A table row with its count columns suppressed; when ``basis`` (the row's number of people) is
    under the threshold, every other figure of the row (rates, money) is blanked as well."""
    row = list(values)
    small = basis is not None and 0 < basis < SUPPRESSION_THRESHOLD
    for i, v in enumerate(row):
        if i in count_columns and isinstance(v, int):
            row[i] = suppress(v)
        elif small and i not in count_columns and i != 0 and not isinstance(v, str):
            row[i] = SUPPRESSED
    return row
