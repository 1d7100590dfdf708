"""The partnership's business logic: referring offices and referrers, referrals and transfers, the
tailored plan with its versions and actions, case notes, and what a referrer may read.

Services own the transaction and never read the request; ``by`` is the user acting. Every read of a
case by a referrer goes through :func:`portal_case` / :func:`portal_cases`, which log it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from crm.audit.services import commit_as as _commit
from crm.auth.models import Role, User
from crm.candidates.models import Candidate, CandidateStatus, ConsentPurpose, ConsentRecord
from crm.candidates.services import (
    DEFAULT_REVIEW_MONTHS,
    IDENTITY_CONTEXT,
    Identity,
    _add_months,
    _identity,
    find_by_tax_code,
    format_code,
)
from crm.db_types import utcnow
from crm.extensions import db
from crm.openings.models import Opening, PipelineEntry, PipelineStage, Placement
from crm.partnership.models import (
    ActionStatus,
    CaseNote,
    GoalStatus,
    NotifyMode,
    OwnerKind,
    Plan,
    PlanAction,
    PlanGoal,
    PlanVersion,
    Referral,
    Referrer,
    ReferringOffice,
    SupportKind,
    VersionKind,
)
from crm.permissions import can_manage_candidate, can_see_candidates, is_candidate_coordinator, is_referrer
from crm.privacy.access import log_access
from crm.privacy.crypto import decrypt_json, encrypt_json, tax_code_digest
from crm.privacy.models import AccessAction, FieldGroup
from crm.privacy.notes import N_, note

REASONS_CONTEXT = "referral.reasons"
NOTE_CONTEXT = "case_note.body"
MAX_GOALS = 12
#: The follow-ups page lists plan actions and reviews due within this many days (and all overdue ones).
PLAN_ITEMS_AHEAD_DAYS = 7
MAX_SUPPORTS = 12


class PartnershipError(ValueError):
    """A partnership change cannot be made as asked."""


class PartnershipPermissionError(PartnershipError):
    """The acting user may not see or change this."""


class AlreadyReferredError(PartnershipError):
    """The codice fiscale belongs to a person the hub already follows (not named to the referrer)."""


def _clean(value: Any, length: int | None = None) -> str | None:
    text = str(value or "").strip()
    if length is not None:
        text = text[:length]
    return text or None


# --- Referring offices and referrers --------------------------------------------------------------


def _require_coordinator(by: User) -> None:
    if not by.has_role(Role.COORDINATOR):
        raise PartnershipPermissionError("coordinators manage the partnership")


def save_office(
    data: Mapping[str, Any], *, by: User, office: ReferringOffice | None = None
) -> ReferringOffice:
    """Create or change a referring office.

    :raises PartnershipPermissionError: below coordinator.
    :raises PartnershipError: without a name, or with the name of another office.
    """
    _require_coordinator(by)
    name = _clean(data.get("name"), 150)
    if not name:
        raise PartnershipError("name required")
    clash = db.session.scalars(
        select(ReferringOffice).where(func.lower(ReferringOffice.name) == name.lower())
    ).first()
    if clash is not None and clash is not office:
        raise PartnershipError("an office with this name exists")
    if office is None:
        office = ReferringOffice()
        db.session.add(office)
    office.name = name
    office.address = _clean(data.get("address"), 200)
    office.phone = _clean(data.get("phone"), 20)
    office.email = _clean(data.get("email"), 254)
    office.active = bool(data.get("active", True))
    _commit(by)
    return office


def referrer_profile(user: User) -> Referrer | None:
    """The referrer's tie to an office (None for staff and for referrers not tied yet)."""
    if not is_referrer(user):
        return None
    return db.session.scalars(
        select(Referrer).where(Referrer.user_id == user.id).options(selectinload(Referrer.office))
    ).first()


def create_referrer(data: Mapping[str, Any], *, by: User, office: ReferringOffice, password: str) -> Referrer:
    """Open an account with the role *referrer* tied to ``office``.

    :raises PartnershipPermissionError: below coordinator.
    :raises PartnershipError: on a missing name or e-mail, an e-mail in use, or a short password.
    """
    _require_coordinator(by)
    email = (_clean(data.get("email"), 254) or "").lower()
    full_name = _clean(data.get("full_name"), 120)
    if not email or not full_name:
        raise PartnershipError("name and e-mail required")
    if len(password or "") < 10:
        raise PartnershipError("password too short")
    if db.session.scalars(select(User).where(func.lower(User.email) == email)).first() is not None:
        raise PartnershipError("e-mail in use")
    user = User(
        email=email,
        full_name=full_name,
        role=Role.REFERRER,
        locale=str(data.get("locale") or "it"),
        phone=_clean(data.get("phone"), 20),
        active=True,
    )
    user.set_password(password)
    referrer = Referrer(user=user, office=office, notify=NotifyMode(data.get("notify") or NotifyMode.INSTANT))
    db.session.add_all([user, referrer])
    _commit(by)
    return referrer


def update_referrer(referrer: Referrer, data: Mapping[str, Any], *, by: User) -> Referrer:
    """Move a referrer to another office, change how they are notified, or disable the account.

    Moving office takes the cases of the old office out of their sight (see :func:`visible_referrals`).
    """
    _require_coordinator(by)
    if data.get("office_id") is not None:
        office = db.session.get(ReferringOffice, int(data["office_id"]))
        if office is None:
            raise PartnershipError("no such office")
        referrer.office = office
    if data.get("notify"):
        referrer.notify = NotifyMode(data["notify"])
    if "active" in data:
        referrer.user.active = bool(data["active"])
    _commit(by)
    return referrer


def referrers_of(office_id: int | None = None, *, active_only: bool = True) -> list[Referrer]:
    query = (
        select(Referrer)
        .join(Referrer.user)
        .options(selectinload(Referrer.user), selectinload(Referrer.office))
        .order_by(User.full_name)
    )
    if office_id is not None:
        query = query.where(Referrer.office_id == office_id)
    if active_only:
        query = query.where(User.active.is_(True))
    return list(db.session.scalars(query))


# --- Referrals ------------------------------------------------------------------------------------


def _next_number(year: int) -> int:
    current = db.session.scalar(
        select(func.max(Candidate.referral_number)).where(Candidate.referral_year == year)
    )
    return (current or 0) + 1


def refer_person(
    identity_data: Mapping[str, Any],
    *,
    reasons: str,
    consent_document: str,
    consent_on: date,
    by: User,
    referred_on: date | None = None,
) -> Referral:
    """A referrer refers a new person: a candidate with a new code (identity encrypted), the referral
    with its reasons (encrypted), and the consents the person signed at the social services.

    Nobody at the hub follows the person yet: coordinators see the new referral and assign an operator.

    :raises PartnershipPermissionError: unless ``by`` is a referrer tied to an office.
    :raises AlreadyReferredError: when the codice fiscale is already known (logged; not named).
    :raises PartnershipError: without reasons or consent.
    """
    profile = referrer_profile(by)
    if profile is None or not profile.office.active:
        raise PartnershipPermissionError("only a referrer tied to an active office refers people")
    identity = Identity.from_data(identity_data)
    reasons_text = _clean(reasons, 4000)
    document = _clean(consent_document, 200)
    if not reasons_text or not document or consent_on is None:
        raise PartnershipError("reasons and consent required")
    digest = tax_code_digest(identity.tax_code) if identity.tax_code else None
    if digest is not None and (existing := find_by_tax_code(identity.tax_code or "")) is not None:
        log_access(
            by=by,
            action=AccessAction.DUPLICATE_MATCH,
            field_group=FieldGroup.IDENTITY,
            candidates=[existing],
            detail=N_("referral form"),
            commit=True,
        )
        raise AlreadyReferredError(existing.code)
    day = referred_on or date.today()
    months = int(current_app.config.get("CANDIDATE_REVIEW_MONTHS", DEFAULT_REVIEW_MONTHS))
    for attempt in range(3):
        number = _next_number(day.year)
        candidate = Candidate(
            referral_year=day.year,
            referral_number=number,
            code=format_code(day.year, number),
            status=CandidateStatus.ACTIVE,
            operator_id=None,
            created_by_id=by.id,
            identity_encrypted=encrypt_json(asdict(identity), context=IDENTITY_CONTEXT),
            tax_code_hash=digest,
            referred_on=day,
            referring_office=profile.office.name,
            case_worker=by.full_name,
            review_on=_add_months(day, months),
        )
        db.session.add(candidate)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
            continue
        referral = Referral(
            candidate=candidate,
            office_id=profile.office_id,
            referrer_id=by.id,
            referred_at=utcnow() if day == date.today() else datetime.combine(day, time(12), tzinfo=UTC),
            reasons_encrypted=encrypt_json({"reasons": reasons_text}, context=REASONS_CONTEXT),
            created_by_id=by.id,
        )
        db.session.add(referral)
        for purpose in (ConsentPurpose.DATA_PROCESSING, ConsentPurpose.SHARING_WITH_SOCIAL_SERVICES):
            db.session.add(
                ConsentRecord(
                    candidate=candidate,
                    purpose=purpose,
                    given_on=consent_on,
                    document=document,
                    recorded_by_id=by.id,
                )
            )
        log_access(
            by=by,
            action=AccessAction.CREATE,
            field_group=FieldGroup.IDENTITY,
            candidates=[candidate],
            detail=N_("referral form"),
        )
        _commit(by)
        return referral
    raise AssertionError("unreachable")


def referral_for(candidate: Candidate) -> Referral | None:
    return db.session.scalars(
        select(Referral)
        .where(Referral.candidate_id == candidate.id)
        .options(selectinload(Referral.office), selectinload(Referral.referrer))
    ).first()


def referral_reasons(referral: Referral) -> str:
    """The decrypted reasons. Callers show them only to the referrer and to who may identify the person."""
    data = decrypt_json(referral.reasons_encrypted, context=REASONS_CONTEXT) or {}
    return str(data.get("reasons") or "")


def assign_referrer(
    candidate: Candidate,
    referrer: Referrer | None,
    *,
    by: User,
    reason: str,
    office: ReferringOffice | None = None,
) -> Referral:
    """Tie a case to a social worker, or transfer it to another one (coordinators; logged).

    With ``referrer`` None the case stays with ``office`` (or its current one) but no social worker
    sees it any more.

    :raises PartnershipPermissionError: unless ``by`` is a coordinator.
    :raises PartnershipError: without a reason, or with neither a referrer nor an office for a new referral.
    """
    if not is_candidate_coordinator(by):
        raise PartnershipPermissionError(candidate.code)
    if not (reason or "").strip():
        raise PartnershipError("a reason is required to transfer a case")
    if candidate.is_erased:
        raise PartnershipError("erased")
    referral = referral_for(candidate)
    before = referral.referrer.full_name if referral is not None and referral.referrer else "-"
    target_office = referrer.office if referrer is not None else office
    if referral is None:
        if target_office is None:
            raise PartnershipError("an office is required")
        referral = Referral(
            candidate=candidate,
            office=target_office,
            referred_at=utcnow(),
            created_by_id=by.id,
        )
        db.session.add(referral)
    elif target_office is not None:
        referral.office = target_office
    referral.referrer_id = referrer.user_id if referrer is not None else None
    candidate.referring_office = referral.office.name if referral.office else candidate.referring_office
    candidate.case_worker = referrer.user.full_name if referrer is not None else None
    after = referrer.user.full_name if referrer is not None else "-"
    log_access(
        by=by,
        action=AccessAction.CHANGE,
        field_group=FieldGroup.ALL,
        candidates=[candidate],
        reason=reason,
        detail=note(N_("referrer changed"), f"{before} → {after}"),
    )
    _commit(by)
    return referral


def record_first_contact(referral: Referral, on: date, *, by: User) -> Referral:
    """The day the hub first met or called the person (for timeliness)."""
    if not can_manage_candidate(by, referral.candidate):
        raise PartnershipPermissionError(referral.candidate.code)
    if on < referral.candidate.referred_on:
        raise PartnershipError("first contact before the referral")
    referral.first_contact_on = on
    _commit(by)
    return referral


def new_referrals(limit: int = 50) -> list[Referral]:
    """Referrals nobody at the hub follows yet, oldest first (coordinators assign them)."""
    return list(
        db.session.scalars(
            select(Referral)
            .join(Referral.candidate)
            .where(Candidate.operator_id.is_(None), Candidate.status == CandidateStatus.ACTIVE)
            .options(selectinload(Referral.candidate), selectinload(Referral.office))
            .order_by(Referral.referred_at)
            .limit(limit)
        )
    )


# --- What a referrer sees -------------------------------------------------------------------------


def visible_referrals_query(user: User) -> Select[tuple[Referral]]:
    """The referrals ``user`` (a referrer) may read: theirs, of the office they belong to now, not erased.

    Anyone else gets a query that finds nothing.
    """
    profile = referrer_profile(user)
    query = (
        select(Referral)
        .join(Referral.candidate)
        .options(
            selectinload(Referral.candidate).selectinload(Candidate.assessments),
            selectinload(Referral.office),
        )
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
    )
    if profile is None:
        return query.where(Referral.id.is_(None))
    return query.where(
        Referral.referrer_id == user.id,
        Referral.office_id == profile.office_id,
        Candidate.status != CandidateStatus.ERASED,
    )


def referrer_may_see(user: User, candidate: Candidate) -> bool:
    query = visible_referrals_query(user).where(Referral.candidate_id == candidate.id)
    return db.session.scalars(query).first() is not None


@dataclass(frozen=True)
class PortalRow:
    referral: Referral
    candidate: Candidate
    identity: Identity | None
    open_actions: int
    overdue_actions: int


def portal_cases(user: User, *, today: date | None = None) -> list[PortalRow]:
    """The referrer's people, with names (they referred them): the list read is logged."""
    today = today or date.today()
    referrals = list(db.session.scalars(visible_referrals_query(user)))
    candidates = [r.candidate for r in referrals]
    counts: dict[int, tuple[int, int]] = {}
    if candidates:
        for plan_candidate, due_on, status in db.session.execute(
            select(Plan.candidate_id, PlanAction.due_on, PlanAction.status)
            .join(PlanAction.plan)
            .where(
                Plan.candidate_id.in_([c.id for c in candidates]),
                PlanAction.owner_user_id == user.id,
            )
        ):
            open_, overdue = counts.get(plan_candidate, (0, 0))
            if ActionStatus(status).is_open:
                open_ += 1
                overdue += int(due_on < today)
            counts[plan_candidate] = (open_, overdue)
    rows = [
        PortalRow(r, r.candidate, _identity(r.candidate), *counts.get(r.candidate_id, (0, 0)))
        for r in referrals
    ]
    if candidates:
        log_access(
            by=user,
            action=AccessAction.LIST,
            field_group=FieldGroup.IDENTITY,
            candidates=candidates,
            detail=N_("referrer portal"),
            commit=True,
        )
    return rows


@dataclass(frozen=True)
class Presentation:
    """A presentation to an employer as the referrer sees it: no employer notes, no hub notes."""

    title: str
    contract: Any
    stage: PipelineStage
    presented_on: date | None
    outcome_reason: Any
    hired_at: str | None  # the employer's name, for a hire only
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class PortalCase:
    referral: Referral
    candidate: Candidate
    identity: Identity | None
    reasons: str
    plan: Plan | None
    my_actions: list[PlanAction]
    shared_actions: list[PlanAction]
    presentations: list[Presentation]
    notes: list[tuple[CaseNote, str]]


def portal_case(user: User, candidate: Candidate) -> PortalCase:
    """One of the referrer's people: status, readiness, plan, their actions, presentations, outcome.

    :raises PartnershipPermissionError: unless ``user`` is the referrer of the case now (the attempt
        is not shown anything; the read is logged when allowed).
    """
    referral = db.session.scalars(
        visible_referrals_query(user).where(Referral.candidate_id == candidate.id)
    ).first()
    if referral is None:
        raise PartnershipPermissionError(candidate.code)
    plan = plan_for(candidate)
    mine: list[PlanAction] = []
    shared: list[PlanAction] = []
    if plan is not None:
        for action in plan.actions:
            if action.owner_user_id == user.id:
                mine.append(action)
            elif action.shared:
                shared.append(action)
    log_access(
        by=user,
        action=AccessAction.VIEW,
        field_group=FieldGroup.IDENTITY,
        candidates=[candidate],
        detail=N_("referrer portal: case, plan, presentations"),
        commit=True,
    )
    return PortalCase(
        referral=referral,
        candidate=candidate,
        identity=_identity(candidate),
        reasons=referral_reasons(referral) if referral.reasons_encrypted else "",
        plan=plan,
        my_actions=mine,
        shared_actions=shared,
        presentations=presentations_for_referrer(candidate),
        notes=notes_for(candidate, user),
    )


def presentations_for_referrer(candidate: Candidate) -> list[Presentation]:
    """The candidate's presentations to employers and their outcome, without any note of the hub."""
    entries = db.session.scalars(
        select(PipelineEntry)
        .where(
            PipelineEntry.candidate_id == candidate.id,
            (PipelineEntry.presented_at.is_not(None)) | (PipelineEntry.stage == PipelineStage.HIRED),
        )
        .options(
            selectinload(PipelineEntry.opening).selectinload(Opening.organization),
            selectinload(PipelineEntry.placement),
        )
        .order_by(PipelineEntry.presented_at.desc())
    )
    result = []
    for entry in entries:
        placement: Placement | None = entry.placement
        hired = entry.stage is PipelineStage.HIRED
        result.append(
            Presentation(
                title=entry.opening.title,
                contract=entry.opening.contract,
                stage=entry.stage,
                presented_on=entry.presented_at.date() if entry.presented_at else None,
                outcome_reason=entry.not_hired_reason,
                hired_at=entry.opening.organization.display_name if hired else None,
                start_date=placement.start_date if placement else None,
                end_date=placement.end_date if placement else None,
            )
        )
    return result


# --- The plan -------------------------------------------------------------------------------------


def plan_for(candidate: Candidate) -> Plan | None:
    return db.session.scalars(
        select(Plan)
        .where(Plan.candidate_id == candidate.id)
        .options(
            selectinload(Plan.goals),
            selectinload(Plan.actions).selectinload(PlanAction.owner_user),
            selectinload(Plan.versions),
        )
    ).first()


def _require_manager(candidate: Candidate, by: User) -> None:
    if not can_manage_candidate(by, candidate) or candidate.is_erased:
        raise PartnershipPermissionError(candidate.code)


def _set_goals(plan: Plan, goals: Sequence[Mapping[str, Any]]) -> None:
    """Replace the goals by ``goals`` (``id`` keeps an existing goal, so actions stay linked)."""
    existing = {g.id: g for g in plan.goals}
    kept: list[PlanGoal] = []
    for position, data in enumerate(goals[:MAX_GOALS]):
        text = _clean(data.get("text"), 300)
        if not text:
            continue
        goal_id = data.get("id")
        goal = existing.get(int(goal_id)) if goal_id else None
        if goal is None:
            goal = PlanGoal()
        goal.text = text
        goal.position = position
        goal.target_on = data.get("target_on")
        goal.status = GoalStatus(data.get("status") or GoalStatus.OPEN)
        kept.append(goal)
    if not kept:
        raise PartnershipError("a plan needs at least one goal")
    plan.goals = kept


def _supports(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for data in list(items)[:MAX_SUPPORTS]:
        detail = _clean(data.get("detail"), 300)
        kind = data.get("kind")
        if not kind or (not detail and kind == SupportKind.OTHER.value):
            continue
        result.append(
            {
                "kind": SupportKind(kind).value,
                "detail": detail or "",
                "provider": _clean(data.get("provider"), 150) or "",
            }
        )
    return result


def snapshot(plan: Plan) -> dict[str, Any]:
    """The plan as plain data: what a version keeps."""
    return {
        "goals": [
            {
                "id": g.id,
                "text": g.text,
                "target_on": g.target_on.isoformat() if g.target_on else None,
                "status": g.status.value,
            }
            for g in plan.goals
        ],
        "actions": [
            {
                "id": a.id,
                "description": a.description,
                "owner_kind": a.owner_kind.value,
                "owner": a.owner_label,
                "due_on": a.due_on.isoformat(),
                "status": a.status.value,
                "goal": a.goal.text if a.goal is not None else None,
            }
            for a in plan.actions
        ],
        "supports": list(plan.supports or []),
        "next_review_on": plan.next_review_on.isoformat() if plan.next_review_on else None,
        "shared_note": plan.shared_note,
    }


def _new_version(
    plan: Plan,
    kind: VersionKind,
    *,
    by: User,
    achieved: str | None = None,
    changed: str | None = None,
    why: str | None = None,
) -> PlanVersion:
    db.session.flush()  # ids of new goals and actions, for the snapshot
    plan.version = (plan.version or 0) + 1
    version = PlanVersion(
        plan=plan,
        number=plan.version,
        kind=kind,
        achieved=_clean(achieved, 4000),
        changed=_clean(changed, 4000),
        why=_clean(why, 4000),
        snapshot=snapshot(plan),
        created_by_id=by.id,
        created_by_name=by.full_name,
    )
    db.session.add(version)
    return version


def create_plan(candidate: Candidate, data: Mapping[str, Any], *, by: User) -> Plan:
    """Write the first version of the plan: goals, supports, the first review date, a shared note.

    :raises PartnershipPermissionError: unless ``by`` follows the person or is a coordinator.
    :raises PartnershipError: when the plan exists or has no goal.
    """
    _require_manager(candidate, by)
    if plan_for(candidate) is not None:
        raise PartnershipError("the plan exists: review it")
    plan = Plan(candidate=candidate, created_by_id=by.id, version=0)
    with db.session.no_autoflush:
        _set_goals(plan, data.get("goals") or [])
    plan.supports = _supports(data.get("supports") or [])
    plan.next_review_on = data.get("next_review_on")
    plan.shared_note = _clean(data.get("shared_note"), 1000)
    db.session.add(plan)
    _new_version(plan, VersionKind.CREATED, by=by)
    _commit(by)
    return plan


def review_plan(plan: Plan, data: Mapping[str, Any], *, by: User) -> PlanVersion:
    """A review: record what was achieved, what changed and why, change goals and supports, set the
    next review. A new version keeps the plan as it is now; earlier versions stay unchanged.

    :raises PartnershipPermissionError: unless ``by`` follows the person or is a coordinator.
    :raises PartnershipError: when neither what was achieved nor what changed is said.
    """
    _require_manager(plan.candidate, by)
    if not _clean(data.get("achieved")) and not _clean(data.get("changed")):
        raise PartnershipError("say what was achieved or what changed")
    with db.session.no_autoflush:
        if data.get("goals") is not None:
            _set_goals(plan, data["goals"])
        if data.get("supports") is not None:
            plan.supports = _supports(data["supports"])
    plan.next_review_on = data.get("next_review_on")
    if "shared_note" in data:
        plan.shared_note = _clean(data.get("shared_note"), 1000)
    version = _new_version(
        plan,
        VersionKind.REVIEW,
        by=by,
        achieved=data.get("achieved"),
        changed=data.get("changed"),
        why=data.get("why"),
    )
    _commit(by)
    return version


def _owner(data: Mapping[str, Any], candidate: Candidate) -> tuple[OwnerKind, int | None, str | None]:
    kind = OwnerKind(data.get("owner_kind") or OwnerKind.HUB)
    if kind is OwnerKind.HUB:
        user_id = data.get("owner_user_id")
        user = db.session.get(User, int(user_id)) if user_id else None
        if user is None or user.role not in (Role.OPERATOR, Role.COORDINATOR) or not user.active:
            raise PartnershipError("choose an operator of the hub")
        return kind, user.id, None
    if kind is OwnerKind.REFERRER:
        referral = referral_for(candidate)
        if referral is None or referral.referrer_id is None:
            raise PartnershipError("no social worker follows this case")
        return kind, referral.referrer_id, None
    name = _clean(data.get("owner_name"), 150)
    if kind is OwnerKind.EXTERNAL and not name:
        raise PartnershipError("name the body that carries out the action")
    return kind, None, name


def add_action(plan: Plan, data: Mapping[str, Any], *, by: User) -> PlanAction:
    """Add an action with its owner and deadline.

    :raises PartnershipPermissionError: unless ``by`` follows the person or is a coordinator.
    :raises PartnershipError: without a description or deadline, or with an owner that cannot be.
    """
    _require_manager(plan.candidate, by)
    description = _clean(data.get("description"), 300)
    if not description or data.get("due_on") is None:
        raise PartnershipError("description and deadline required")
    kind, user_id, name = _owner(data, plan.candidate)
    goal_id = data.get("goal_id") or None
    if goal_id is not None and int(goal_id) not in {g.id for g in plan.goals}:
        raise PartnershipError("goal of another plan")
    action = PlanAction(
        plan=plan,
        description=description,
        owner_kind=kind,
        owner_user_id=user_id,
        owner_name=name,
        due_on=data["due_on"],
        goal_id=int(goal_id) if goal_id is not None else None,
        status=ActionStatus.TODO,
        shared=bool(data.get("shared")) or kind is OwnerKind.REFERRER,
    )
    db.session.add(action)
    _commit(by)
    return action


def update_action(action: PlanAction, data: Mapping[str, Any], *, by: User) -> PlanAction:
    """Change an action's text, owner, deadline, goal or sharing (hub side)."""
    _require_manager(action.plan.candidate, by)
    description = _clean(data.get("description"), 300)
    if not description or data.get("due_on") is None:
        raise PartnershipError("description and deadline required")
    kind, user_id, name = _owner(data, action.plan.candidate)
    goal_id = data.get("goal_id") or None
    if goal_id is not None and int(goal_id) not in {g.id for g in action.plan.goals}:
        raise PartnershipError("goal of another plan")
    action.description = description
    action.owner_kind, action.owner_user_id, action.owner_name = kind, user_id, name
    action.due_on = data["due_on"]
    action.goal_id = int(goal_id) if goal_id is not None else None
    action.shared = bool(data.get("shared")) or kind is OwnerKind.REFERRER
    _commit(by)
    return action


def can_update_action(user: User, action: PlanAction) -> bool:
    """The hub people who manage the case; a referrer for their own actions on a case they follow."""
    if is_referrer(user):
        return action.owner_user_id == user.id and referrer_may_see(user, action.plan.candidate)
    return can_manage_candidate(user, action.plan.candidate) and not action.plan.candidate.is_erased


def set_action_status(
    action: PlanAction, status: ActionStatus, *, by: User, on: date | None = None
) -> PlanAction:
    """Move an action to *to do*, *in progress*, *done* or *cancelled* (referrers: their own)."""
    if not can_update_action(by, action):
        raise PartnershipPermissionError(action.plan.candidate.code)
    action.status = status
    action.completed_on = (on or date.today()) if status is ActionStatus.DONE else None
    _commit(by)
    return action


def record_signature(plan: Plan, *, signed_on: date, document: str, by: User) -> ConsentRecord:
    """The person signed the printed plan: a consent record (purpose *plan agreement*) and a version.

    :raises PartnershipPermissionError: unless ``by`` follows the person or is a coordinator.
    :raises PartnershipError: without a document reference.
    """
    _require_manager(plan.candidate, by)
    document_text = _clean(document, 200)
    if not document_text or signed_on is None:
        raise PartnershipError("document and date required")
    record = ConsentRecord(
        candidate=plan.candidate,
        purpose=ConsentPurpose.PLAN_AGREEMENT,
        given_on=signed_on,
        document=document_text,
        recorded_by_id=by.id,
    )
    db.session.add(record)
    plan.signed_on = signed_on
    plan.signed_version = plan.version
    plan.consent = record
    _new_version(
        plan,
        VersionKind.SIGNED,
        by=by,
        changed=None,
        why=None,
        achieved=None,
    )
    _commit(by)
    return record


# --- Case notes -----------------------------------------------------------------------------------


def add_note(candidate: Candidate, body: str, *, by: User, shared: bool = False) -> CaseNote:
    """A note on the case, encrypted. A referrer's note is always shared with the hub; a hub note is
    internal unless ``shared`` with the social worker.

    :raises PartnershipPermissionError: unless ``by`` manages the case or is its referrer.
    """
    text = _clean(body, 2000)
    if not text:
        raise PartnershipError("empty note")
    if is_referrer(by):
        if not referrer_may_see(by, candidate):
            raise PartnershipPermissionError(candidate.code)
        shared = True
    else:
        _require_manager(candidate, by)
    note = CaseNote(
        candidate_id=candidate.id,
        author_id=by.id,
        author_name=by.full_name,
        body_encrypted=encrypt_json({"text": text}, context=NOTE_CONTEXT),
        shared=shared,
    )
    db.session.add(note)
    _commit(by)
    return note


def notes_for(candidate: Candidate, user: User) -> list[tuple[CaseNote, str]]:
    """The notes ``user`` may read, newest first, decrypted: staff who see candidates read all of them;
    a referrer reads the shared ones (theirs included). Callers have logged the read of the case."""
    query = select(CaseNote).where(CaseNote.candidate_id == candidate.id)
    if is_referrer(user):
        query = query.where(CaseNote.shared.is_(True))
    elif not can_see_candidates(user):
        return []
    notes = db.session.scalars(query.order_by(CaseNote.created_at.desc(), CaseNote.id.desc()))
    return [
        (n, str((decrypt_json(n.body_encrypted, context=NOTE_CONTEXT) or {}).get("text", ""))) for n in notes
    ]


# --- Follow-ups: overdue actions and reviews ------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    """A plan action or review due, as the follow-ups page lists it (code, never the name)."""

    kind: str  # "action" or "review"
    due_on: date
    candidate_id: int
    candidate_code: str
    text: str
    owner_name: str
    action_id: int | None = None

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today


def plan_items_due(user_id: int | None, *, until: date) -> list[PlanItem]:
    """Open plan actions owned by ``user_id`` (None: everyone at the hub) and plan reviews of the
    candidates they follow, due before ``until``, soonest first."""
    items: list[PlanItem] = []
    actions = (
        select(PlanAction, Candidate.code, Candidate.id)
        .join(PlanAction.plan)
        .join(Plan.candidate)
        .where(
            PlanAction.status.in_([ActionStatus.TODO, ActionStatus.IN_PROGRESS]),
            PlanAction.due_on < until,
            PlanAction.owner_kind == OwnerKind.HUB,
            Candidate.status != CandidateStatus.ERASED,
        )
        .options(selectinload(PlanAction.owner_user))
    )
    if user_id is not None:
        actions = actions.where(PlanAction.owner_user_id == user_id)
    for action, code, candidate_id in db.session.execute(actions):
        items.append(
            PlanItem(
                "action", action.due_on, candidate_id, code, action.description, action.owner_label, action.id
            )
        )
    reviews = (
        select(Plan.next_review_on, Candidate.code, Candidate.id, User.full_name)
        .join(Plan.candidate)
        .outerjoin(User, User.id == Candidate.operator_id)
        .where(
            Plan.next_review_on.is_not(None),
            Plan.next_review_on < until,
            Candidate.status.in_([CandidateStatus.ACTIVE, CandidateStatus.PLACED, CandidateStatus.SUSPENDED]),
        )
    )
    if user_id is not None:
        reviews = reviews.where(Candidate.operator_id == user_id)
    for due_on, code, candidate_id, name in db.session.execute(reviews):
        items.append(PlanItem("review", due_on, candidate_id, code, "", name or ""))
    return sorted(items, key=lambda i: (i.due_on, i.candidate_code, i.kind))


@dataclass(frozen=True)
class CandidatePanel:
    """What the candidate page shows of the partnership: the referral and the plan at a glance."""

    referral: Referral | None
    plan: Plan | None


def candidate_panel(candidate: Candidate) -> CandidatePanel:
    return CandidatePanel(referral=referral_for(candidate), plan=plan_for(candidate))


def referring_office_choices() -> list[ReferringOffice]:
    """The referring offices, by name (the candidates list filters by them)."""
    return list(db.session.scalars(select(ReferringOffice).order_by(ReferringOffice.name)))


def referred_by_office(query: Select[tuple[Candidate]], office_id: int | None) -> Select[tuple[Candidate]]:
    """Narrow a candidate query to the people referred by ``office_id`` (None: unchanged)."""
    if office_id is None:
        return query
    return query.where(Candidate.id.in_(select(Referral.candidate_id).where(Referral.office_id == office_id)))


def set_own_notifications(user: User, mode: NotifyMode) -> Referrer:
    """A referrer chooses how they are told about their people (each event, a daily digest, none).

    :raises PartnershipPermissionError: unless ``user`` is a referrer tied to an office.
    """
    profile = referrer_profile(user)
    if profile is None:
        raise PartnershipPermissionError("not a referrer")
    profile.notify = mode
    _commit(user)
    return profile
