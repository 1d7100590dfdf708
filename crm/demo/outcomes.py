"""Demo outcomes: more placements over the last year (with their follow-ups), some ended early
between two follow-ups, some with the latest follow-up never recorded, the income support the
people received, and version 1 of the savings assumptions. Pure: rows only; the amounts stay in
clear in ``data.benefit_details`` and the loader encrypts them (:func:`benefit_rows`).

A separate random stream keeps the other modules' rows unchanged up to here.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crm.candidates.models import CandidateStatus
from crm.followups.models import FollowUpStatus
from crm.openings.models import OpeningStatus, PipelineStage
from crm.outcomes.models import BenefitScheme

if TYPE_CHECKING:
    from crm.demo.generator import DemoData

#: Extra hires per opening found 1–14 months ago, so the dashboard has a year of placements.
EXTRA_HIRES = (0, 1, 1, 2, 2)
EARLY_END_SHARE = 1.0  # every job lost at a check ended some time before it
MISSING_SHARE = 0.15  # placements whose latest follow-up was never recorded
GRACE_DAYS = 30

#: scheme, weight, monthly amount (None: the assumptions' amount), entitlement in months (None: open)
SCHEMES: tuple[tuple[BenefitScheme, int], ...] = (
    (BenefitScheme.ADI, 35),
    (BenefitScheme.SFL, 30),
    (BenefitScheme.NASPI, 15),
    (BenefitScheme.MUNICIPAL, 20),
)


def _add_months(day: date, months: int) -> date:
    from crm.outcomes.calc import add_months

    return add_months(day, months)


def add_outcomes(data: DemoData) -> None:
    """Fill ``data.benefit_records``, ``data.assumption_sets`` and add placements (see the module)."""
    rng = random.Random(f"{data.seed}-outcomes")
    _more_placements(rng, data)
    _early_ends(rng, data)
    _missing_follow_ups(rng, data)
    _benefits(rng, data)
    _assumptions(data)


def _more_placements(rng: random.Random, data: DemoData) -> None:
    from crm.demo.candidates import _placement, _utc

    today = data.today
    by_opening: dict[int, set[int]] = {}
    for e in data.pipeline_entries:
        by_opening.setdefault(e["opening_id"], set()).add(e["candidate_id"])
    for opening in data.openings:
        found = opening["created_at"].date()
        age = (today - found).days
        if not 45 <= age <= 430:
            continue
        extra = rng.choice(EXTRA_HIRES)
        pool = [
            c
            for c in data.candidates
            if c["status"] is CandidateStatus.ACTIVE
            and c["referred_on"] < found
            and c["id"] not in by_opening.get(opening["id"], set())
        ]
        hires = sum(
            1
            for e in data.pipeline_entries
            if e["opening_id"] == opening["id"] and e["stage"] is PipelineStage.HIRED
        )
        for candidate in rng.sample(pool, k=min(extra, len(pool))):
            presented = found + timedelta(days=rng.randint(4, 15))
            hired = presented + timedelta(days=rng.randint(7, 20))
            if hired + timedelta(days=14) >= today:
                continue
            eid = len(data.pipeline_entries) + 1
            data.pipeline_entries.append(
                {
                    "id": eid,
                    "opening_id": opening["id"],
                    "candidate_id": candidate["id"],
                    "stage": PipelineStage.HIRED,
                    "score": rng.randint(60, 95),
                    "not_hired_reason": None,
                    "note": None,
                    "proposed_by_id": candidate["operator_id"],
                    "presented_at": _utc(presented, 12),
                    "stage_changed_at": _utc(hired, 16),
                    "created_at": _utc(presented - timedelta(days=2), 9),
                    "updated_at": _utc(hired, 16),
                }
            )
            by_opening.setdefault(opening["id"], set()).add(candidate["id"])
            _placement(rng, data, opening, candidate, eid, hired, today)
            hires += 1
        if hires > opening["positions"]:
            opening["positions"] = hires
        if hires >= opening["positions"] and age > 60:
            opening["status"] = OpeningStatus.FILLED


def _early_ends(rng: random.Random, data: DemoData) -> None:
    """A job lost at a follow-up ended on some day since the previous one, not on the check's day."""
    checks: dict[int, list[dict[str, Any]]] = {}
    for c in data.placement_checks:
        checks.setdefault(c["placement_id"], []).append(c)
    for p in data.placements:
        if p["end_date"] is None or rng.random() > EARLY_END_SHARE:
            continue
        rows = sorted(checks.get(p["id"], []), key=lambda c: c["months"])
        lost = next((c for c in rows if c["still_employed"] is False), None)
        if lost is None:
            continue
        earlier = [c["months"] for c in rows if c["months"] < lost["months"]]
        since = _add_months(p["start_date"], earlier[-1]) if earlier else p["start_date"] + timedelta(days=7)
        span = max(1, (lost["due_date"] - since).days)
        p["end_date"] = since + timedelta(days=rng.randint(1, span))


def _missing_follow_ups(rng: random.Random, data: DemoData) -> None:
    """For some people still at work, the latest follow-up was never recorded (the task stays open)."""
    today = data.today
    follow_ups = {f["id"]: f for f in data.follow_ups}
    checks: dict[int, list[dict[str, Any]]] = {}
    for c in data.placement_checks:
        checks.setdefault(c["placement_id"], []).append(c)
    for p in data.placements:
        if p["end_date"] is not None or rng.random() > MISSING_SHARE:
            continue
        answered = [c for c in checks.get(p["id"], []) if c["still_employed"] is True]
        if not answered:
            continue
        last = max(answered, key=lambda c: c["months"])
        if last["due_date"] + timedelta(days=GRACE_DAYS) >= today:
            continue
        last.update(still_employed=None, checked_on=None, checked_by_id=None)
        task = follow_ups.get(last["follow_up_id"])
        if task is not None:
            task.update(status=FollowUpStatus.OPEN, completed_at=None, updated_at=task["created_at"])


def _benefits(rng: random.Random, data: DemoData) -> None:
    from crm.demo.candidates import _utc

    entry_candidate = {e["id"]: e["candidate_id"] for e in data.pipeline_entries}
    first_job: dict[int, date] = {}
    for p in data.placements:
        cid = entry_candidate[p["entry_id"]]
        first_job[cid] = min(first_job.get(cid, p["start_date"]), p["start_date"])
    schemes = [s for s, _ in SCHEMES]
    weights = [w for _, w in SCHEMES]
    for c in data.candidates:
        job = first_job.get(c["id"])
        # Most people the social services refer receive some income support; a few do not.
        if rng.random() > (0.9 if job is not None else 0.6):
            continue
        scheme = rng.choices(schemes, weights=weights)[0]
        started = min(c["referred_on"], job or c["referred_on"]) - timedelta(days=rng.randint(10, 240))
        # Until when the person would have received it without a job (after the job's start, mostly).
        horizon = job or c["referred_on"]
        amount: Decimal | None
        if scheme is BenefitScheme.ADI:
            amount = Decimal(rng.randrange(280, 760, 10))
            until = None if rng.random() < 0.7 else _add_months(horizon, rng.randint(4, 18))
        elif scheme is BenefitScheme.SFL:
            amount = None  # the assumptions' €500
            until = max(_add_months(started, 12), _add_months(horizon, rng.randint(3, 12)))
        elif scheme is BenefitScheme.NASPI:
            amount = Decimal(rng.randrange(650, 1250, 10))
            until = _add_months(horizon, rng.randint(2, 14))
        else:
            amount = Decimal(rng.randrange(150, 410, 10))
            until = None if rng.random() < 0.5 else _add_months(horizon, 12)
        rid = len(data.benefit_records) + 1
        data.benefit_records.append(
            {
                "id": rid,
                "candidate_id": c["id"],
                "scheme": scheme,
                "started_on": started,
                "entitled_until": until,
                "details_encrypted": None,
                "recorded_by_id": c["operator_id"],
                "created_at": _utc(c["referred_on"], 12),
            }
        )
        data.benefit_details[rid] = {"monthly_amount": amount, "note": None}


def _assumptions(data: DemoData) -> None:
    from crm.demo.candidates import _utc
    from crm.outcomes.assumptions import default_sources, default_values

    data.assumption_sets.append(
        {
            "id": 1,
            "version": 1,
            "values": default_values(),
            "sources": default_sources(),
            "note": "Valori predefiniti documentati (versione iniziale)",
            "created_by_id": None,
            "created_at": _utc(data.today - timedelta(days=560), 9),
        }
    )


def benefit_rows(data: DemoData) -> list[dict[str, Any]]:
    """Benefit records with their amount and note encrypted (seeded, so reproducible)."""
    from crm.outcomes.services import encrypt_details

    return [
        {
            **row,
            "details_encrypted": encrypt_details(
                data.benefit_details[row["id"]]["monthly_amount"],
                data.benefit_details[row["id"]]["note"],
                seed=f"demo-{data.seed}-benefit-{row['id']}".encode(),
            ),
        }
        for row in data.benefit_records
    ]
