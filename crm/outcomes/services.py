"""Outcomes from the database: plain rows for :mod:`crm.outcomes.calc`, the versioned assumptions,
benefit records (encrypted, access-logged), frozen ledgers.

Everything a figure is made of comes from one function (:func:`load_data`) so the dashboard, the
drill-down pages, the exports and the command line count the same records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.audit.models import ChangeLog
from crm.audit.services import commit_as as _commit
from crm.auth.models import User
from crm.candidates.models import Candidate
from crm.extensions import db
from crm.followups.services import local_timezone
from crm.interactions.models import Interaction, InteractionStatus
from crm.openings.models import Opening, PipelineEntry, PipelineStage, Placement, PlacementCheck
from crm.organizations.models import Organization
from crm.outcomes import assumptions as spec
from crm.outcomes import calc
from crm.outcomes.models import AssumptionSet, BenefitRecord, BenefitScheme, FrozenLedgerLine, LedgerFreeze
from crm.permissions import can_manage_candidate, can_see_candidates, is_candidate_coordinator
from crm.privacy.access import log_access
from crm.privacy.crypto import DecryptionError, decrypt_json, encrypt_json
from crm.privacy.models import AccessAction, FieldGroup
from crm.privacy.notes import N_
from crm.visits.models import PlanStatus, VisitPlan

BENEFIT_CONTEXT = "outcomes.benefit"


class OutcomeError(ValueError):
    """A request the outcomes module refuses (the message says why)."""


class OutcomePermissionError(OutcomeError):
    pass


def today() -> date:
    return datetime.now(local_timezone()).date()


# --- periods ---------------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[date, date]:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, calc.add_months(first, 3) - timedelta(days=1)


def preset_periods(day: date) -> dict[str, tuple[date, date]]:
    """The periods offered on the dashboard, by key."""
    q_from, q_to = quarter_of(day)
    p_from, p_to = quarter_of(q_from - timedelta(days=1))
    return {
        "quarter": (q_from, q_to),
        "previous_quarter": (p_from, p_to),
        "year": (date(day.year, 1, 1), date(day.year, 12, 31)),
        "last_12_months": (calc.add_months(day, -12) + timedelta(days=1), day),
        "previous_year": (date(day.year - 1, 1, 1), date(day.year - 1, 12, 31)),
    }


# --- assumptions -----------------------------------------------------------------------------------


def current_assumption_set() -> AssumptionSet:
    """The latest version; version 1 (the documented defaults) is stored on first use."""
    latest = db.session.scalars(select(AssumptionSet).order_by(AssumptionSet.version.desc()).limit(1)).first()
    if latest is not None:
        return latest
    first = AssumptionSet(
        version=1,
        values=spec.default_values(),
        sources=spec.default_sources(),
        note="Valori predefiniti documentati (versione iniziale)",
    )
    db.session.add(first)
    _commit(None)
    return first


def assumption_set(version: int) -> AssumptionSet | None:
    return db.session.scalars(select(AssumptionSet).where(AssumptionSet.version == version)).first()


def assumption_history() -> list[AssumptionSet]:
    return list(
        db.session.scalars(
            select(AssumptionSet)
            .options(selectinload(AssumptionSet.created_by))
            .order_by(AssumptionSet.version.desc())
        )
    )


def typed(row: AssumptionSet) -> spec.Assumptions:
    return spec.parse(row.values, row.version)


def save_assumptions(
    values: Mapping[str, Any], sources: Mapping[str, str], *, note: str | None, by: User
) -> AssumptionSet:
    """Store a new version (coordinators only). Values are checked by :func:`spec.coerce`.

    :raises spec.AssumptionError: naming the first wrong value.
    :raises OutcomeError: when nothing changed.
    """
    if not is_candidate_coordinator(by):
        raise OutcomePermissionError("coordinators only")
    current = current_assumption_set()
    clean = {p.key: spec.to_json(p, spec.coerce(p, values.get(p.key, p.default))) for p in spec.PARAMETERS}
    clean_sources = {
        p.key: (str(sources.get(p.key) or "").strip()[:1000] or current.sources.get(p.key, p.source))
        for p in spec.PARAMETERS
    }
    if clean == current.values and clean_sources == current.sources:
        raise OutcomeError("nothing changed")
    row = AssumptionSet(
        version=current.version + 1,
        values=clean,
        sources=clean_sources,
        note=(note or "").strip()[:300] or None,
        created_by_id=by.id,
    )
    db.session.add(row)
    _commit(by)
    return row


# --- benefit records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitView:
    record: BenefitRecord
    monthly_amount: Decimal | None
    note: str | None


def _details(record: BenefitRecord) -> tuple[Decimal | None, str | None]:
    """The amount and note; a value no configured key opens (a lost old key) counts as "amount not
    recorded" (the scheme's assumed amount), with a warning that names the record, not the person."""
    try:
        data = decrypt_json(record.details_encrypted, context=BENEFIT_CONTEXT) or {}
    except DecryptionError:
        current_app.logger.warning("benefit record %s cannot be decrypted: assumed amount used", record.id)
        data = {}
    amount = data.get("monthly_amount")
    try:
        value = Decimal(str(amount)) if amount not in (None, "") else None
    except InvalidOperation:
        value = None
    return value, data.get("note")


def encrypt_details(monthly_amount: Decimal | None, note: str | None, *, seed: bytes | None = None) -> str:
    payload = {
        "monthly_amount": None if monthly_amount is None else str(calc.cents(Decimal(monthly_amount))),
        "note": (note or "").strip()[:300] or None,
    }
    return encrypt_json(payload, context=BENEFIT_CONTEXT, deterministic=seed)


def read_benefits(candidate: Candidate, *, by: User) -> list[BenefitView]:
    """The candidate's benefit records with their amounts; the reading is logged."""
    if not can_manage_candidate(by, candidate):
        raise OutcomePermissionError(candidate.code)
    records = list(
        db.session.scalars(
            select(BenefitRecord)
            .where(BenefitRecord.candidate_id == candidate.id)
            .order_by(BenefitRecord.started_on)
        )
    )
    if records:
        log_access(
            by=by,
            action=AccessAction.VIEW,
            field_group=FieldGroup.SENSITIVE,
            candidates=[candidate],
            detail=N_("outcomes: income support (benefit amounts)"),
            commit=True,
        )
    return [BenefitView(r, *_details(r)) for r in records]


def add_benefit(candidate: Candidate, data: Mapping[str, Any], *, by: User) -> BenefitRecord:
    """Record income support the person received (the follower or a coordinator)."""
    if not can_manage_candidate(by, candidate):
        raise OutcomePermissionError(candidate.code)
    scheme = BenefitScheme(data["scheme"])
    started: date = data["started_on"]
    until: date | None = data.get("entitled_until")
    if until is not None and until < started:
        raise OutcomeError("the entitlement ends before it starts")
    amount = data.get("monthly_amount")
    record = BenefitRecord(
        candidate_id=candidate.id,
        scheme=scheme,
        started_on=started,
        entitled_until=until,
        details_encrypted=encrypt_details(amount, data.get("note")),
        recorded_by_id=by.id,
    )
    db.session.add(record)
    log_access(
        by=by,
        action=AccessAction.CHANGE,
        field_group=FieldGroup.SENSITIVE,
        candidates=[candidate],
        detail=N_("outcomes: income support added"),
    )
    _commit(by)
    return record


def delete_benefit(record: BenefitRecord, *, by: User) -> None:
    if not can_manage_candidate(by, record.candidate):
        raise OutcomePermissionError(record.candidate.code)
    log_access(
        by=by,
        action=AccessAction.CHANGE,
        field_group=FieldGroup.SENSITIVE,
        candidates=[record.candidate],
        detail=N_("outcomes: income support removed"),
    )
    db.session.delete(record)
    _commit(by)


def benefit_overview() -> list[tuple[BenefitScheme, int]]:
    """How many records per scheme (no amounts, no people)."""
    rows = db.session.execute(
        select(BenefitRecord.scheme, func.count())
        .group_by(BenefitRecord.scheme)
        .order_by(BenefitRecord.scheme)
    ).all()
    return [(BenefitScheme(s), int(n)) for s, n in rows]


# --- loading the rows ------------------------------------------------------------------------------


@dataclass
class Data:
    funnel: calc.FunnelData
    placements: dict[int, calc.PlacementFact]
    organizations: dict[int, calc.OrgFact]
    km_by_day: dict[tuple[int | None, date], float] = field(default_factory=dict)

    def km(self, start: date, end: date, operator_id: int | None = None) -> float:
        return sum(
            km
            for (user, day), km in self.km_by_day.items()
            if start <= day <= end and (operator_id is None or user == operator_id)
        )


def _local_day(instant: datetime | None) -> date | None:
    if instant is None:
        return None
    return instant.astimezone(local_timezone()).date()


def _interview_days(entry_ids: Sequence[int]) -> dict[int, date]:
    """The first change of each entry's stage to "interview", from the change history."""
    out: dict[int, date] = {}
    if not entry_ids:
        return out
    rows = db.session.execute(
        select(ChangeLog.entity_id, ChangeLog.changes, ChangeLog.created_at)
        .where(ChangeLog.entity_type == PipelineEntry.__tablename__)
        .order_by(ChangeLog.created_at)
    ).all()
    for entity_id, changes, created in rows:
        stage = (changes or {}).get("stage")
        new = stage[1] if isinstance(stage, list | tuple) and len(stage) == 2 else stage
        if new == PipelineStage.INTERVIEW.value and entity_id not in out:
            day = _local_day(created)
            if day is not None:
                out[entity_id] = day
    return out


def load_data(
    *, interactions_from: date | None = None, interactions_to: date | None = None, interactions: bool = True
) -> Data:
    """All the rows the funnel and the ledger need (pseudonymous: codes, never names)."""
    from crm.interactions.services import to_utc

    orgs = {
        o.id: calc.OrgFact(
            o.id, o.display_name, o.kind.value if o.kind else None, o.comune_code, o.ateco_section
        )
        for o in db.session.scalars(select(Organization))
    }
    query = select(
        Interaction.id,
        Interaction.organization_id,
        Interaction.kind,
        Interaction.occurred_at,
        Interaction.user_id,
    ).where(Interaction.status == InteractionStatus.DONE)
    if interactions_from is not None:
        query = query.where(Interaction.occurred_at >= to_utc(interactions_from, datetime.min.time()))
    if interactions_to is not None:
        query = query.where(
            Interaction.occurred_at < to_utc(interactions_to + timedelta(days=1), datetime.min.time())
        )
    interaction_rows = [
        calc.InteractionFact(i, org, kind.value, _local_day(at) or date.min, user)
        for i, org, kind, at, user in (db.session.execute(query) if interactions else ())
    ]
    openings = [
        calc.OpeningFact(
            o.id,
            o.organization_id,
            _local_day(o.created_at) or date.min,
            o.created_by_id,
            o.comune_code,
            o.ateco_section,
        )
        for o in db.session.scalars(select(Opening))
    ]
    opening_org = {o.id: o.organization_id for o in openings}
    entries_rows = list(
        db.session.scalars(
            select(PipelineEntry).options(
                selectinload(PipelineEntry.candidate),
                selectinload(PipelineEntry.placement).selectinload(Placement.checks),
            )
        )
    )
    interview_days = _interview_days([e.id for e in entries_rows])
    benefits: dict[int, list[calc.BenefitFact]] = {}
    for record in db.session.scalars(select(BenefitRecord)):
        amount, _note = _details(record)
        benefits.setdefault(record.candidate_id, []).append(
            calc.BenefitFact(record.scheme.value, amount, record.started_on, record.entitled_until, record.id)
        )
    entries: list[calc.EntryFact] = []
    placements: dict[int, calc.PlacementFact] = {}
    for e in entries_rows:
        cand = e.candidate
        interview = interview_days.get(e.id)
        if interview is None and e.stage is PipelineStage.INTERVIEW:
            interview = _local_day(e.stage_changed_at)
        elif interview is None and e.stage is PipelineStage.HIRED:
            # No history (imported or older rows): a hire is counted as interviewed on the hire day.
            interview = _local_day(e.stage_changed_at)
        entries.append(
            calc.EntryFact(
                e.id,
                e.opening_id,
                opening_org.get(e.opening_id, 0),
                e.candidate_id,
                cand.operator_id,
                cand.referred_on,
                _local_day(e.presented_at),
                interview,
            )
        )
        p = e.placement
        if p is None:
            continue
        org = orgs.get(opening_org.get(e.opening_id, 0))
        placements[p.id] = calc.PlacementFact(
            placement_id=p.id,
            candidate_id=e.candidate_id,
            candidate_code=cand.code,
            start_date=p.start_date,
            end_date=p.end_date,
            hours_per_week=p.hours_per_week,
            checks=tuple(
                calc.CheckFact(c.months, c.due_date, c.still_employed, c.checked_on, c.id) for c in p.checks
            ),
            benefits=tuple(benefits.get(e.candidate_id, ())),
            organization_id=org.id if org else None,
            organization=org.name if org else "",
            org_kind=org.kind if org else None,
            sector=(org.sector if org else None),
            comune=(org.comune if org else None),
            operator_id=cand.operator_id,
            referred_on=cand.referred_on,
            hired_on=_local_day(e.stage_changed_at),
        )
    data = Data(
        calc.FunnelData(orgs, interaction_rows, openings, entries, list(placements.values())),
        placements,
        orgs,
    )
    data.km_by_day = _km_by_day()
    return data


def _km_by_day() -> dict[tuple[int | None, date], float]:
    """Kilometres of the accepted visit plans, per staff member and day (routes' travel distance)."""
    out: dict[tuple[int | None, date], float] = {}
    for plan in db.session.scalars(select(VisitPlan).where(VisitPlan.status == PlanStatus.ACCEPTED)):
        for route in (plan.result or {}).get("routes", []):
            try:
                day = date.fromordinal(int(route.get("day")))
                metres = sum(int(s.get("distance") or 0) for s in route.get("steps", []))
                user = int(route.get("staff_id")) if route.get("staff_id") is not None else None
            except (TypeError, ValueError):
                continue
            out[(user, day)] = out.get((user, day), 0.0) + metres / 1000
    return out


# --- the ledger and the dashboard --------------------------------------------------------------------


def ledger_lines(
    data: Data, start: date, end: date, a: spec.Assumptions, f: calc.Filters = calc.NO_FILTERS, *, as_of: date
) -> list[calc.LedgerLine]:
    """The ledger of a period: one line per placement that started in it (a cohort), computed as of
    ``as_of`` with assumptions ``a``."""
    hires = next(s for s in calc.funnel(data.funnel, start, end, f) if s.key == "hires")
    return [calc.ledger_line(data.placements[pid], a, as_of=as_of) for pid in hires.ids]


@dataclass
class Dashboard:
    start: date
    end: date
    as_of: date
    filters: calc.Filters
    assumptions: AssumptionSet
    funnel: list[calc.FunnelStep]
    outputs: calc.Outputs
    retention: list[calc.Retention]
    to_presentation: calc.Durations
    to_hire: calc.Durations
    lines: list[calc.LedgerLine]
    totals: calc.LedgerTotals
    by_organization: list[calc.GroupRow]
    by_sector: list[calc.GroupRow]
    trend: list[calc.TrendPoint]
    hours_worked: int
    freeze: LedgerFreeze | None = None


def dashboard(
    start: date, end: date, f: calc.Filters = calc.NO_FILTERS, *, as_of: date | None = None
) -> Dashboard:
    as_of = as_of or today()
    months = calc.month_starts(calc.add_months(end.replace(day=1), -11), end)
    months = [m for m in months if m >= min(start.replace(day=1), months[0])]
    data = load_data(interactions_from=min(start, months[0]), interactions_to=end)
    row = current_assumption_set()
    a = typed(row)
    lines = ledger_lines(data, start, end, a, f, as_of=as_of)
    steps = calc.funnel(data.funnel, start, end, f)
    to_presented, to_hire = calc.time_to_steps(
        [e for e in data.funnel.entries if f.operator_id is None or e.operator_id == f.operator_id],
        list(data.placements.values()),
        start,
        end,
        f,
    )
    cohort = [data.placements[x.placement_id] for x in lines]
    trend_start = months[0]
    trend_lines = ledger_lines(data, trend_start, end, a, f, as_of=as_of)
    return Dashboard(
        start=start,
        end=end,
        as_of=as_of,
        filters=f,
        assumptions=row,
        funnel=steps,
        outputs=calc.outputs(
            data.funnel.interactions, data.organizations, start, end, f, km=data.km(start, end, f.operator_id)
        ),
        retention=calc.retention(cohort, as_of=as_of, grace_days=a.grace_days),
        to_presentation=to_presented,
        to_hire=to_hire,
        lines=lines,
        totals=calc.ledger_totals(lines),
        by_organization=calc.lasting_by(
            lines,
            data.placements,
            lambda p: (str(p.organization_id or 0), p.organization or "—"),
            as_of=as_of,
        ),
        by_sector=calc.lasting_by(
            lines, data.placements, lambda p: (p.sector or "", p.sector or "—"), as_of=as_of
        ),
        trend=calc.trend(months, trend_lines, data.funnel.interactions, data.organizations, f),
        hours_worked=sum(x.hours_worked for x in lines),
        freeze=find_freeze(start, end) if not f.active else None,
    )


def group_funnels(
    start: date, end: date, dimension: str, values: Sequence[tuple[Any, str]]
) -> list[tuple[str, list[calc.FunnelStep]]]:
    """The funnel per operator, comune, sector or organization kind (one row per value)."""
    data = load_data(interactions_from=start, interactions_to=end)
    out = []
    for value, label in values:
        f = calc.Filters(**{dimension: value})
        out.append((label, calc.funnel(data.funnel, start, end, f)))
    return out


def log_ledger_access(lines: Sequence[Any], *, by: User, action: AccessAction, detail: str) -> None:
    """Ledger lines show benefit amounts per pseudonymous code: the showing is logged."""
    if not lines:
        return
    log_access(
        by=by,
        action=action,
        field_group=FieldGroup.SENSITIVE,
        candidates=[line.candidate_code for line in lines],
        detail=detail,
        commit=True,
    )


def can_read_ledger(user: Any) -> bool:
    """Ledger lines (benefit amounts per person): coordinators only; admins never."""
    return is_candidate_coordinator(user)


def can_read_dashboard(user: Any) -> bool:
    """The aggregated dashboard: operators (read-only) and coordinators; admins do not."""
    return can_see_candidates(user)


# --- comparisons and freezing ----------------------------------------------------------------------


def recompute_with(
    start: date, end: date, before: AssumptionSet, after: AssumptionSet, *, as_of: date | None = None
) -> tuple[list[calc.LedgerLine], list[calc.LedgerLine], list[calc.LineDifference]]:
    as_of = as_of or today()
    data = load_data(interactions=False)
    old = ledger_lines(data, start, end, typed(before), as_of=as_of)
    new = ledger_lines(data, start, end, typed(after), as_of=as_of)
    return old, new, calc.compare_ledgers(old, new)


def find_freeze(start: date, end: date) -> LedgerFreeze | None:
    return db.session.scalars(
        select(LedgerFreeze).where(LedgerFreeze.period_from == start, LedgerFreeze.period_to == end)
    ).first()


def overlapping_freezes(start: date, end: date) -> list[LedgerFreeze]:
    """The frozen periods sharing at least one day with ``start``–``end`` (the same period included)."""
    return list(
        db.session.scalars(
            select(LedgerFreeze)
            .where(LedgerFreeze.period_from <= end, LedgerFreeze.period_to >= start)
            .order_by(LedgerFreeze.period_from, LedgerFreeze.id)
        )
    )


def freezes() -> list[LedgerFreeze]:
    return list(
        db.session.scalars(
            select(LedgerFreeze)
            .options(selectinload(LedgerFreeze.assumption_set), selectinload(LedgerFreeze.created_by))
            .order_by(LedgerFreeze.period_from.desc(), LedgerFreeze.id.desc())
        )
    )


def freeze_ledger(
    start: date, end: date, *, by: User, note: str | None = None, as_of: date | None = None
) -> LedgerFreeze:
    """Store the period's ledger lines as they are now, with the current assumptions.

    :raises OutcomeError: when the period is not closed yet, is the wrong way round, or is frozen.
    """
    if not is_candidate_coordinator(by):
        raise OutcomePermissionError("coordinators only")
    as_of = as_of or today()
    if end < start:
        raise OutcomeError("the period ends before it starts")
    if end >= as_of:
        raise OutcomeError("only a closed period can be frozen")
    if find_freeze(start, end) is not None:
        raise OutcomeError("this period is already frozen")
    row = current_assumption_set()
    data = load_data(interactions=False)
    lines = ledger_lines(data, start, end, typed(row), as_of=as_of)
    totals = calc.ledger_totals(lines)
    freeze = LedgerFreeze(
        period_from=start,
        period_to=end,
        assumption_set_id=row.id,
        totals=totals.as_json(),
        note=(note or "").strip()[:300] or None,
        created_by_id=by.id,
    )
    for n, x in enumerate(lines, start=1):
        freeze.lines.append(
            FrozenLedgerLine(
                position=n,
                placement_id=x.placement_id,
                candidate_code=x.candidate_code,
                organization=x.organization[:200],
                sector=x.sector,
                start_date=x.start_date,
                employed_until=x.employed_until,
                status=x.status,
                months_employed=x.months_employed,
                hours_worked=x.hours_worked,
                schemes=",".join(x.schemes)[:100],
                monthly_benefit=x.monthly_benefit,
                benefit_months=x.benefit_months,
                benefit_saved=x.benefit_saved,
                taxes=x.taxes,
                programme_cost=x.programme_cost,
                net=x.net,
                net_present=x.net_present,
            )
        )
    db.session.add(freeze)
    _commit(by)
    return freeze


# --- drill-down ------------------------------------------------------------------------------------


def step_records(step: calc.FunnelStep) -> list[Any]:
    """The records behind a funnel step, for its drill-down page."""
    ids = list(step.ids)
    if not ids:
        return []
    if step.key in ("contacted", "visited"):
        return list(
            db.session.scalars(
                select(Organization).where(Organization.id.in_(ids)).order_by(Organization.legal_name)
            )
        )
    if step.key == "openings":
        return list(
            db.session.scalars(
                select(Opening)
                .options(selectinload(Opening.organization))
                .where(Opening.id.in_(ids))
                .order_by(Opening.created_at)
            )
        )
    if step.key in ("presented", "interviews"):
        return list(
            db.session.scalars(
                select(PipelineEntry)
                .options(
                    selectinload(PipelineEntry.candidate),
                    selectinload(PipelineEntry.opening).selectinload(Opening.organization),
                )
                .where(PipelineEntry.id.in_(ids))
                .order_by(PipelineEntry.presented_at)
            )
        )
    if step.key == "hires":
        return list(
            db.session.scalars(
                select(Placement)
                .options(
                    selectinload(Placement.entry).selectinload(PipelineEntry.candidate),
                    selectinload(Placement.checks),
                    selectinload(Placement.entry)
                    .selectinload(PipelineEntry.opening)
                    .selectinload(Opening.organization),
                )
                .where(Placement.id.in_(ids))
                .order_by(Placement.start_date)
            )
        )
    return list(
        db.session.scalars(
            select(PlacementCheck)
            .options(
                selectinload(PlacementCheck.placement)
                .selectinload(Placement.entry)
                .selectinload(PipelineEntry.candidate),
                selectinload(PlacementCheck.placement)
                .selectinload(Placement.entry)
                .selectinload(PipelineEntry.opening)
                .selectinload(Opening.organization),
            )
            .where(PlacementCheck.id.in_(ids))
            .order_by(PlacementCheck.due_date)
        )
    )


def placement_detail(placement_id: int) -> Placement | None:
    return db.session.scalars(
        select(Placement)
        .options(
            selectinload(Placement.checks),
            selectinload(Placement.entry).selectinload(PipelineEntry.candidate),
            selectinload(Placement.entry)
            .selectinload(PipelineEntry.opening)
            .selectinload(Opening.organization),
        )
        .where(Placement.id == placement_id)
    ).first()


def placement_fact(placement_id: int) -> calc.PlacementFact | None:
    data = load_data(
        interactions_from=date.max - timedelta(days=1), interactions_to=date.max - timedelta(days=1)
    )
    return data.placements.get(placement_id)
