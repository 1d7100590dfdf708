"""Candidate business logic. Every read of identity or sensitive data goes through here: the reader's
rights are checked and the access is logged before anything is decrypted for display.

Services own the transaction and never read the request; ``by`` is the staff member acting.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from crm.audit.services import commit_as as _commit
from crm.auth.models import Role, User
from crm.candidates.assessment import readiness_band
from crm.candidates.models import (
    ASSESSMENT_DIMENSIONS,
    Assessment,
    Candidate,
    CandidateStatus,
    CommuteMode,
    ConsentPurpose,
    ConsentRecord,
    EducationLevel,
    ReadinessBand,
    Skill,
    WorkExperience,
)
from crm.db_types import utcnow
from crm.extensions import db
from crm.permissions import (
    can_manage_candidate,
    can_see_candidate_identity,
    can_see_candidates,
    is_candidate_coordinator,
)
from crm.privacy.access import log_access
from crm.privacy.crypto import (
    decrypt_json,
    encrypt_json,
    normalise_tax_code,
    tax_code_digest,
)
from crm.privacy.models import AccessAction, FieldGroup
from crm.privacy.notes import fields_note
from crm.reference.places import comune_by_code, fold

IDENTITY_CONTEXT = "candidate.identity"
SENSITIVE_CONTEXT = "candidate.sensitive"
ASSESSMENT_CONTEXT = "assessment.notes"
DEFAULT_REVIEW_MONTHS = 24

PROFILE_FIELDS: frozenset[str] = frozenset(
    {
        "referred_on",
        "referring_office",
        "case_worker",
        "review_on",
        "status",
        "driving_licence",
        "own_vehicle",
        "commute_mode",
        "max_commute_minutes",
        "available_days",
        "shifts",
        "hours_per_week",
        "languages",
        "education",
        "education_notes",
        "free_skills",
        "sectors",
    }
)
_ENUMS: dict[str, type[enum.Enum]] = {
    "status": CandidateStatus,
    "commute_mode": CommuteMode,
    "education": EducationLevel,
}


class CandidateError(ValueError):
    """A candidate cannot be saved or changed as asked."""


class CandidatePermissionError(CandidateError):
    """The acting user may not see or change this."""


class DuplicateReferralError(CandidateError):
    """The codice fiscale belongs to a person already referred (``existing``)."""

    def __init__(self, existing: Candidate) -> None:
        super().__init__(f"already referred as {existing.code}")
        self.existing = existing


@dataclass(frozen=True)
class Identity:
    first_name: str
    last_name: str
    tax_code: str | None = None
    phone: str | None = None
    email: str | None = None
    comune_code: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Identity:
        values = {}
        for f in fields(cls):
            value = data.get(f.name)
            values[f.name] = value.strip() or None if isinstance(value, str) else value
        if not values.get("first_name") or not values.get("last_name"):
            raise CandidateError("first and last name are required")
        if values.get("tax_code"):
            values["tax_code"] = normalise_tax_code(values["tax_code"])
        return cls(**values)


@dataclass(frozen=True)
class SensitiveNotes:
    health: str | None = None
    disability: str | None = None
    legal: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.health or self.disability or self.legal)


# --- Reading protected data -----------------------------------------------------------------------


def _identity(candidate: Candidate) -> Identity | None:
    data = decrypt_json(candidate.identity_encrypted, context=IDENTITY_CONTEXT)
    return Identity(**data) if data else None


def reveal_identity(
    candidate: Candidate,
    *,
    by: User,
    action: AccessAction = AccessAction.VIEW,
    reason: str | None = None,
    detail: str | None = None,
) -> Identity:
    """Decrypt the identity for display, after checking rights and logging the access (committed).

    :raises CandidatePermissionError: unless ``by`` follows the person or is a coordinator.
    """
    if not can_see_candidate_identity(by, candidate):
        raise CandidatePermissionError(candidate.code)
    identity = _identity(candidate)
    assert identity is not None
    log_access(
        by=by,
        action=action,
        field_group=FieldGroup.IDENTITY,
        candidates=[candidate],
        reason=reason,
        detail=detail,
        commit=True,
    )
    return identity


def identities_for_list(candidates: Sequence[Candidate], *, by: User) -> dict[int, Identity]:
    """The identities ``by`` may see among ``candidates`` (a list page), logged as one entry."""
    visible = [c for c in candidates if can_see_candidate_identity(by, c)]
    if not visible:
        return {}
    result = {}
    for c in visible:
        identity = _identity(c)
        if identity is not None:
            result[c.id] = identity
    log_access(
        by=by, action=AccessAction.LIST, field_group=FieldGroup.IDENTITY, candidates=visible, commit=True
    )
    return result


def read_sensitive_notes(candidate: Candidate, *, by: User, reason: str) -> SensitiveNotes:
    """Decrypt the sensitive notes: the explicit, logged "show sensitive notes" action.

    :raises CandidatePermissionError: unless ``by`` follows the person or is a coordinator.
    :raises CandidateError: without a reason.
    """
    if not can_see_candidate_identity(by, candidate):
        raise CandidatePermissionError(candidate.code)
    if not (reason or "").strip():
        raise CandidateError("a reason is required to show sensitive notes")
    data = decrypt_json(candidate.sensitive_encrypted, context=SENSITIVE_CONTEXT) or {}
    log_access(
        by=by,
        action=AccessAction.SHOW_SENSITIVE,
        field_group=FieldGroup.SENSITIVE,
        candidates=[candidate],
        reason=reason,
        commit=True,
    )
    return SensitiveNotes(**data)


def update_sensitive_notes(candidate: Candidate, notes: Mapping[str, Any], *, by: User, reason: str) -> None:
    """Replace the sensitive notes (encrypted), logging the change with its reason.

    :raises CandidatePermissionError: unless ``by`` follows the person or is a coordinator.
    :raises CandidateError: without a reason.
    """
    if not can_see_candidate_identity(by, candidate):
        raise CandidatePermissionError(candidate.code)
    if not (reason or "").strip():
        raise CandidateError("a reason is required to change sensitive notes")
    value = SensitiveNotes(
        **{f.name: (str(notes.get(f.name) or "").strip() or None) for f in fields(SensitiveNotes)}
    )
    candidate.sensitive_encrypted = (
        None if value.empty else encrypt_json(asdict(value), context=SENSITIVE_CONTEXT)
    )
    log_access(
        by=by,
        action=AccessAction.CHANGE,
        field_group=FieldGroup.SENSITIVE,
        candidates=[candidate],
        reason=reason,
        detail=fields_note(k for k, v in asdict(value).items() if v),
    )
    _commit(by)


def assessment_notes(assessment: Assessment) -> dict[str, str]:
    """The decrypted notes of an assessment. Callers show them only with the identity (logged)."""
    return decrypt_json(assessment.notes_encrypted, context=ASSESSMENT_CONTEXT) or {}


def home_point(candidate: Candidate) -> tuple[float, float] | None:
    """The centre of the comune of residence, for commuting times (never shown, never geocoded)."""
    identity = _identity(candidate)
    comune = comune_by_code(identity.comune_code) if identity else None
    return (comune.latitude, comune.longitude) if comune else None


# --- Writing --------------------------------------------------------------------------------------


def _clean_profile(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in PROFILE_FIELDS:
            continue
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None and key in _ENUMS:
            value = _ENUMS[key](value)
        if key in ("available_days", "shifts", "languages", "free_skills", "sectors"):
            value = [str(v).strip() for v in (value or []) if str(v).strip()]
        values[key] = value
    return values


def _next_number(year: int) -> int:
    current = db.session.scalar(
        select(func.max(Candidate.referral_number)).where(Candidate.referral_year == year)
    )
    return (current or 0) + 1


def format_code(year: int, number: int) -> str:
    """The pseudonymous code: ``C-`` year of referral, ``-`` four-digit sequence (``C-2026-0042``)."""
    return f"C-{year}-{number:04d}"


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def find_by_tax_code(tax_code: str) -> Candidate | None:
    return db.session.scalars(
        select(Candidate).where(Candidate.tax_code_hash == tax_code_digest(tax_code))
    ).first()


def set_skills(candidate: Candidate, skill_ids: Iterable[int]) -> None:
    ids = {int(i) for i in skill_ids}
    candidate.skills = list(db.session.scalars(select(Skill).where(Skill.id.in_(ids)))) if ids else []


def create_candidate(
    identity_data: Mapping[str, Any],
    profile: Mapping[str, Any],
    *,
    by: User,
    operator_id: int | None = None,
    skill_ids: Iterable[int] = (),
) -> Candidate:
    """Register a referral: a new pseudonymous code, the identity encrypted.

    An operator always follows the people they register; a coordinator chooses the operator.

    :raises DuplicateReferralError: when the codice fiscale was already referred (the attempt is
        logged, since it tells the user that the person is known to the hub).
    """
    if not can_see_candidates(by):
        raise CandidatePermissionError("admins do not register candidates")
    identity = Identity.from_data(identity_data)
    digest = tax_code_digest(identity.tax_code) if identity.tax_code else None
    if digest is not None:
        existing = find_by_tax_code(identity.tax_code or "")
        if existing is not None:
            log_access(
                by=by,
                action=AccessAction.DUPLICATE_MATCH,
                field_group=FieldGroup.IDENTITY,
                candidates=[existing],
                commit=True,
            )
            raise DuplicateReferralError(existing)
    values = _clean_profile(profile)
    referred_on = values.get("referred_on") or date.today()
    values["referred_on"] = referred_on
    months = int(current_app.config.get("CANDIDATE_REVIEW_MONTHS", DEFAULT_REVIEW_MONTHS))
    values.setdefault("review_on", None)
    values["review_on"] = values["review_on"] or _add_months(referred_on, months)
    values.setdefault("status", CandidateStatus.ACTIVE)
    follower = operator_id if is_candidate_coordinator(by) else by.id
    for attempt in range(3):
        number = _next_number(referred_on.year)
        candidate = Candidate(
            referral_year=referred_on.year,
            referral_number=number,
            code=format_code(referred_on.year, number),
            operator_id=follower,
            created_by_id=by.id,
            identity_encrypted=encrypt_json(asdict(identity), context=IDENTITY_CONTEXT),
            tax_code_hash=digest,
            **values,
        )
        with db.session.no_autoflush:
            set_skills(candidate, skill_ids)
        db.session.add(candidate)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            if digest is not None and find_by_tax_code(identity.tax_code or ""):
                raise DuplicateReferralError(find_by_tax_code(identity.tax_code or "")) from None  # type: ignore[arg-type]
            if attempt == 2:
                raise
            continue
        log_access(by=by, action=AccessAction.CREATE, field_group=FieldGroup.IDENTITY, candidates=[candidate])
        _commit(by)
        return candidate
    raise AssertionError("unreachable")


def update_candidate(
    candidate: Candidate,
    *,
    by: User,
    identity_data: Mapping[str, Any] | None = None,
    profile: Mapping[str, Any] | None = None,
    skill_ids: Iterable[int] | None = None,
    operator_id: int | None = None,
    change_operator: bool = False,
) -> Candidate:
    """Change the profile and, if given, the identity (the changed field names are logged).

    :raises CandidatePermissionError: unless ``by`` follows the person or is a coordinator.
    :raises DuplicateReferralError: when the new codice fiscale belongs to someone else.
    """
    if not can_manage_candidate(by, candidate) or candidate.is_erased:
        raise CandidatePermissionError(candidate.code)
    if identity_data is not None:
        old = _identity(candidate)
        # Only the keys given change; a key given as None or "" clears that field.
        new = Identity.from_data({**(asdict(old) if old else {}), **identity_data})
        changed = [
            f.name for f in fields(Identity) if old is None or getattr(old, f.name) != getattr(new, f.name)
        ]
        if changed:
            if "tax_code" in changed:
                digest = tax_code_digest(new.tax_code) if new.tax_code else None
                if digest is not None:
                    other = find_by_tax_code(new.tax_code or "")
                    if other is not None and other.id != candidate.id:
                        raise DuplicateReferralError(other)
                candidate.tax_code_hash = digest
            candidate.identity_encrypted = encrypt_json(asdict(new), context=IDENTITY_CONTEXT)
            log_access(
                by=by,
                action=AccessAction.CHANGE,
                field_group=FieldGroup.IDENTITY,
                candidates=[candidate],
                detail=fields_note(changed),
            )
    if profile is not None:
        for key, value in _clean_profile(profile).items():
            if key in ("referred_on", "review_on") and value is None:
                continue
            setattr(candidate, key, value)
    if skill_ids is not None:
        set_skills(candidate, skill_ids)
    if change_operator and is_candidate_coordinator(by):
        candidate.operator_id = operator_id
    _commit(by)
    return candidate


def add_assessment(
    candidate: Candidate,
    scores: Mapping[str, int],
    *,
    by: User,
    notes: Mapping[str, str] | None = None,
    assessed_on: date | None = None,
) -> Assessment:
    """Record a dated assessment; the band follows :func:`crm.candidates.assessment.readiness_band`.

    :raises CandidatePermissionError: unless ``by`` follows the person or is a coordinator.
    :raises crm.candidates.assessment.InvalidScoresError: on a missing or out-of-range score.
    """
    if not can_manage_candidate(by, candidate) or candidate.is_erased:
        raise CandidatePermissionError(candidate.code)
    band = readiness_band(scores)
    kept = {k: str(v).strip() for k, v in (notes or {}).items() if v and str(v).strip()}
    assessment = Assessment(
        candidate=candidate,
        assessed_on=assessed_on or date.today(),
        assessed_by_id=by.id,
        band=band,
        notes_encrypted=encrypt_json(kept, context=ASSESSMENT_CONTEXT) if kept else None,
        **{name: int(scores[name]) for name in ASSESSMENT_DIMENSIONS},
    )
    db.session.add(assessment)
    if kept:
        log_access(
            by=by,
            action=AccessAction.CHANGE,
            field_group=FieldGroup.ASSESSMENT_NOTES,
            candidates=[candidate],
        )
    _commit(by)
    return assessment


def add_consent(candidate: Candidate, data: Mapping[str, Any], *, by: User) -> ConsentRecord:
    """Record what the person agreed to, when, and by which document."""
    if not can_manage_candidate(by, candidate) or candidate.is_erased:
        raise CandidatePermissionError(candidate.code)
    if not data.get("document") or not data.get("given_on"):
        raise CandidateError("document and date are required")
    record = ConsentRecord(
        candidate=candidate,
        purpose=ConsentPurpose(data["purpose"]),
        given_on=data["given_on"],
        document=str(data["document"]).strip(),
        recorded_by_id=by.id,
    )
    db.session.add(record)
    _commit(by)
    return record


def withdraw_consent(record: ConsentRecord, *, by: User, on: date | None = None) -> None:
    if not can_manage_candidate(by, record.candidate):
        raise CandidatePermissionError(record.candidate.code)
    record.withdrawn_on = on or date.today()
    _commit(by)


def add_experience(candidate: Candidate, data: Mapping[str, Any], *, by: User) -> WorkExperience:
    if not can_manage_candidate(by, candidate) or candidate.is_erased:
        raise CandidatePermissionError(candidate.code)
    if not data.get("role"):
        raise CandidateError("role required")
    experience = WorkExperience(candidate=candidate)
    for key in ("role", "ateco_section", "employer", "started_on", "ended_on", "description"):
        value = data.get(key)
        setattr(experience, key, value.strip() or None if isinstance(value, str) else value)
    db.session.add(experience)
    _commit(by)
    return experience


def delete_experience(experience: WorkExperience, *, by: User) -> None:
    if not can_manage_candidate(by, experience.candidate):
        raise CandidatePermissionError(experience.candidate.code)
    db.session.delete(experience)
    _commit(by)


# --- Skills ---------------------------------------------------------------------------------------


def skill_choices(*, include: Iterable[int] = ()) -> list[Skill]:
    """Active skills by name, plus retired ones still in use (``include``)."""
    keep = list(include)
    condition: ColumnElement[bool] = Skill.active.is_(True)
    if keep:
        condition = condition | Skill.id.in_(keep)
    return list(db.session.scalars(select(Skill).where(condition).order_by(func.lower(Skill.name))))


def add_skill(name: str, *, by: User) -> Skill:
    """Extend the controlled list (coordinators); an existing name (ignoring case) is reactivated."""
    if not is_candidate_coordinator(by):
        raise CandidatePermissionError("only coordinators extend the skill list")
    clean = " ".join(name.split())[:80]
    if not clean:
        raise CandidateError("name required")
    existing = db.session.scalars(select(Skill).where(func.lower(Skill.name) == clean.lower())).first()
    if existing is not None:
        existing.active = True
        _commit(by)
        return existing
    skill = Skill(name=clean, active=True)
    db.session.add(skill)
    _commit(by)
    return skill


def set_skill_active(skill: Skill, active: bool, *, by: User) -> None:
    if not is_candidate_coordinator(by):
        raise CandidatePermissionError("only coordinators change the skill list")
    skill.active = active
    _commit(by)


# --- Lists and search -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateFilters:
    status: CandidateStatus | None = None
    band: ReadinessBand | None = None
    operator_id: int | None = None
    skill_id: int | None = None
    mine: bool = False


def candidate_query(filters: CandidateFilters, *, by: User) -> Select[tuple[Candidate]]:
    """Candidates newest referral first, with what the list shows loaded. Erased ones are left out
    unless asked for by status."""
    query = select(Candidate).options(
        selectinload(Candidate.operator), selectinload(Candidate.assessments), selectinload(Candidate.skills)
    )
    if filters.status is not None:
        query = query.where(Candidate.status == filters.status)
    else:
        query = query.where(Candidate.status != CandidateStatus.ERASED)
    if filters.mine:
        query = query.where(Candidate.operator_id == by.id)
    elif filters.operator_id is not None:
        query = query.where(Candidate.operator_id == filters.operator_id)
    if filters.skill_id is not None:
        query = query.where(Candidate.skills.any(Skill.id == filters.skill_id))
    if filters.band is not None:
        latest = (
            select(Assessment.band)
            .where(Assessment.candidate_id == Candidate.id)
            .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = query.where(latest == filters.band)
    return query.order_by(Candidate.referral_year.desc(), Candidate.referral_number.desc())


def search_candidates(text: str, *, by: User, limit: int = 50) -> tuple[list[Candidate], dict[int, Identity]]:
    """Find candidates by code, or by name or codice fiscale among those whose identity ``by`` may see.

    Names are encrypted, so they are searched in memory over the candidates ``by`` may identify
    (an operator's own; every one for a coordinator). The identities shown are logged.
    """
    if not can_see_candidates(by):
        raise CandidatePermissionError("admins do not search candidates")
    needle = fold(text or "")
    if not needle:
        return [], {}
    query = select(Candidate).where(Candidate.status != CandidateStatus.ERASED)
    code = needle.upper().replace(" ", "")
    found: dict[int, Candidate] = {
        c.id: c for c in db.session.scalars(query.where(Candidate.code.contains(code)).limit(limit))
    }
    if by.role is not Role.COORDINATOR:
        query = query.where(Candidate.operator_id == by.id)
    for candidate in db.session.scalars(query.options(selectinload(Candidate.assessments))):
        identity = _identity(candidate)
        if identity is None:
            continue
        haystack = fold(
            f"{identity.first_name} {identity.last_name} {identity.last_name} {identity.first_name}"
        )
        if needle in haystack or (identity.tax_code and code == identity.tax_code):
            found[candidate.id] = candidate
        if len(found) >= limit:
            break
    results = sorted(found.values(), key=lambda c: c.code)
    return results, identities_for_list(results, by=by)


def review_due(today: date | None = None) -> list[Candidate]:
    """Profiles past their review date (not yet erased), oldest first."""
    today = today or date.today()
    return list(
        db.session.scalars(
            select(Candidate)
            .where(Candidate.review_on < today, Candidate.status != CandidateStatus.ERASED)
            .order_by(Candidate.review_on, Candidate.id)
        )
    )


def utc_now() -> Any:  # a seam for tests that freeze time
    return utcnow()
