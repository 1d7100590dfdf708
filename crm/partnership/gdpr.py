"""The partnership's data about one person, for their GDPR export (art. 15 and 20).

:func:`crm.privacy.gdpr.export_candidate` checks who may export and logs the access; this module only
reads. It is the person's own data, so the export holds all of it: the referral with its reasons and
the consents given for the partnership, the plan with every version, the case notes whether shared
with the social worker or not, and the notifications sent about the person (kind and dates only:
the recipients are staff of the social services, not data about the person).

After an erasure (:mod:`crm.partnership.erasure`) the same function returns what is left: dates,
statuses and the office, with no free text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm.candidates.models import Candidate, ConsentPurpose
from crm.extensions import db
from crm.partnership.models import CaseNote, PartnershipNotification, Plan, VersionKind
from crm.partnership.services import NOTE_CONTEXT, plan_for, referral_for, referral_reasons
from crm.privacy.crypto import decrypt_json

#: Consents that belong to the partnership: given at the social services on referral, and the signed plan.
PARTNERSHIP_CONSENTS = frozenset(
    {
        ConsentPurpose.DATA_PROCESSING,
        ConsentPurpose.SHARING_WITH_SOCIAL_SERVICES,
        ConsentPurpose.PLAN_AGREEMENT,
    }
)


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def partnership_export(candidate: Candidate) -> dict[str, Any]:
    """Everything the partnership holds on ``candidate``, as plain JSON-ready data, decrypted.

    The keys are sections of the export: ``partnership_referral`` and ``tailored_plan`` (None when the
    person came another way or has no plan yet), ``case_notes`` and ``partnership_notifications``.
    Callers check the permission to export and log the access (see the module).
    """
    return {
        "partnership_referral": _referral(candidate),
        "tailored_plan": _plan(plan_for(candidate)),
        "case_notes": _case_notes(candidate),
        "partnership_notifications": _notifications(candidate),
    }


def _referral(candidate: Candidate) -> dict[str, Any] | None:
    referral = referral_for(candidate)
    if referral is None:
        return None
    office = referral.office
    return {
        "office": office.name,
        "office_address": office.address,
        "office_phone": office.phone,
        "office_email": office.email,
        "social_worker": referral.referrer.full_name if referral.referrer is not None else None,
        "referred_at": _iso(referral.referred_at),
        "first_contact_on": _iso(referral.first_contact_on),
        "reasons": referral_reasons(referral) or None,
        "consents": [
            {
                "purpose": c.purpose.value,
                "given_on": _iso(c.given_on),
                "document": c.document,
                "withdrawn_on": _iso(c.withdrawn_on),
                "recorded_by": c.recorded_by.full_name if c.recorded_by is not None else None,
            }
            for c in sorted(candidate.consents, key=lambda c: (c.given_on, c.id))
            if c.purpose in PARTNERSHIP_CONSENTS
        ],
    }


def _plan(plan: Plan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    goal_texts = {g.id: g.text for g in plan.goals}
    versions = sorted(plan.versions, key=lambda v: v.number)
    return {
        "created_at": _iso(plan.created_at),
        "version": plan.version,
        "next_review_on": _iso(plan.next_review_on),
        "note_for_social_worker": plan.shared_note,
        "signed_on": _iso(plan.signed_on),
        "signed_version": plan.signed_version,
        "signature_document": plan.consent.document if plan.consent is not None else None,
        "goals": [
            {"text": g.text, "target_on": _iso(g.target_on), "status": g.status.value} for g in plan.goals
        ],
        "actions": [
            {
                "description": a.description,
                "goal": goal_texts.get(a.goal_id) if a.goal_id is not None else None,
                "owner_kind": a.owner_kind.value,
                "owner": a.owner_label or None,
                "due_on": _iso(a.due_on),
                "status": a.status.value,
                "completed_on": _iso(a.completed_on),
                "shared_with_social_worker": a.shared,
            }
            for a in plan.actions
        ],
        "supports": [
            {"kind": s.get("kind"), "detail": s.get("detail") or None, "provider": s.get("provider") or None}
            for s in plan.supports or []
        ],
        "reviews": [
            {
                "version": v.number,
                "at": _iso(v.created_at),
                "by": v.created_by_name,
                "achieved": v.achieved,
                "changed": v.changed,
                "why": v.why,
            }
            for v in versions
            if v.kind is VersionKind.REVIEW
        ],
        "signatures": [
            {"version": v.number, "recorded_at": _iso(v.created_at), "recorded_by": v.created_by_name}
            for v in versions
            if v.kind is VersionKind.SIGNED
        ],
        "versions": [
            {
                "number": v.number,
                "kind": v.kind.value,
                "at": _iso(v.created_at),
                "by": v.created_by_name,
                "snapshot": v.snapshot,
            }
            for v in versions
        ],
    }


def _case_notes(candidate: Candidate) -> list[dict[str, Any]]:
    notes = db.session.scalars(
        select(CaseNote)
        .where(CaseNote.candidate_id == candidate.id)
        .order_by(CaseNote.created_at, CaseNote.id)
    )
    return [
        {
            "at": _iso(n.created_at),
            "author": n.author_name,
            "shared_with_social_worker": n.shared,
            "text": str((decrypt_json(n.body_encrypted, context=NOTE_CONTEXT) or {}).get("text", "")),
        }
        for n in notes
    ]


def _notifications(candidate: Candidate) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(
            PartnershipNotification.kind, PartnershipNotification.created_at, PartnershipNotification.sent_at
        )
        .where(PartnershipNotification.candidate_id == candidate.id)
        .order_by(PartnershipNotification.created_at, PartnershipNotification.id)
    )
    return [
        {"kind": kind.value, "created_at": _iso(created), "sent_at": _iso(sent)}
        for kind, created, sent in rows
    ]
