"""Timeliness per referring office: days from the referral to the first contact, to the plan, to the
first presentation to an employer and to the hire. :func:`summarise` is pure; :func:`timeliness_rows`
reads the facts from the database in four grouped queries (no per-candidate query)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

from sqlalchemy import func, select

from crm.candidates.models import Candidate
from crm.extensions import db
from crm.followups.services import local_timezone
from crm.openings.models import PipelineEntry, Placement
from crm.partnership.models import Plan, PlanVersion, Referral, ReferringOffice

#: The intervals measured, in the order of the path.
STEPS: tuple[str, ...] = ("first_contact", "plan", "presentation", "hire")


@dataclass(frozen=True)
class CaseDates:
    office: str
    referred_on: date
    first_contact: date | None = None
    plan: date | None = None
    presentation: date | None = None
    hire: date | None = None


@dataclass(frozen=True)
class StepFigure:
    count: int  # cases that reached the step
    median_days: float | None


@dataclass
class OfficeTimeliness:
    office: str
    referrals: int = 0
    steps: dict[str, StepFigure] = field(default_factory=dict)


def summarise(cases: Iterable[CaseDates]) -> list[OfficeTimeliness]:
    """Per office (by name), the number of referrals and, for each step, how many cases reached it and
    the median number of days from the referral. A date before the referral counts as day 0 (a person
    already known to the hub when the referral was recorded)."""
    days: dict[str, dict[str, list[int]]] = {}
    totals: dict[str, int] = {}
    for case in cases:
        totals[case.office] = totals.get(case.office, 0) + 1
        per_step = days.setdefault(case.office, {s: [] for s in STEPS})
        for step in STEPS:
            when = getattr(case, step)
            if when is not None:
                per_step[step].append(max(0, (when - case.referred_on).days))
    result = []
    for office in sorted(totals):
        figures = {
            step: StepFigure(len(values), float(median(values)) if values else None)
            for step, values in days[office].items()
        }
        result.append(OfficeTimeliness(office, totals[office], figures))
    return result


def timeliness_rows(*, since: date | None = None, office_id: int | None = None) -> list[CaseDates]:
    """The dates of every referral (erased candidates included: their dates are statistics)."""
    query = (
        select(Referral.candidate_id, ReferringOffice.name, Candidate.referred_on, Referral.first_contact_on)
        .join(Referral.office)
        .join(Referral.candidate)
    )
    if since is not None:
        query = query.where(Candidate.referred_on >= since)
    if office_id is not None:
        query = query.where(Referral.office_id == office_id)
    base = {row[0]: row for row in db.session.execute(query)}
    if not base:
        return []
    ids = list(base)
    plans = dict(
        db.session.execute(
            select(Plan.candidate_id, func.min(PlanVersion.created_at))
            .join(PlanVersion.plan)
            .where(Plan.candidate_id.in_(ids))
            .group_by(Plan.candidate_id)
        ).all()
    )
    presented = dict(
        db.session.execute(
            select(PipelineEntry.candidate_id, func.min(PipelineEntry.presented_at))
            .where(PipelineEntry.candidate_id.in_(ids), PipelineEntry.presented_at.is_not(None))
            .group_by(PipelineEntry.candidate_id)
        ).all()
    )
    hired = dict(
        db.session.execute(
            select(PipelineEntry.candidate_id, func.min(Placement.created_at))
            .join(Placement.entry)
            .where(PipelineEntry.candidate_id.in_(ids))
            .group_by(PipelineEntry.candidate_id)
        ).all()
    )

    zone = local_timezone()

    def day(value: datetime | None) -> date | None:
        if value is None:
            return None
        return value.astimezone(zone).date() if value.tzinfo is not None else value.date()

    return [
        CaseDates(
            office=name,
            referred_on=referred_on,
            first_contact=first_contact,
            plan=day(plans.get(candidate_id)),
            presentation=day(presented.get(candidate_id)),
            hire=day(hired.get(candidate_id)),
        )
        for candidate_id, name, referred_on, first_contact in base.values()
    ]
