"""The GDPR export of a referred person holds the partnership's data about them, decrypted; after the
erasure it holds none of the erased text."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.candidates.models import ConsentPurpose
from crm.candidates.services import CandidatePermissionError
from crm.db_types import utcnow
from crm.extensions import db
from crm.partnership.gdpr import partnership_export
from crm.partnership.models import (
    ActionStatus,
    NotificationKind,
    PartnershipNotification,
    Referral,
)
from crm.partnership.services import (
    add_action,
    add_note,
    record_first_contact,
    record_signature,
    review_plan,
    set_action_status,
)
from crm.privacy.gdpr import erase_candidate, export_candidate
from crm.privacy.models import AccessAction, AccessLog, FieldGroup

#: Every piece of free text the case below writes about the person.
SECRETS = (
    "Disoccupata da due anni",  # referral reasons
    "Modulo consenso prot. 2026/0001",  # consent document (referral)
    "Ottenere il patentino del muletto",  # goal
    "Due settimane di tirocinio in logistica",  # goal
    "Abbonamento ATAF",  # support
    "Incontro fissato",  # note for the social worker
    "Iscrizione al corso HACCP",  # hub action
    "Colloquio con la madre",  # referrer's action
    "Portare il curriculum aggiornato",  # the person's action
    "Cooperativa Il Ponte",  # external body
    "Patentino ottenuto",  # review: achieved
    "Tirocinio rinviato",  # review: changed
    "Problemi di trasporto",  # review: why
    "Firmato prot. 2026/0099",  # signature document
    "Nota interna sul colloquio",  # hub case note, not shared
    "Nota condivisa con il servizio",  # hub case note, shared
    "Nota della assistente sociale",  # referrer's case note
)


def partnership_sections(data):
    return {
        key: data[key]
        for key in ("partnership_referral", "tailored_plan", "case_notes", "partnership_notifications")
    }


@pytest.fixture
def case(coordinator, operator, make_referrer, refer, make_plan):
    """A referred person followed by ``operator``, with a full plan, notes and two notifications."""
    referrer = make_referrer(full_name="Giulia Assistente")
    referral = refer(referrer)
    candidate = referral.candidate
    candidate.operator_id = operator.id
    db.session.commit()
    record_first_contact(referral, date(2026, 3, 5), by=operator)
    plan = make_plan(candidate, operator)
    first_goal = plan.goals[0]
    hub = add_action(
        plan,
        {
            "description": "Iscrizione al corso HACCP",
            "owner_kind": "hub",
            "owner_user_id": operator.id,
            "due_on": date(2026, 4, 10),
            "goal_id": first_goal.id,
            "shared": False,
        },
        by=operator,
    )
    add_action(
        plan,
        {"description": "Colloquio con la madre", "owner_kind": "referrer", "due_on": date(2026, 4, 20)},
        by=operator,
    )
    add_action(
        plan,
        {
            "description": "Portare il curriculum aggiornato",
            "owner_kind": "person",
            "due_on": date(2026, 4, 1),
        },
        by=operator,
    )
    add_action(
        plan,
        {
            "description": "Orientamento",
            "owner_kind": "external",
            "owner_name": "Cooperativa Il Ponte",
            "due_on": date(2026, 5, 2),
        },
        by=operator,
    )
    set_action_status(hub, ActionStatus.DONE, by=operator, on=date(2026, 4, 8))
    review_plan(
        plan,
        {
            "goals": [
                {"id": first_goal.id, "text": first_goal.text, "status": "achieved"},
                {"text": "Due settimane di tirocinio in logistica"},
            ],
            "supports": plan.supports,
            "next_review_on": date(2026, 9, 1),
            "achieved": "Patentino ottenuto",
            "changed": "Tirocinio rinviato",
            "why": "Problemi di trasporto",
        },
        by=operator,
    )
    record_signature(plan, signed_on=date(2026, 6, 20), document="Firmato prot. 2026/0099", by=operator)
    add_note(candidate, "Nota interna sul colloquio", by=operator)
    add_note(candidate, "Nota condivisa con il servizio", by=operator, shared=True)
    add_note(candidate, "Nota della assistente sociale", by=referrer)
    sent = utcnow() - timedelta(days=2)
    db.session.add_all(
        [
            PartnershipNotification(
                user_id=referrer.id,
                candidate_id=candidate.id,
                kind=NotificationKind.PRESENTED,
                event_key="presented:901",
                created_at=sent - timedelta(hours=1),
                sent_at=sent,
            ),
            PartnershipNotification(
                user_id=referrer.id,
                candidate_id=candidate.id,
                kind=NotificationKind.HIRED,
                event_key="hired:7",
            ),
        ]
    )
    db.session.commit()
    return candidate


def test_export_holds_the_partnership_data_decrypted(coordinator, operator, case):
    """Referral (reasons decrypted, consents), plan with goals, actions, supports, reviews, signatures
    and every version, all case notes (shared or not) and the notifications' kinds and dates."""
    data = export_candidate(case, by=operator, reason="richiesta art. 15")
    part = partnership_sections(data)

    referral = part["partnership_referral"]
    assert referral["office"].startswith("Servizio Sociale Q")
    assert referral["social_worker"] == "Giulia Assistente"
    assert referral["referred_at"].startswith("2026-03-02")
    assert referral["first_contact_on"] == "2026-03-05"
    assert referral["reasons"].startswith("Disoccupata da due anni")
    purposes = {c["purpose"]: c for c in referral["consents"]}
    assert set(purposes) == {
        ConsentPurpose.DATA_PROCESSING.value,
        ConsentPurpose.SHARING_WITH_SOCIAL_SERVICES.value,
        ConsentPurpose.PLAN_AGREEMENT.value,
    }
    assert purposes["data_processing"] == {
        "purpose": "data_processing",
        "given_on": "2026-03-01",
        "document": "Modulo consenso prot. 2026/0001",
        "withdrawn_on": None,
        "recorded_by": "Giulia Assistente",
    }

    plan = part["tailored_plan"]
    assert plan["version"] == 3 and plan["signed_version"] == 2 and plan["signed_on"] == "2026-06-20"
    assert plan["signature_document"] == "Firmato prot. 2026/0099"
    assert plan["next_review_on"] == "2026-09-01"
    assert plan["note_for_social_worker"] == "Incontro fissato"
    assert [(g["text"], g["status"]) for g in plan["goals"]] == [
        ("Ottenere il patentino del muletto", "achieved"),
        ("Due settimane di tirocinio in logistica", "open"),
    ]
    actions = {a["description"]: a for a in plan["actions"]}
    assert actions["Iscrizione al corso HACCP"] == {
        "description": "Iscrizione al corso HACCP",
        "goal": "Ottenere il patentino del muletto",
        "owner_kind": "hub",
        "owner": operator.full_name,
        "due_on": "2026-04-10",
        "status": "done",
        "completed_on": "2026-04-08",
        "shared_with_social_worker": False,
    }
    assert actions["Colloquio con la madre"]["owner"] == "Giulia Assistente"
    assert actions["Colloquio con la madre"]["shared_with_social_worker"] is True
    assert actions["Portare il curriculum aggiornato"]["owner_kind"] == "person"
    assert actions["Orientamento"]["owner"] == "Cooperativa Il Ponte"
    assert plan["supports"] == [{"kind": "transport", "detail": "Abbonamento ATAF", "provider": "Comune"}]
    (review,) = plan["reviews"]
    assert (review["version"], review["achieved"], review["changed"], review["why"]) == (
        2,
        "Patentino ottenuto",
        "Tirocinio rinviato",
        "Problemi di trasporto",
    )
    assert review["by"] == operator.full_name
    assert [s["version"] for s in plan["signatures"]] == [3]
    assert [(v["number"], v["kind"]) for v in plan["versions"]] == [
        (1, "created"),
        (2, "review"),
        (3, "signed"),
    ]
    first = plan["versions"][0]["snapshot"]
    assert [g["text"] for g in first["goals"]][1] == "Due settimane di tirocinio in logistica"
    assert first["goals"][0]["status"] == "open"  # version 1 as it was, not as it is now

    notes = {n["text"]: n for n in part["case_notes"]}
    assert set(notes) == {
        "Nota interna sul colloquio",
        "Nota condivisa con il servizio",
        "Nota della assistente sociale",
    }
    assert notes["Nota interna sul colloquio"]["shared_with_social_worker"] is False
    assert notes["Nota della assistente sociale"]["author"] == "Giulia Assistente"
    assert notes["Nota della assistente sociale"]["shared_with_social_worker"] is True

    kinds = [(n["kind"], n["sent_at"] is not None) for n in part["partnership_notifications"]]
    assert kinds == [("presented", True), ("hired", False)]
    assert all(set(n) == {"kind", "created_at", "sent_at"} for n in part["partnership_notifications"])

    text = json.dumps(data, ensure_ascii=False)
    for secret in SECRETS:
        assert secret in text, secret
    assert "v1." not in json.dumps(part)  # nothing left encrypted


def test_export_is_logged_once_as_before(operator, case):
    """Adding the partnership changes nothing in the auditing: one export entry with its reason."""
    export_candidate(case, by=operator, reason="richiesta art. 15", document="json")
    (entry,) = db.session.scalars(select(AccessLog).where(AccessLog.action == AccessAction.EXPORT)).all()
    assert entry.candidate_id == case.id and entry.field_group is FieldGroup.ALL
    assert (entry.reason, entry.detail) == ("richiesta art. 15", "personal data export — JSON")


def test_export_pages_carry_the_partnership(client, auth, operator, case):
    """The candidate page's export (JSON and PDF) holds the decrypted reasons and the hub's notes."""
    auth.login(operator)
    response = client.post(f"/candidates/{case.id}/export", data={"reason": "art. 15", "format": "json"})
    assert response.status_code == 200
    data = json.loads(response.data)
    assert data["partnership_referral"]["reasons"].startswith("Disoccupata da due anni")
    pdf = client.post(f"/candidates/{case.id}/export", data={"reason": "art. 15", "format": "pdf"})
    assert pdf.data.startswith(b"%PDF")
    for heading in (b"Partnership referral", b"Tailored plan", b"Case notes", b"Partnership notifications"):
        assert heading in pdf.data, heading
    for word in (b"Disoccupata", b"HACCP", b"Ponte"):  # long JSON values wrap: single words
        assert word in pdf.data, word


def test_candidate_without_partnership_exports_empty_sections(operator, make_candidate):
    """A person entered by the hub has no referral or plan: the section says so, it does not fail."""
    candidate = make_candidate(operator)
    data = export_candidate(candidate, by=operator, reason="art. 15")
    assert partnership_sections(data) == {
        "partnership_referral": None,
        "tailored_plan": None,
        "case_notes": [],
        "partnership_notifications": [],
    }


def test_after_erasure_nothing_of_the_erased_text_remains(coordinator, operator, case):
    """Erasure blanks the partnership text: the partnership export then holds dates and statuses only."""
    before = json.dumps(partnership_export(case), ensure_ascii=False)
    assert all(secret in before for secret in SECRETS)
    erase_candidate(case, by=coordinator, reason="richiesta art. 17")
    db.session.expire_all()

    part = partnership_export(case)
    text = json.dumps(part, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, secret
    assert part["partnership_referral"]["reasons"] is None and part["partnership_referral"]["consents"] == []
    assert part["partnership_referral"]["first_contact_on"] == "2026-03-05"  # dates stay for the statistics
    assert part["case_notes"] == [] and part["partnership_notifications"] == []
    plan = part["tailored_plan"]
    assert plan["supports"] == [] and plan["note_for_social_worker"] is None
    assert plan["signature_document"] is None
    assert all(v["snapshot"] == {} for v in plan["versions"]) and len(plan["versions"]) == 3
    assert all(r["achieved"] is None and r["why"] is None for r in plan["reviews"])
    assert db.session.scalars(select(Referral)).one().reasons_encrypted is None
    # The full export is refused once the identity is gone (nothing left to give back but the code).
    with pytest.raises(CandidatePermissionError):
        export_candidate(case, by=coordinator, reason="art. 15")


def test_referral_dates_are_datetimes_in_utc(operator, case):
    """Dates are ISO strings, so the JSON export is portable (art. 20)."""
    part = partnership_export(case)
    datetime.fromisoformat(part["partnership_referral"]["referred_at"])
    datetime.fromisoformat(part["tailored_plan"]["versions"][0]["at"])
