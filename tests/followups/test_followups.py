from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.contacts.models import Contact
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import (
    FollowUpError,
    FollowUpPermissionError,
    complete_follow_up,
    create_follow_up,
    follow_ups_board,
    group_follow_ups,
    open_for_organization,
    reopen_follow_up,
    update_follow_up,
)

# A Wednesday: the week runs to Sunday 15 June.
TODAY = date(2025, 6, 11)


def _make(assignee, due, *, by=None, organization=None, **fields):
    follow_up = FollowUp(
        title=fields.pop("title", f"Task {due}"),
        due_date=due,
        assignee_id=assignee.id,
        created_by_id=(by or assignee).id,
        organization_id=organization.id if organization else None,
        **fields,
    )
    db.session.add(follow_up)
    db.session.commit()
    return follow_up


# --- grouping ----------------------------------------------------------------------------------


def test_group_follow_ups_by_urgency(app, operator):
    """Overdue, today, rest of the week (to Sunday) and later, each by due date."""
    items = [
        FollowUp(title=str(d), due_date=d, assignee_id=operator.id)
        for d in (
            TODAY - timedelta(days=3),
            TODAY,
            TODAY + timedelta(days=4),  # Sunday
            TODAY + timedelta(days=5),  # next Monday
            TODAY - timedelta(days=1),
        )
    ]
    groups = group_follow_ups(items, TODAY)
    assert [f.due_date for f in groups.overdue] == [TODAY - timedelta(days=3), TODAY - timedelta(days=1)]
    assert [f.due_date for f in groups.due_today] == [TODAY]
    assert [f.due_date for f in groups.this_week] == [date(2025, 6, 15)]
    assert [f.due_date for f in groups.later] == [date(2025, 6, 16)]
    assert groups.total == 5


def test_board_shows_only_my_open_follow_ups(operator, make_user):
    """Closed tasks and colleagues' tasks are not on my board; everyone's board has them all."""
    other = make_user(Role.OPERATOR)
    mine = _make(operator, TODAY - timedelta(days=1))
    _make(operator, TODAY, status=FollowUpStatus.DONE)
    theirs = _make(other, TODAY)
    board = follow_ups_board(operator.id, today=TODAY)
    assert board.overdue == [mine] and board.total == 1
    everyone = follow_ups_board(None, today=TODAY)
    assert everyone.due_today == [theirs] and everyone.total == 2


def test_open_for_organization(make_org, operator):
    """Only the organization's open follow-ups, soonest first."""
    org, other = make_org(), make_org()
    later = _make(operator, TODAY + timedelta(days=9), organization=org)
    sooner = _make(operator, TODAY, organization=org)
    _make(operator, TODAY, organization=org, status=FollowUpStatus.CANCELLED)
    _make(operator, TODAY, organization=other)
    assert open_for_organization(org) == [sooner, later]


# --- services ----------------------------------------------------------------------------------


def test_operator_assigns_only_to_themselves(operator, make_user):
    """An operator assigning a follow-up to someone else is refused."""
    other = make_user(Role.OPERATOR)
    with pytest.raises(FollowUpPermissionError):
        create_follow_up({"title": "x", "due_date": TODAY, "assignee_id": other.id}, by=operator)
    assert db.session.scalar(select(FollowUp)) is None


def test_coordinator_assigns_to_anyone(coordinator, operator):
    """Coordinators assign follow-ups to colleagues."""
    follow_up = create_follow_up(
        {"title": "Chiamare", "due_date": TODAY, "assignee_id": operator.id}, by=coordinator
    )
    assert follow_up.assignee_id == operator.id
    assert follow_up.created_by_id == coordinator.id
    assert follow_up.status is FollowUpStatus.OPEN


def test_contact_must_belong_to_the_organization(make_org, operator):
    """A follow-up's contact is one of its organization's."""
    org, other = make_org(), make_org()
    person = Contact(first_name="A", last_name="B")
    other.contacts.append(person)
    db.session.commit()
    with pytest.raises(FollowUpError):
        create_follow_up(
            {"title": "x", "due_date": TODAY, "assignee_id": operator.id, "contact_id": person.id},
            by=operator,
            organization=org,
        )


def test_operator_keeps_an_assignment_made_by_a_coordinator(coordinator, operator):
    """Editing a task a coordinator assigned to me is allowed; handing it on is not."""
    follow_up = _make(operator, TODAY, by=coordinator)
    update_follow_up(follow_up, {"title": "Nuovo titolo", "assignee_id": operator.id}, by=operator)
    assert follow_up.title == "Nuovo titolo"
    with pytest.raises(FollowUpPermissionError):
        update_follow_up(follow_up, {"assignee_id": coordinator.id}, by=operator)


def test_complete_and_reopen(operator):
    """Completing stamps completed_at; reopening clears it."""
    follow_up = _make(operator, TODAY)
    complete_follow_up(follow_up, by=operator)
    assert follow_up.status is FollowUpStatus.DONE and follow_up.completed_at is not None
    reopen_follow_up(follow_up, by=operator)
    assert follow_up.status is FollowUpStatus.OPEN and follow_up.completed_at is None


def test_strangers_cannot_complete(operator, make_user):
    """Only assignee, creator or a coordinator may close a follow-up."""
    follow_up = _make(make_user(Role.OPERATOR), TODAY)
    with pytest.raises(FollowUpPermissionError):
        complete_follow_up(follow_up, by=operator)


# --- views -------------------------------------------------------------------------------------


def test_index_groups_my_follow_ups(client, auth, operator):
    """"My follow-ups" shows the overdue group with its count and the task titles."""
    _make(operator, date.today() - timedelta(days=20), title="Richiamare Coop Alfa")
    _make(operator, date.today() + timedelta(days=60), title="Rivedere convenzione")
    auth.login(operator)
    response = client.get("/follow-ups/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Richiamare Coop Alfa" in html and "Rivedere convenzione" in html
    assert 'id="group-overdue"' in html and 'id="group-later"' in html


def test_index_ignores_the_filter_for_operators(client, auth, operator, make_user):
    """Operators always see their own list."""
    other = make_user(Role.OPERATOR)
    _make(other, date.today(), title="Compito altrui")
    auth.login(operator)
    html = client.get(f"/follow-ups/?assignee={other.id}").get_data(as_text=True)
    assert "Compito altrui" not in html


def test_create_builds_path_for_an_organization(app):
    """url_for with organization_id builds the path form of the URL."""
    from flask import url_for

    with app.test_request_context():
        assert url_for("followups.create", organization_id=7).endswith("/follow-ups/new/7")
        assert url_for("followups.create").endswith("/follow-ups/new")


def test_create_view_for_an_organization(client, auth, operator, make_org):
    """A follow-up on an organization returns to its page."""
    org = make_org(owner=operator)
    auth.login(operator)
    assert client.get(f"/follow-ups/new/{org.id}").status_code == 200
    assert client.get(f"/follow-ups/new?organization_id={org.id}").status_code == 200
    response = client.post(
        f"/follow-ups/new/{org.id}",
        data={"title": "Mandare proposta", "due_date": "2030-05-02", "assignee_id": operator.id},
    )
    assert response.status_code == 302
    assert f"/organizations/{org.id}" in response.headers["Location"]
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.organization_id == org.id and follow_up.due_date == date(2030, 5, 2)


def test_create_view_requires_due_date_and_title(client, auth, operator):
    """Missing due date and title are field errors; the typed notes stay."""
    auth.login(operator)
    response = client.post(
        "/follow-ups/new", data={"title": "", "due_date": "", "assignee_id": operator.id,
                                 "notes": "Portare i moduli"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("invalid-feedback") >= 2 and "Portare i moduli" in html
    assert db.session.scalar(select(FollowUp)) is None


def test_operator_cannot_assign_to_someone_else_via_the_form(client, auth, operator, make_user):
    """The choice is refused and nothing is saved."""
    other = make_user(Role.OPERATOR)
    auth.login(operator)
    response = client.post(
        "/follow-ups/new", data={"title": "x", "due_date": "2030-01-01", "assignee_id": other.id}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(FollowUp)) is None


def test_coordinator_sees_a_colleagues_board(client, auth, coordinator, operator):
    """Coordinators choose whose follow-ups to see, or everyone's."""
    _make(operator, date.today(), title="Compito di operatore")
    auth.login(coordinator)
    assert "Compito di operatore" not in client.get("/follow-ups/").get_data(as_text=True)
    html = client.get(f"/follow-ups/?assignee={operator.id}").get_data(as_text=True)
    assert "Compito di operatore" in html
    assert "Compito di operatore" in client.get("/follow-ups/?assignee=all").get_data(as_text=True)
    assert client.get("/follow-ups/?assignee=999").status_code == 404


def test_complete_and_reopen_views(client, auth, operator):
    """One-click complete (POST) and reopen, back to the page given in next."""
    follow_up = _make(operator, date.today())
    auth.login(operator)
    response = client.post(f"/follow-ups/{follow_up.id}/complete", data={"next": "/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    db.session.expire_all()
    assert follow_up.status is FollowUpStatus.DONE
    response = client.post(
        f"/follow-ups/{follow_up.id}/reopen", data={"next": "https://evil.example/"}
    )
    assert response.headers["Location"].endswith("/follow-ups/")
    db.session.expire_all()
    assert follow_up.status is FollowUpStatus.OPEN
    assert client.get(f"/follow-ups/{follow_up.id}/complete").status_code == 405


def test_edit_and_delete_views(client, auth, operator, make_user):
    """The assignee edits and deletes; a stranger gets 403."""
    follow_up = _make(operator, date.today())
    stranger = make_user(Role.OPERATOR)
    auth.login(stranger)
    assert client.get(f"/follow-ups/{follow_up.id}/edit").status_code == 403
    assert client.post(f"/follow-ups/{follow_up.id}/complete").status_code == 403
    auth.logout()
    auth.login(operator)
    assert client.get(f"/follow-ups/{follow_up.id}/edit").status_code == 200
    response = client.post(
        f"/follow-ups/{follow_up.id}/edit",
        data={"title": "Rinviato", "due_date": "2030-02-03", "assignee_id": operator.id},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert follow_up.title == "Rinviato"
    assert client.post(f"/follow-ups/{follow_up.id}/delete").status_code == 302
    assert db.session.get(FollowUp, follow_up.id) is None


def test_unknown_ids_are_404(client, auth, operator):
    """Missing follow-ups and organizations give 404."""
    auth.login(operator)
    assert client.get("/follow-ups/new/999").status_code == 404
    assert client.get("/follow-ups/999/edit").status_code == 404
    assert client.post("/follow-ups/999/complete").status_code == 404
