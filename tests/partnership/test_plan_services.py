"""The plan: versions, reviews, actions with owners, signature as a consent, follow-up items."""

from __future__ import annotations

from datetime import date

import pytest

from crm.auth.models import Role
from crm.candidates.models import ConsentPurpose
from crm.extensions import db
from crm.partnership.models import ActionStatus, OwnerKind, PlanVersion, VersionKind
from crm.partnership.services import (
    PartnershipError,
    PartnershipPermissionError,
    add_action,
    create_plan,
    plan_items_due,
    record_signature,
    review_plan,
    set_action_status,
)


def test_create_plan_writes_version_one(operator, make_candidate, make_plan):
    """A new plan has its goals in order, its supports, and version 1 with a snapshot."""
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)
    assert [g.text for g in plan.goals] == [
        "Ottenere il patentino del muletto",
        "Due settimane di tirocinio in logistica",
    ]
    assert plan.supports == [{"kind": "transport", "detail": "Abbonamento ATAF", "provider": "Comune"}]
    assert plan.version == 1
    (version,) = plan.versions
    assert version.kind is VersionKind.CREATED
    assert version.snapshot["goals"][0]["text"] == "Ottenere il patentino del muletto"


def test_plan_needs_a_goal_and_a_manager(operator, make_user, make_candidate, plan_data):
    """No goal: refused; an operator who does not follow the person: refused."""
    candidate = make_candidate(operator)
    with pytest.raises(PartnershipError):
        create_plan(candidate, {**plan_data, "goals": [{"text": "  "}]}, by=operator)
    other = make_user(Role.OPERATOR)
    with pytest.raises(PartnershipPermissionError):
        create_plan(candidate, plan_data, by=other)


def test_review_keeps_history_unchanged(operator, make_candidate, make_plan):
    """A review adds a version with what was achieved and why; version 1 keeps the old goals."""
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)
    first = plan.goals[0]
    version = review_plan(
        plan,
        {
            "goals": [
                {"id": first.id, "text": first.text, "status": "achieved"},
                {"text": "Primo colloquio entro marzo"},
            ],
            "supports": [],
            "next_review_on": date(2026, 9, 1),
            "achieved": "Patentino ottenuto",
            "changed": "Tirocinio sostituito da colloqui",
            "why": "Offerta dell'azienda",
        },
        by=operator,
    )
    assert version.number == 2 and plan.version == 2
    assert [g.text for g in plan.goals] == [first.text, "Primo colloquio entro marzo"]
    assert plan.goals[0].id == first.id
    old = db.session.scalars(db.select(PlanVersion).where(PlanVersion.number == 1)).one()
    assert [g["text"] for g in old.snapshot["goals"]][1] == "Due settimane di tirocinio in logistica"
    assert version.snapshot["goals"][0]["status"] == "achieved"
    assert version.why == "Offerta dell'azienda"


def test_review_needs_what_was_achieved_or_changed(operator, make_candidate, make_plan):
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)
    with pytest.raises(PartnershipError):
        review_plan(plan, {"next_review_on": date(2026, 9, 1), "achieved": " ", "changed": ""}, by=operator)
    assert plan.version == 1


def test_versions_cannot_be_changed(operator, make_candidate, make_plan):
    """A stored version is history: an update is refused at flush."""
    plan = make_plan(make_candidate(operator), operator)
    version = plan.versions[0]
    version.why = "rewritten"
    with pytest.raises(ValueError, match="never changed"):
        db.session.flush()
    db.session.rollback()


def test_actions_have_owners(operator, make_candidate, make_plan, make_referrer, refer, coordinator):
    """Hub actions need an operator, external ones a name, referrer ones a referrer on the case."""
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)
    hub = add_action(
        plan,
        {
            "description": "Iscrizione corso",
            "owner_kind": "hub",
            "owner_user_id": operator.id,
            "due_on": date(2026, 4, 1),
        },
        by=operator,
    )
    assert hub.owner_user_id == operator.id and hub.owner_label == operator.full_name
    ext = add_action(
        plan,
        {
            "description": "Corso muletto",
            "owner_kind": "external",
            "owner_name": "Ente formativo X",
            "due_on": date(2026, 4, 2),
        },
        by=operator,
    )
    assert ext.owner_label == "Ente formativo X"
    with pytest.raises(PartnershipError):
        add_action(
            plan, {"description": "?", "owner_kind": "external", "due_on": date(2026, 4, 2)}, by=operator
        )
    with pytest.raises(PartnershipError):  # no social worker on a case the hub registered itself
        add_action(
            plan, {"description": "?", "owner_kind": "referrer", "due_on": date(2026, 4, 2)}, by=operator
        )
    referrer = make_referrer()
    referral = refer(referrer)
    referred = referral.candidate
    referred.operator_id = operator.id
    db.session.commit()
    plan2 = make_plan(referred, operator)
    action = add_action(
        plan2,
        {"description": "Verifica ISEE", "owner_kind": "referrer", "due_on": date(2026, 4, 3)},
        by=operator,
    )
    assert action.owner_user_id == referrer.id and action.shared and action.owner_kind is OwnerKind.REFERRER


def test_referrer_updates_only_own_actions(operator, make_referrer, refer, make_plan):
    referrer = make_referrer()
    referral = refer(referrer)
    referral.candidate.operator_id = operator.id
    db.session.commit()
    plan = make_plan(referral.candidate, operator)
    theirs = add_action(
        plan,
        {"description": "Colloquio ai servizi", "owner_kind": "referrer", "due_on": date(2026, 4, 3)},
        by=operator,
    )
    ours = add_action(
        plan,
        {
            "description": "Bilancio competenze",
            "owner_kind": "hub",
            "owner_user_id": operator.id,
            "due_on": date(2026, 4, 3),
            "shared": True,
        },
        by=operator,
    )
    set_action_status(theirs, ActionStatus.DONE, by=referrer, on=date(2026, 4, 2))
    assert theirs.status is ActionStatus.DONE and theirs.completed_on == date(2026, 4, 2)
    with pytest.raises(PartnershipPermissionError):
        set_action_status(ours, ActionStatus.DONE, by=referrer)


def test_signature_is_a_consent_record(operator, make_candidate, make_plan):
    """Recording the signed plan adds a consent record and a signed version."""
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)
    record = record_signature(
        plan, signed_on=date(2026, 3, 20), document="Progetto firmato prot. 12", by=operator
    )
    assert record.purpose is ConsentPurpose.PLAN_AGREEMENT
    assert record in candidate.consents
    assert plan.signed_on == date(2026, 3, 20) and plan.signed_version == 1
    assert plan.version == 2 and plan.versions[0].kind is VersionKind.SIGNED


def test_overdue_actions_and_reviews_are_follow_up_items(operator, make_user, make_candidate, make_plan):
    """The owner's hub actions and the reviews of the people they follow are listed, others' are not."""
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)  # review on 2026-06-15
    add_action(
        plan,
        {
            "description": "Chiamare l'ente",
            "owner_kind": "hub",
            "owner_user_id": operator.id,
            "due_on": date(2026, 4, 1),
        },
        by=operator,
    )
    add_action(
        plan,
        {
            "description": "Esterno",
            "owner_kind": "external",
            "owner_name": "Coop",
            "due_on": date(2026, 4, 1),
        },
        by=operator,
    )
    items = plan_items_due(operator.id, until=date(2026, 7, 1))
    assert [(i.kind, i.due_on) for i in items] == [
        ("action", date(2026, 4, 1)),
        ("review", date(2026, 6, 15)),
    ]
    assert items[0].candidate_code == candidate.code and items[0].is_overdue(date(2026, 4, 2))
    assert plan_items_due(make_user(Role.OPERATOR).id, until=date(2026, 7, 1)) == []
    assert plan_items_due(operator.id, until=date(2026, 4, 1)) == []


def test_erasing_a_candidate_blanks_the_partnership_text(
    operator, coordinator, make_referrer, refer, make_plan
):
    """GDPR erasure removes reasons, notes, plan text and their history; the dates stay for statistics."""
    from crm.audit.models import ChangeLog
    from crm.partnership.models import CaseNote, Plan, PlanGoal, Referral
    from crm.partnership.services import add_note
    from crm.partnership.timeliness import timeliness_rows
    from crm.privacy.gdpr import erase_candidate

    referral = refer(make_referrer())
    candidate = referral.candidate
    candidate.operator_id = operator.id
    db.session.commit()
    plan = make_plan(candidate, operator)
    add_action(
        plan,
        {
            "description": "Privata",
            "owner_kind": "hub",
            "owner_user_id": operator.id,
            "due_on": date(2026, 4, 1),
        },
        by=operator,
    )
    add_note(candidate, "Nota privata", by=operator)
    erase_candidate(candidate, by=coordinator, reason="richiesta dell'interessata")
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).reasons_encrypted is None
    assert db.session.scalars(db.select(CaseNote)).all() == []
    plan = db.session.scalars(db.select(Plan)).one()
    assert plan.supports == [] and plan.shared_note is None
    assert {g.text for g in db.session.scalars(db.select(PlanGoal))} == {"—"}
    assert all(v.snapshot == {} for v in plan.versions)
    kinds = {c.entity_type for c in db.session.scalars(db.select(ChangeLog))}
    assert not kinds & {"plan", "plan_goal", "plan_action", "referral"}
    assert timeliness_rows()[0].plan is not None
