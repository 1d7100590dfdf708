"""Openings, matching both ways, the shortlist and pipeline, presenting, placements and their checks.

Services own the transaction and never read the request; ``by`` is the staff member acting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from crm.audit.services import commit_as as _commit
from crm.auth.models import User
from crm.candidates.models import Candidate, CandidateStatus, Skill
from crm.candidates.services import _add_months, home_point
from crm.db_types import utcnow
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.interactions.models import Interaction
from crm.matching import CandidateFacts, Match, OpeningFacts, rank, score_match
from crm.openings.commute import commute_minutes
from crm.openings.models import (
    CHECK_MONTHS,
    ContractType,
    NotHiredReason,
    Opening,
    OpeningSkill,
    OpeningStatus,
    PipelineEntry,
    PipelineStage,
    Placement,
    PlacementCheck,
)
from crm.organizations.models import Organization
from crm.permissions import can_manage_candidate, can_see_candidates
from crm.privacy.access import log_access
from crm.privacy.models import AccessAction, FieldGroup
from crm.privacy.notes import N_, note
from crm.reference.places import comune_by_code, fold

OPENING_FIELDS: frozenset[str] = frozenset(
    {
        "title",
        "job_family",
        "ateco_section",
        "description",
        "free_skills",
        "contract",
        "hours_per_week",
        "shifts",
        "address",
        "comune_code",
        "positions",
        "deadline",
        "status",
        "interaction_id",
    }
)

#: The moves the pipeline allows (a step back is allowed too, to correct a slip).
STAGE_MOVES: dict[PipelineStage, frozenset[PipelineStage]] = {
    PipelineStage.PROPOSED: frozenset({PipelineStage.PRESENTED, PipelineStage.NOT_HIRED}),
    PipelineStage.PRESENTED: frozenset(
        {PipelineStage.INTERVIEW, PipelineStage.NOT_HIRED, PipelineStage.PROPOSED}
    ),
    PipelineStage.INTERVIEW: frozenset(
        {PipelineStage.HIRED, PipelineStage.NOT_HIRED, PipelineStage.PRESENTED}
    ),
    PipelineStage.HIRED: frozenset(),
    PipelineStage.NOT_HIRED: frozenset({PipelineStage.PROPOSED}),
}


class OpeningError(ValueError):
    """An opening or pipeline change cannot be made as asked."""


class OpeningPermissionError(OpeningError):
    """The acting user may not make this change."""


# --- Openings -------------------------------------------------------------------------------------


def _apply(opening: Opening, data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        if key not in OPENING_FIELDS:
            continue
        if isinstance(value, str):
            value = value.strip() or None
        if key == "contract" and value is not None:
            value = ContractType(value)
        if key == "status" and value is not None:
            value = OpeningStatus(value)
        if key in ("free_skills", "shifts"):
            value = [str(v).strip() for v in (value or []) if str(v).strip()]
        if key == "positions":
            value = max(1, int(value or 1))
        setattr(opening, key, value)
    _place(opening)


def _place(opening: Opening) -> None:
    """Where the work is: the organization's point unless another comune is given (its centre)."""
    org = opening.organization
    if opening.comune_code and org is not None and opening.comune_code != org.comune_code:
        comune = comune_by_code(opening.comune_code)
        opening.latitude = comune.latitude if comune else None
        opening.longitude = comune.longitude if comune else None
        return
    if org is not None:
        opening.comune_code = opening.comune_code or org.comune_code
        opening.address = opening.address or org.address
        opening.latitude, opening.longitude = org.latitude, org.longitude
        if opening.latitude is None and (comune := comune_by_code(opening.comune_code)) is not None:
            opening.latitude, opening.longitude = comune.latitude, comune.longitude


def _set_skills(opening: Opening, required: Iterable[int], desirable: Iterable[int]) -> None:
    required_ids = {int(i) for i in required}
    desirable_ids = {int(i) for i in desirable} - required_ids
    wanted = required_ids | desirable_ids
    known = set(db.session.scalars(select(Skill.id).where(Skill.id.in_(wanted)))) if wanted else set()
    opening.skill_links = [OpeningSkill(skill_id=i, required=i in required_ids) for i in sorted(known)]


def create_opening(
    organization: Organization,
    data: Mapping[str, Any],
    *,
    by: User,
    required_skill_ids: Iterable[int] = (),
    desirable_skill_ids: Iterable[int] = (),
) -> Opening:
    """Record an opening at ``organization`` (often from a visit: ``interaction_id``).

    :raises OpeningError: without a title or contract, or with an interaction of another organization.
    """
    if not data.get("title") or not data.get("contract"):
        raise OpeningError("title and contract required")
    _check_interaction(data.get("interaction_id"), organization)
    opening = Opening(organization=organization, created_by_id=by.id, status=OpeningStatus.OPEN)
    with db.session.no_autoflush:
        _apply(opening, data)
        _set_skills(opening, required_skill_ids, desirable_skill_ids)
    db.session.add(opening)
    _commit(by)
    return opening


def update_opening(
    opening: Opening,
    data: Mapping[str, Any],
    *,
    by: User,
    required_skill_ids: Iterable[int] | None = None,
    desirable_skill_ids: Iterable[int] | None = None,
) -> Opening:
    _check_interaction(data.get("interaction_id"), opening.organization)
    with db.session.no_autoflush:
        _apply(opening, data)
        if required_skill_ids is not None or desirable_skill_ids is not None:
            _set_skills(opening, required_skill_ids or (), desirable_skill_ids or ())
    _commit(by)
    return opening


def delete_opening(opening: Opening, *, by: User) -> None:
    """Delete an opening without hires (a filled one is closed instead, to keep the statistics).

    :raises OpeningPermissionError: unless ``by`` is a coordinator.
    :raises OpeningError: when someone was hired through it.
    """
    if not by.is_coordinator:
        raise OpeningPermissionError("only coordinators delete openings")
    if opening.hired_count:
        raise OpeningError("an opening with hires is closed, not deleted")
    db.session.delete(opening)
    _commit(by)


def _check_interaction(interaction_id: int | None, organization: Organization) -> None:
    if interaction_id is None:
        return
    interaction = db.session.get(Interaction, interaction_id)
    if interaction is None or interaction.organization_id != organization.id:
        raise OpeningError(f"interaction {interaction_id} is not with organization {organization.id}")


def openings_for_organization(organization: Organization) -> list[Opening]:
    return list(
        db.session.scalars(
            select(Opening)
            .where(Opening.organization_id == organization.id)
            .options(selectinload(Opening.entries))
            .order_by(Opening.status, Opening.created_at.desc())
        )
    )


@dataclass(frozen=True)
class OpeningFilters:
    status: OpeningStatus | None = None
    contract: ContractType | None = None
    organization_id: int | None = None
    q: str | None = None


def opening_query(filters: OpeningFilters) -> Select[tuple[Opening]]:
    query = select(Opening).options(selectinload(Opening.organization), selectinload(Opening.entries))
    if filters.status is not None:
        query = query.where(Opening.status == filters.status)
    if filters.contract is not None:
        query = query.where(Opening.contract == filters.contract)
    if filters.organization_id is not None:
        query = query.where(Opening.organization_id == filters.organization_id)
    if filters.q:
        query = query.where(func.lower(Opening.title).contains(filters.q.strip().lower()))
    return query.order_by(Opening.deadline.is_(None), Opening.deadline, Opening.id.desc())


# --- Matching -------------------------------------------------------------------------------------


def candidate_facts(candidate: Candidate) -> CandidateFacts:
    return CandidateFacts(
        id=candidate.id,
        code=candidate.code,
        skill_ids=frozenset(s.id for s in candidate.skills),
        terms=frozenset(fold(t) for t in [*candidate.free_skills, *(s.name for s in candidate.skills)]),
        sectors=frozenset(candidate.sectors or ()),
        max_commute_minutes=candidate.max_commute_minutes,
        shifts=frozenset(candidate.shifts or ()),
        hours_per_week=candidate.hours_per_week,
        band=candidate.readiness.value if candidate.readiness else None,
        operator_id=candidate.operator_id,
    )


def opening_facts(opening: Opening) -> OpeningFacts:
    return OpeningFacts(
        id=opening.id,
        title=opening.title,
        required_skill_ids=frozenset(link.skill_id for link in opening.skill_links if link.required),
        desirable_skill_ids=frozenset(link.skill_id for link in opening.skill_links if not link.required),
        terms=frozenset(fold(t) for t in opening.free_skills or ()),
        sector=opening.ateco_section,
        hours_per_week=opening.hours_per_week,
        shifts=frozenset(opening.shifts or ()),
        contract=opening.contract.value,
        organization_name=opening.organization.display_name if opening.organization else "",
    )


def _opening_point(opening: Opening) -> tuple[float, float] | None:
    if opening.latitude is None or opening.longitude is None:
        return None
    return (opening.latitude, opening.longitude)


def _require_candidate_staff(by: User) -> None:
    if not can_see_candidates(by):
        raise OpeningPermissionError("admins do not see candidates")


def match_candidates(opening: Opening, *, by: User | None = None, top: int | None = None) -> list[Match]:
    """Active candidates ranked for ``opening`` with the reasons; those too far are flagged, not left out.

    Results carry pseudonymous codes only (never names), whoever asks.
    """
    if by is not None:
        _require_candidate_staff(by)
    candidates = list(
        db.session.scalars(
            select(Candidate)
            .where(Candidate.status == CandidateStatus.ACTIVE)
            .options(selectinload(Candidate.skills), selectinload(Candidate.assessments))
        )
    )
    destination = _opening_point(opening)
    trips = [(home_point(c), destination, c.commute_mode.value) for c in candidates]
    minutes = commute_minutes(trips)
    facts = opening_facts(opening)
    ranked = rank(score_match(candidate_facts(c), facts, m) for c, m in zip(candidates, minutes, strict=True))
    return ranked[:top] if top else ranked


def match_openings(candidate: Candidate, *, by: User | None = None, top: int | None = None) -> list[Match]:
    """Open openings ranked for ``candidate``, with the same reasons."""
    if by is not None:
        _require_candidate_staff(by)
    openings = list(
        db.session.scalars(
            select(Opening)
            .where(Opening.status == OpeningStatus.OPEN)
            .options(selectinload(Opening.skill_links), selectinload(Opening.organization))
        )
    )
    origin = home_point(candidate)
    minutes = commute_minutes([(origin, _opening_point(o), candidate.commute_mode.value) for o in openings])
    facts = candidate_facts(candidate)
    ranked = rank(score_match(facts, opening_facts(o), m) for o, m in zip(openings, minutes, strict=True))
    return ranked[:top] if top else ranked


# --- Shortlist and pipeline -----------------------------------------------------------------------


def shortlist(opening: Opening, candidate: Candidate, *, by: User, score: int | None = None) -> PipelineEntry:
    """Put ``candidate`` on the opening's shortlist (stage *proposed*); an existing entry is returned.

    Any operator may propose anyone (by code); the later steps belong to the person's operator.
    """
    _require_candidate_staff(by)
    if candidate.status is not CandidateStatus.ACTIVE:
        raise OpeningError(f"{candidate.code} is not active")
    existing = db.session.scalars(
        select(PipelineEntry).where(
            PipelineEntry.opening_id == opening.id, PipelineEntry.candidate_id == candidate.id
        )
    ).first()
    if existing is not None:
        return existing
    entry = PipelineEntry(
        opening=opening, candidate=candidate, stage=PipelineStage.PROPOSED, score=score, proposed_by_id=by.id
    )
    db.session.add(entry)
    _commit(by)
    return entry


def move_stage(
    entry: PipelineEntry,
    stage: PipelineStage,
    *,
    by: User,
    reason: NotHiredReason | None = None,
    note: str | None = None,
) -> PipelineEntry:
    """Move an entry along the pipeline. *Hired* goes through :func:`record_placement`.

    :raises OpeningPermissionError: unless ``by`` follows the candidate or is a coordinator.
    :raises OpeningError: on a move the pipeline does not allow, or *not hired* without a reason.
    """
    if not can_manage_candidate(by, entry.candidate):
        raise OpeningPermissionError(entry.candidate.code)
    if stage is PipelineStage.HIRED:
        raise OpeningError("record the placement to mark a hire")
    if stage not in STAGE_MOVES[entry.stage]:
        raise OpeningError(f"cannot move from {entry.stage.value} to {stage.value}")
    if stage is PipelineStage.NOT_HIRED and reason is None:
        raise OpeningError("a reason is required")
    entry.stage = stage
    entry.stage_changed_at = utcnow()
    entry.not_hired_reason = reason if stage is PipelineStage.NOT_HIRED else None
    if note is not None:
        entry.note = note.strip()[:300] or None
    if stage is PipelineStage.PRESENTED and entry.presented_at is None:
        entry.presented_at = utcnow()
    _commit(by)
    return entry


def log_presentation(entry_or_candidate: PipelineEntry | Candidate, *, by: User, document: str) -> None:
    """Record that an anonymised profile was produced (HTML or PDF) for an employer."""
    candidate = (
        entry_or_candidate.candidate if isinstance(entry_or_candidate, PipelineEntry) else entry_or_candidate
    )
    detail = note(N_("anonymised profile"), document.upper())
    if isinstance(entry_or_candidate, PipelineEntry):
        opening = f"#{entry_or_candidate.opening_id}"
        detail = note(N_("anonymised profile for an opening"), document.upper(), opening)
    log_access(
        by=by,
        action=AccessAction.PRESENT,
        field_group=FieldGroup.ANONYMISED_PROFILE,
        candidates=[candidate],
        detail=detail,
        commit=True,
    )


# --- Placements -----------------------------------------------------------------------------------


def record_placement(entry: PipelineEntry, data: Mapping[str, Any], *, by: User) -> Placement:
    """Mark a hire: the placement, the candidate placed, and follow-up tasks for the person's operator
    at 1, 3, 6 and 12 months (titles carry the pseudonymous code, never the name).

    :raises OpeningPermissionError: unless ``by`` follows the candidate or is a coordinator.
    :raises OpeningError: when the entry is not at interview or presented stage, or has a placement.
    """
    if not can_manage_candidate(by, entry.candidate):
        raise OpeningPermissionError(entry.candidate.code)
    if entry.stage not in (PipelineStage.PRESENTED, PipelineStage.INTERVIEW) or entry.placement is not None:
        raise OpeningError("only a presented or interviewed candidate can be hired")
    start: date = data["start_date"]
    with db.session.no_autoflush:
        placement = _new_placement(entry, data, start, by)
    _commit(by)
    return placement


def _new_placement(entry: PipelineEntry, data: Mapping[str, Any], start: date, by: User) -> Placement:
    placement = Placement(
        entry=entry,
        start_date=start,
        contract=ContractType(data.get("contract") or entry.opening.contract),
        hours_per_week=data.get("hours_per_week") or entry.opening.hours_per_week,
        end_date=data.get("end_date"),
        created_by_id=by.id,
    )
    entry.stage = PipelineStage.HIRED
    entry.stage_changed_at = utcnow()
    entry.candidate.status = CandidateStatus.PLACED
    assignee_id = entry.candidate.operator_id or by.id
    opening = entry.opening
    for months in CHECK_MONTHS:
        due = _add_months(start, months)
        follow_up = FollowUp(
            # Stored in the language of whoever records the hire; the code, never the name.
            title=_(
                "Is %(code)s still employed? %(months)s-month check – %(title)s",
                code=entry.candidate.code,
                months=months,
                title=opening.title,
            )[:200],
            notes=None,
            due_date=due,
            status=FollowUpStatus.OPEN,
            assignee_id=assignee_id,
            organization_id=opening.organization_id,
            created_by_id=by.id,
        )
        db.session.add(follow_up)
        placement.checks.append(PlacementCheck(months=months, due_date=due, follow_up=follow_up))
    filled = sum(1 for e in opening.entries if e.stage is PipelineStage.HIRED)
    if filled >= opening.positions and opening.status is OpeningStatus.OPEN:
        opening.status = OpeningStatus.FILLED
    db.session.add(placement)
    return placement


def record_check(
    check: PlacementCheck, *, still_employed: bool, by: User, note: str | None = None, on: date | None = None
) -> PlacementCheck:
    """Record whether the person is still employed; the linked follow-up is marked done."""
    candidate = check.placement.entry.candidate
    if not can_manage_candidate(by, candidate):
        raise OpeningPermissionError(candidate.code)
    check.still_employed = still_employed
    check.checked_on = on or date.today()
    check.checked_by_id = by.id
    check.note = (note or "").strip()[:300] or None
    if check.follow_up is not None and check.follow_up.status is FollowUpStatus.OPEN:
        check.follow_up.status = FollowUpStatus.DONE
        check.follow_up.completed_at = utcnow()
    if not still_employed:
        check.placement.end_date = check.placement.end_date or check.checked_on
        if candidate.status is CandidateStatus.PLACED:
            candidate.status = CandidateStatus.ACTIVE
        # The remaining checks are moot: their tasks are cancelled.
        for later in check.placement.checks:
            task = later.follow_up
            if later.months > check.months and task is not None and task.status is FollowUpStatus.OPEN:
                task.status = FollowUpStatus.CANCELLED
    _commit(by)
    return check


def entries_for_candidate(candidate: Candidate) -> list[PipelineEntry]:
    return list(
        db.session.scalars(
            select(PipelineEntry)
            .where(PipelineEntry.candidate_id == candidate.id)
            .options(
                selectinload(PipelineEntry.opening).selectinload(Opening.organization),
                selectinload(PipelineEntry.placement).selectinload(Placement.checks),
            )
            .order_by(PipelineEntry.created_at.desc())
        )
    )


def skills_by_id(ids: Sequence[int]) -> dict[int, Skill]:
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(select(Skill).where(Skill.id.in_(list(ids))))}
