"""GDPR tools for one candidate: export everything held (art. 15 and 20), erase (art. 17), and the
retention sweep over profiles past their review date.

Erasure destroys the identity, the sensitive notes, the keyed hash of the codice fiscale, assessment
notes, consent records, work history, free-text notes and the change history of those rows. What
stays is pseudonymous: the code, referral year, skills from the controlled list, sectors, education
level, assessment scores and bands, the pipeline and placements (for the hub's statistics).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select

from crm.audit.models import ChangeLog
from crm.audit.services import acting_as
from crm.auth.models import User
from crm.candidates.models import Candidate, CandidateStatus
from crm.candidates.services import (
    SENSITIVE_CONTEXT,
    CandidateError,
    CandidatePermissionError,
    SensitiveNotes,
    _identity,
    assessment_notes,
    review_due,
)
from crm.db_types import utcnow
from crm.extensions import db
from crm.openings.models import PipelineEntry
from crm.partnership.gdpr import partnership_export
from crm.permissions import can_see_candidate_identity, is_candidate_coordinator
from crm.privacy.access import entries_for, log_access
from crm.privacy.crypto import decrypt_json
from crm.privacy.models import AccessAction, FieldGroup
from crm.privacy.notes import N_, note


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_candidate(
    candidate: Candidate, *, by: User, reason: str, document: str = "json"
) -> dict[str, Any]:
    """Everything held on one person, as plain data, logged as an export with its reason.

    :raises CandidatePermissionError: unless ``by`` follows the person or is a coordinator.
    :raises CandidateError: without a reason, or for an erased candidate.
    """
    if not can_see_candidate_identity(by, candidate):
        raise CandidatePermissionError(candidate.code)
    if not (reason or "").strip():
        raise CandidateError("a reason is required to export")
    identity = _identity(candidate)
    sensitive = SensitiveNotes(
        **(decrypt_json(candidate.sensitive_encrypted, context=SENSITIVE_CONTEXT) or {})
    )
    entries = db.session.scalars(
        select(PipelineEntry).where(PipelineEntry.candidate_id == candidate.id)
    ).all()
    data: dict[str, Any] = {
        "code": candidate.code,
        "exported_at": utcnow().isoformat(),
        "identity": asdict(identity) if identity else None,
        "sensitive_notes": asdict(sensitive),
        "referral": {
            "referred_on": _iso(candidate.referred_on),
            "referring_office": candidate.referring_office,
            "case_worker": candidate.case_worker,
            "review_on": _iso(candidate.review_on),
            "status": candidate.status.value,
            "operator": candidate.operator.full_name if candidate.operator else None,
        },
        "mobility": {
            "driving_licence": candidate.driving_licence,
            "own_vehicle": candidate.own_vehicle,
            "commute_mode": candidate.commute_mode.value,
            "max_commute_minutes": candidate.max_commute_minutes,
        },
        "availability": {
            "days": list(candidate.available_days or ()),
            "shifts": list(candidate.shifts or ()),
            "hours_per_week": candidate.hours_per_week,
        },
        "languages": list(candidate.languages or ()),
        "education": candidate.education.value if candidate.education else None,
        "education_notes": candidate.education_notes,
        "skills": [s.name for s in candidate.skills],
        "other_skills": list(candidate.free_skills or ()),
        "sectors": list(candidate.sectors or ()),
        "work_history": [
            {
                "role": e.role,
                "employer": e.employer,
                "sector": e.ateco_section,
                "started_on": _iso(e.started_on),
                "ended_on": _iso(e.ended_on),
                "description": e.description,
            }
            for e in candidate.experiences
        ],
        "consents": [
            {
                "purpose": c.purpose.value,
                "given_on": _iso(c.given_on),
                "document": c.document,
                "withdrawn_on": _iso(c.withdrawn_on),
            }
            for c in candidate.consents
        ],
        "assessments": [
            {
                "assessed_on": _iso(a.assessed_on),
                "scores": a.scores(),
                "band": a.band.value,
                "notes": assessment_notes(a),
            }
            for a in candidate.assessments
        ],
        "applications": [
            {
                "opening": e.opening.title,
                "organization": e.opening.organization.display_name,
                "stage": e.stage.value,
                "not_hired_reason": e.not_hired_reason.value if e.not_hired_reason else None,
                "note": e.note,
                "presented_at": _iso(e.presented_at),
                "placement": None
                if e.placement is None
                else {
                    "start_date": _iso(e.placement.start_date),
                    "contract": e.placement.contract.value,
                    "hours_per_week": e.placement.hours_per_week,
                    "end_date": _iso(e.placement.end_date),
                    "checks": [
                        {
                            "months": c.months,
                            "due_date": _iso(c.due_date),
                            "still_employed": c.still_employed,
                            "checked_on": _iso(c.checked_on),
                        }
                        for c in e.placement.checks
                    ],
                },
            }
            for e in entries
        ],
        # Referral, tailored plan with its versions, case notes, notifications (crm/partnership):
        # top-level sections, so the PDF shows each under its own heading.
        **partnership_export(candidate),
        # Who accessed the data and to whom anonymised profiles went (art. 15(1)(c)).
        "accesses": [
            {
                "at": _iso(a.created_at),
                "by": a.user_name,
                "action": a.action.value,
                "fields": a.field_group.value,
                "reason": a.reason,
            }
            for a in entries_for(candidate.id, limit=1000)
        ],
    }
    log_access(
        by=by,
        action=AccessAction.EXPORT,
        field_group=FieldGroup.ALL,
        candidates=[candidate],
        reason=reason,
        detail=note(N_("personal data export"), document.upper()),
        commit=True,
    )
    return data


def erase_candidate(candidate: Candidate, *, by: User | None, reason: str) -> None:
    """Destroy identity and sensitive data, keep pseudonymous outcome records (see the module).

    ``by`` None is the retention command acting on its own.

    :raises CandidatePermissionError: unless ``by`` is a coordinator (or None).
    :raises CandidateError: without a reason.
    """
    if by is not None and not is_candidate_coordinator(by):
        raise CandidatePermissionError(candidate.code)
    if not (reason or "").strip():
        raise CandidateError("a reason is required to erase")
    if candidate.is_erased:
        return
    candidate.identity_encrypted = None
    candidate.sensitive_encrypted = None
    candidate.tax_code_hash = None
    candidate.referring_office = None
    candidate.case_worker = None
    candidate.education_notes = None
    candidate.free_skills = []
    candidate.languages = []
    candidate.status = CandidateStatus.ERASED
    candidate.erased_at = utcnow()
    for assessment in candidate.assessments:
        assessment.notes_encrypted = None
    child_ids: dict[str, list[int]] = {
        "work_experience": [e.id for e in candidate.experiences],
        "consent_record": [c.id for c in candidate.consents],
        "assessment": [a.id for a in candidate.assessments],
    }
    candidate.experiences.clear()
    candidate.consents.clear()
    entries = db.session.scalars(
        select(PipelineEntry).where(PipelineEntry.candidate_id == candidate.id)
    ).all()
    for entry in entries:
        entry.note = None
        if entry.placement is not None:
            for check in entry.placement.checks:
                check.note = None
    with acting_as(by.id if by else None):
        db.session.flush()
        # The change history of these rows held the old values: it goes too (including the
        # entries the flush above just wrote), so the identity cannot be rebuilt from it.
        conditions = [(ChangeLog.entity_type == "candidate") & (ChangeLog.entity_id == candidate.id)]
        for entity_type, ids in child_ids.items():
            if ids:
                conditions.append((ChangeLog.entity_type == entity_type) & ChangeLog.entity_id.in_(ids))
        db.session.execute(delete(ChangeLog).where(or_(*conditions)))
        log_access(
            by=by,
            action=AccessAction.ERASE,
            field_group=FieldGroup.ALL,
            candidates=[candidate],
            reason=reason,
        )
        db.session.commit()


def erase_past_review(
    today: date | None = None, *, reason: str = "retention: review date passed"
) -> list[str]:
    """Erase every profile past its review date; returns their codes."""
    codes = []
    for candidate in review_due(today):
        erase_candidate(candidate, by=None, reason=reason)
        codes.append(candidate.code)
    return codes
