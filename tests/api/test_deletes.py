"""DELETE on organizations, contacts, interactions, follow-ups and openings: the screens' rules, the
services (so the change history records each deletion), write tokens only, JSON errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crm.audit.models import ChangeAction, ChangeLog
from crm.auth.models import Role
from crm.candidates.services import create_candidate
from crm.contacts.models import Contact
from crm.contacts.services import create_contact
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.followups.services import create_follow_up
from crm.interactions.models import Interaction, InteractionKind
from crm.interactions.services import log_interaction
from crm.openings.models import ContractType, Opening, PipelineStage
from crm.openings.services import create_opening, move_stage, record_placement, shortlist
from crm.organizations.models import Organization


def _deletions(entity_type: str, entity_id: int) -> list[ChangeLog]:
    return list(
        db.session.scalars(
            db.select(ChangeLog).where(
                ChangeLog.entity_type == entity_type,
                ChangeLog.entity_id == entity_id,
                ChangeLog.action == ChangeAction.DELETE,
            )
        )
    )


def _assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.get_json()["error"] == code
    assert response.get_json()["message"]


@pytest.fixture
def org(make_org, op):
    return make_org(owner=op, legal_name="Forno Rossi")


@pytest.fixture
def contact(org, coord):
    return create_contact(org, {"first_name": "Maria", "last_name": "Rossi", "is_primary": True}, by=coord)


@pytest.fixture
def interaction(org, op, contact):
    return log_interaction(
        org,
        {
            "kind": InteractionKind.CALL,
            "subject": "Prima chiamata",
            "contact_id": contact.id,
            "occurred_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
        },
        by=op,
    )


@pytest.fixture
def follow_up(org, op, coord):
    return create_follow_up(
        {"title": "Richiamare", "due_date": date(2026, 2, 1), "assignee_id": op.id},
        by=coord,
        organization=org,
    )


@pytest.fixture
def opening(org, coord):
    return create_opening(org, {"title": "Magazziniere", "contract": ContractType.PERMANENT}, by=coord)


# --- Organizations --------------------------------------------------------------------------------


def test_coordinator_deletes_an_organization_with_its_contacts(client, coord, org, contact, headers, fresh):
    org_id, contact_id, coord_id, token = org.id, contact.id, coord.id, headers(coord)
    response = client.delete(f"/api/v1/organizations/{org_id}", headers=token)
    assert response.status_code == 204 and response.data == b""
    fresh()
    assert db.session.get(Organization, org_id) is None and db.session.get(Contact, contact_id) is None
    [entry] = _deletions("organization", org_id)
    assert entry.user_id == coord_id and entry.changes["legal_name"] == ["Forno Rossi", None]
    assert [e.user_id for e in _deletions("contact", contact_id)] == [coord_id]
    _assert_error(client.get(f"/api/v1/organizations/{org_id}", headers=token), 404, "not_found")


def test_organization_delete_is_for_coordinators_only(client, op, org, headers):
    """Even its owner may not delete it, as on the screen."""
    _assert_error(client.delete(f"/api/v1/organizations/{org.id}", headers=headers(op)), 403, "forbidden")
    assert db.session.get(Organization, org.id) is not None and _deletions("organization", org.id) == []


def test_deletes_need_a_write_token(client, coord, org, contact, interaction, follow_up, opening, headers):
    read = headers(coord, "read")
    for path in (
        f"/api/v1/organizations/{org.id}",
        f"/api/v1/contacts/{contact.id}",
        f"/api/v1/interactions/{interaction.id}",
        f"/api/v1/follow-ups/{follow_up.id}",
        f"/api/v1/openings/{opening.id}",
    ):
        _assert_error(client.delete(path, headers=read), 403, "insufficient_scope")
    assert db.session.scalars(db.select(ChangeLog).where(ChangeLog.action == ChangeAction.DELETE)).all() == []


@pytest.mark.parametrize(
    "collection", ["organizations", "contacts", "interactions", "follow-ups", "openings"]
)
@pytest.mark.parametrize("object_id", [999_999, 2**31, 10**12])
def test_deleting_an_unknown_id_is_404(client, coord, headers, collection, object_id):
    _assert_error(
        client.delete(f"/api/v1/{collection}/{object_id}", headers=headers(coord)), 404, "not_found"
    )


# --- Contacts -------------------------------------------------------------------------------------


def test_owner_deletes_a_contact_and_interactions_keep_existing(
    client, op, contact, interaction, headers, fresh
):
    contact_id, interaction_id = contact.id, interaction.id
    response = client.delete(f"/api/v1/contacts/{contact_id}", headers=headers(op))
    assert response.status_code == 204 and response.data == b""
    fresh()
    assert db.session.get(Contact, contact_id) is None
    assert db.session.get(Interaction, interaction_id).contact_id is None


def test_contact_deletion_is_in_the_change_history(client, op, contact, headers):
    contact_id, op_id = contact.id, op.id
    assert client.delete(f"/api/v1/contacts/{contact_id}", headers=headers(op)).status_code == 204
    assert [e.user_id for e in _deletions("contact", contact_id)] == [op_id]


def test_contact_delete_follows_the_organization_edit_rule(client, staff, contact, headers):
    other = staff(Role.OPERATOR)
    _assert_error(client.delete(f"/api/v1/contacts/{contact.id}", headers=headers(other)), 403, "forbidden")
    assert db.session.get(Contact, contact.id) is not None


# --- Interactions ---------------------------------------------------------------------------------


def test_author_and_coordinators_delete_interactions(client, op, coord, org, interaction, headers, fresh):
    other = log_interaction(
        org,
        {"kind": InteractionKind.NOTE, "subject": "Nota", "occurred_at": datetime(2026, 1, 6, tzinfo=UTC)},
        by=coord,
    )
    ids, people = (interaction.id, other.id), (op.id, coord.id)
    assert client.delete(f"/api/v1/interactions/{ids[0]}", headers=headers(op)).status_code == 204
    assert client.delete(f"/api/v1/interactions/{ids[1]}", headers=headers(coord)).status_code == 204
    fresh()
    assert [db.session.get(Interaction, i) for i in ids] == [None, None]
    assert [[e.user_id for e in _deletions("interaction", i)] for i in ids] == [[people[0]], [people[1]]]


def test_operators_may_not_delete_someone_elses_interaction(client, staff, org, interaction, headers):
    """Not even the organization's owner, when someone else logged it (can_edit_interaction)."""
    other = staff(Role.OPERATOR)
    _assert_error(
        client.delete(f"/api/v1/interactions/{interaction.id}", headers=headers(other)), 403, "forbidden"
    )
    assert db.session.get(Interaction, interaction.id) is not None


# --- Follow-ups -----------------------------------------------------------------------------------


def test_assignee_deletes_a_follow_up(client, op, follow_up, headers, fresh):
    follow_up_id, op_id = follow_up.id, op.id
    assert client.delete(f"/api/v1/follow-ups/{follow_up_id}", headers=headers(op)).status_code == 204
    fresh()
    assert db.session.get(FollowUp, follow_up_id) is None
    [entry] = _deletions("follow_up", follow_up_id)
    assert entry.user_id == op_id and entry.changes["title"] == ["Richiamare", None]


def test_follow_up_delete_is_for_assignee_author_and_coordinators(client, staff, follow_up, headers):
    other = staff(Role.OPERATOR)
    _assert_error(
        client.delete(f"/api/v1/follow-ups/{follow_up.id}", headers=headers(other)), 403, "forbidden"
    )
    assert db.session.get(FollowUp, follow_up.id) is not None


# --- Openings -------------------------------------------------------------------------------------


def test_coordinator_deletes_an_opening(client, coord, opening, headers, fresh):
    opening_id, coord_id = opening.id, coord.id
    assert client.delete(f"/api/v1/openings/{opening_id}", headers=headers(coord)).status_code == 204
    fresh()
    assert db.session.get(Opening, opening_id) is None
    assert [e.user_id for e in _deletions("opening", opening_id)] == [coord_id]


def test_operators_may_not_delete_openings(client, op, opening, headers):
    _assert_error(client.delete(f"/api/v1/openings/{opening.id}", headers=headers(op)), 403, "forbidden")
    assert db.session.get(Opening, opening.id) is not None


def test_an_opening_with_a_hire_is_closed_not_deleted(client, coord, op, opening, headers):
    """The service refuses (the placement statistics need it): 409 with a stable code, nothing lost."""
    person = create_candidate(
        {
            "first_name": "Giulia",
            "last_name": "Neri",
            "tax_code": None,
            "phone": None,
            "email": None,
            "comune_code": "048017",
        },
        {
            "referred_on": date(2026, 3, 1),
            "hours_per_week": 30,
            "shifts": ["morning"],
            "available_days": ["mon"],
            "sectors": ["N"],
            "languages": ["Italiano"],
        },
        by=coord,
        operator_id=op.id,
        skill_ids=[],
    )
    entry = move_stage(shortlist(opening, person, by=coord), PipelineStage.PRESENTED, by=coord)
    record_placement(entry, {"start_date": date(2026, 4, 1)}, by=coord)
    response = client.delete(f"/api/v1/openings/{opening.id}", headers=headers(coord))
    _assert_error(response, 409, "opening_has_hires")
    db.session.expire_all()
    assert db.session.get(Opening, opening.id) is not None and _deletions("opening", opening.id) == []
