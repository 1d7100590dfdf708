from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.contacts.models import Contact
from crm.db_types import utcnow
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import FollowUpPermissionError, local_now
from crm.interactions.forms import NewInteractionForm
from crm.interactions.models import (
    Interaction,
    InteractionKind,
    InteractionOutcome,
    InteractionStatus,
)
from crm.interactions.services import (
    ActivityFilters,
    InteractionError,
    InteractionPermissionError,
    activity_query,
    delete_interaction,
    log_interaction,
    timeline_for,
    to_utc,
    update_interaction,
)
from crm.organizations.models import OrganizationStatus


def _data(**changes):
    data = {
        "kind": InteractionKind.CALL,
        "status": InteractionStatus.DONE,
        "subject": "Prima telefonata",
        "occurred_at": utcnow() - timedelta(hours=1),
    }
    data.update(changes)
    return data


def _post_data(**changes):
    now = local_now() - timedelta(hours=1)
    data = {
        "kind": "call",
        "status": "done",
        "occurred_on": now.date().isoformat(),
        "occurred_time": now.strftime("%H:%M"),
        "subject": "Telefonata al referente HR",
        "body": "Interessati a due tirocini.",
        "outcome": "positive",
        "next_step": "Inviare i profili",
    }
    data.update(changes)
    return data


@pytest.fixture
def contact(make_org):
    org = make_org()
    person = Contact(first_name="Giulia", last_name="Bianchi")
    org.contacts.append(person)
    db.session.commit()
    return person


# --- services ----------------------------------------------------------------------------------


def test_local_date_and_time_are_stored_as_utc(app):
    """A Florence wall-clock time becomes the right UTC instant, summer and winter."""
    assert to_utc(date(2025, 7, 1), time(10, 0)) == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    assert to_utc(date(2025, 1, 15), time(10, 0)) == datetime(2025, 1, 15, 9, 0, tzinfo=UTC)


def test_logging_a_call_updates_last_interaction_and_contacts_a_prospect(make_org, operator):
    """A done call sets last_interaction_at and moves a prospect to contacted."""
    org = make_org()
    when = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    interaction = log_interaction(org, _data(occurred_at=when), by=operator)
    db.session.expire_all()
    assert interaction.user_id == operator.id
    assert org.last_interaction_at == when
    assert org.status is OrganizationStatus.CONTACTED


def test_last_interaction_is_the_latest_done_one(make_org, operator):
    """Planned visits and older logs do not move last_interaction_at backwards or forwards."""
    org = make_org()
    late = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
    log_interaction(org, _data(occurred_at=late), by=operator)
    log_interaction(org, _data(occurred_at=late - timedelta(days=10)), by=operator)
    log_interaction(
        org,
        _data(kind=InteractionKind.VISIT, status=InteractionStatus.PLANNED,
              occurred_at=late + timedelta(days=5)),
        by=operator,
    )
    db.session.expire_all()
    assert org.last_interaction_at == late


def test_planned_visit_or_note_leaves_a_prospect_alone(make_org, operator):
    """Only something actually done with the organization (not an internal note) contacts it."""
    org = make_org()
    log_interaction(org, _data(kind=InteractionKind.NOTE, subject="Trovata su un elenco"), by=operator)
    log_interaction(
        org, _data(kind=InteractionKind.VISIT, status=InteractionStatus.PLANNED), by=operator
    )
    db.session.expire_all()
    assert org.status is OrganizationStatus.PROSPECT
    assert org.last_interaction_at is not None  # the note is done


def test_other_statuses_are_not_changed(make_org, operator):
    """An active partner stays an active partner."""
    org = make_org(status=OrganizationStatus.ACTIVE_PARTNER)
    log_interaction(org, _data(), by=operator)
    db.session.expire_all()
    assert org.status is OrganizationStatus.ACTIVE_PARTNER


def test_logging_does_not_bump_the_organization_version(make_org, operator):
    """Logging on a contacted organization leaves its version alone (no edit conflicts)."""
    org = make_org(status=OrganizationStatus.CONTACTED)
    version = org.version
    log_interaction(org, _data(), by=operator)
    db.session.expire_all()
    assert org.version == version


def test_interaction_creates_linked_follow_up(make_org, operator, contact):
    """The follow-up block creates an open FollowUp linked to the interaction and organization."""
    org = contact.organization
    due = date.today() + timedelta(days=3)
    interaction = log_interaction(
        org,
        _data(next_step="Richiamare", contact_id=contact.id),
        by=operator,
        follow_up={"title": "Richiamare", "due_date": due, "assignee_id": operator.id,
                   "contact_id": contact.id},
    )
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.interaction_id == interaction.id
    assert follow_up.organization_id == org.id
    assert follow_up.contact_id == contact.id
    assert follow_up.status is FollowUpStatus.OPEN
    assert follow_up.created_by_id == operator.id


def test_operator_cannot_log_for_someone_else(make_org, operator, make_user):
    """Operators log only as themselves; nothing is saved."""
    org = make_org()
    other = make_user(Role.OPERATOR)
    with pytest.raises(InteractionPermissionError):
        log_interaction(org, _data(user_id=other.id), by=operator)
    assert db.session.scalar(select(Interaction)) is None


def test_operator_cannot_assign_the_follow_up_to_someone_else(make_org, operator, make_user):
    """The whole log is refused, interaction included."""
    org = make_org()
    other = make_user(Role.OPERATOR)
    with pytest.raises(FollowUpPermissionError):
        log_interaction(
            org, _data(), by=operator,
            follow_up={"title": "x", "due_date": date.today(), "assignee_id": other.id},
        )
    assert db.session.scalar(select(Interaction)) is None
    db.session.expire_all()
    assert org.status is OrganizationStatus.PROSPECT


def test_coordinator_logs_on_behalf_of_a_colleague(make_org, coordinator, operator):
    """Coordinators may record an interaction in an operator's name."""
    org = make_org()
    interaction = log_interaction(org, _data(user_id=operator.id), by=coordinator)
    assert interaction.user_id == operator.id


def test_contact_must_belong_to_the_organization(make_org, operator, contact):
    """A contact of another organization is refused."""
    with pytest.raises(InteractionError):
        log_interaction(make_org(), _data(contact_id=contact.id), by=operator)


def test_update_and_delete_recompute_last_interaction(make_org, operator):
    """Moving or deleting the latest interaction moves last_interaction_at."""
    org = make_org()
    old = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    new = datetime(2025, 2, 10, 9, 0, tzinfo=UTC)
    log_interaction(org, _data(occurred_at=old), by=operator)
    latest = log_interaction(org, _data(occurred_at=new), by=operator)
    update_interaction(latest, {"occurred_at": new + timedelta(days=1)}, by=operator)
    db.session.expire_all()
    assert org.last_interaction_at == new + timedelta(days=1)
    delete_interaction(latest, by=operator)
    db.session.expire_all()
    assert org.last_interaction_at == old


def test_operator_cannot_edit_someone_elses_interaction(make_org, operator, make_user):
    """can_edit_interaction is enforced by the service."""
    org = make_org()
    interaction = log_interaction(org, _data(), by=make_user(Role.OPERATOR))
    with pytest.raises(InteractionPermissionError):
        update_interaction(interaction, {"subject": "x"}, by=operator)
    with pytest.raises(InteractionPermissionError):
        delete_interaction(interaction, by=operator)


def test_timeline_is_newest_first_and_per_organization(make_org, operator):
    """timeline_for returns only that organization's interactions, newest first, limited."""
    org, other = make_org(), make_org()
    base = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
    for days in (0, 2, 1):
        log_interaction(org, _data(subject=f"d{days}", occurred_at=base + timedelta(days=days)),
                        by=operator)
    log_interaction(other, _data(subject="other"), by=operator)
    db.session.expire_all()
    assert [i.subject for i in timeline_for(org)] == ["d2", "d1", "d0"]
    assert [i.subject for i in timeline_for(org, limit=1)] == ["d2"]


def test_activity_filters(make_org, operator, coordinator):
    """Kind, user, outcome and local date range narrow the activity list."""
    org = make_org()
    log_interaction(org, _data(subject="a", outcome=InteractionOutcome.POSITIVE,
                               occurred_at=datetime(2025, 6, 1, 22, 30, tzinfo=UTC)), by=operator)
    log_interaction(org, _data(subject="b", kind=InteractionKind.EMAIL,
                               occurred_at=datetime(2025, 6, 3, 8, 0, tzinfo=UTC)), by=coordinator)

    def subjects(**filters):
        return [i.subject for i in db.session.scalars(activity_query(ActivityFilters(**filters)))]

    assert subjects() == ["b", "a"]
    assert subjects(kind=InteractionKind.EMAIL) == ["b"]
    assert subjects(user_id=operator.id) == ["a"]
    assert subjects(outcome=InteractionOutcome.POSITIVE) == ["a"]
    # 22:30 UTC on 1 June is 00:30 on 2 June in Florence.
    assert subjects(date_from=date(2025, 6, 2), date_to=date(2025, 6, 2)) == ["a"]
    assert subjects(date_to=date(2025, 6, 1)) == []


# --- form --------------------------------------------------------------------------------------


def _form(app, user, data, contacts=()):
    with app.test_request_context(method="POST", data=data):
        form = NewInteractionForm()
        form.set_choices([user], contacts)
        ok = form.validate()
        return ok, form


def test_form_requires_subject(app, operator):
    """A missing subject is a field error."""
    ok, form = _form(app, operator, _post_data(subject=" ", user_id=operator.id))
    assert not ok and "subject" in form.errors


def test_form_refuses_done_in_the_future(app, operator):
    """Something done cannot be next week: it must be planned."""
    later = local_now() + timedelta(days=7)
    data = _post_data(user_id=operator.id, occurred_on=later.date().isoformat())
    ok, form = _form(app, operator, data)
    assert not ok and "status" in form.errors
    ok, form = _form(app, operator, dict(data, status="planned", kind="visit"))
    assert ok, form.errors


def test_follow_up_block_needs_a_due_date_and_defaults_title_to_next_step(app, operator):
    """Asking for a follow-up without a due date is a field error; the title falls back."""
    data = _post_data(user_id=operator.id, create_follow_up="y",
                      follow_up_assignee_id=operator.id)
    ok, form = _form(app, operator, data)
    assert not ok and "follow_up_due_date" in form.errors
    ok, form = _form(app, operator, dict(data, follow_up_due_date="2030-01-02"))
    assert ok, form.errors
    assert form.follow_up_data()["title"] == "Inviare i profili"


def test_form_rejects_someone_else_for_an_operator(app, operator, make_user):
    """An operator's form only offers themselves as author."""
    other = make_user(Role.OPERATOR)
    ok, form = _form(app, operator, _post_data(user_id=other.id))
    assert not ok and "user_id" in form.errors


# --- views -------------------------------------------------------------------------------------


def test_create_view_logs_and_redirects(client, auth, operator, contact):
    """Posting the form logs the interaction (with follow-up) and returns to the organization."""
    org = contact.organization
    auth.login(operator)
    assert client.get(f"/interactions/new/{org.id}").status_code == 200
    response = client.post(
        f"/interactions/new/{org.id}",
        data=_post_data(user_id=operator.id, contact_id=contact.id, create_follow_up="y",
                        follow_up_due_date="2030-01-02", follow_up_assignee_id=operator.id),
    )
    assert response.status_code == 302
    assert f"/organizations/{org.id}" in response.headers["Location"]
    interaction = db.session.scalar(select(Interaction))
    assert interaction.subject == "Telefonata al referente HR"
    assert interaction.contact_id == contact.id
    assert interaction.outcome is InteractionOutcome.POSITIVE
    assert db.session.scalar(select(FollowUp)).interaction_id == interaction.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Telefonata al referente HR" in page


def test_create_view_rerenders_on_missing_subject(client, auth, operator, make_org):
    """No subject: 200 with the field error and the typed body kept."""
    org = make_org()
    auth.login(operator)
    response = client.post(f"/interactions/new/{org.id}", data=_post_data(subject="", user_id=operator.id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is-invalid" in html and "Interessati a due tirocini." in html
    assert db.session.scalar(select(Interaction)) is None


def test_create_view_refuses_contact_of_another_organization(client, auth, operator, make_org, contact):
    """A contact id from elsewhere is not a valid choice."""
    org = make_org()
    auth.login(operator)
    response = client.post(f"/interactions/new/{org.id}",
                           data=_post_data(user_id=operator.id, contact_id=contact.id))
    assert response.status_code == 200
    assert db.session.scalar(select(Interaction)) is None


def test_operator_edit_of_anothers_interaction_is_403(client, auth, operator, make_user, make_org):
    """Operators see all interactions but edit only their own."""
    org = make_org()
    interaction = log_interaction(org, _data(), by=make_user(Role.OPERATOR))
    auth.login(operator)
    assert client.get(f"/interactions/{interaction.id}/edit").status_code == 403
    assert client.post(f"/interactions/{interaction.id}/edit", data=_post_data()).status_code == 403
    assert client.post(f"/interactions/{interaction.id}/delete").status_code == 403
    assert client.get("/interactions/").status_code == 200


def test_edit_view_saves_own_interaction(client, auth, operator, make_org):
    """The author corrects the subject; the edit form shows the local time."""
    org = make_org()
    interaction = log_interaction(
        org, _data(occurred_at=datetime(2025, 7, 1, 8, 15, tzinfo=UTC)), by=operator
    )
    auth.login(operator)
    html = client.get(f"/interactions/{interaction.id}/edit").get_data(as_text=True)
    assert 'value="10:15"' in html
    response = client.post(
        f"/interactions/{interaction.id}/edit",
        data=_post_data(subject="Corretta", user_id=operator.id, occurred_on="2025-07-01",
                        occurred_time="10:15"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert interaction.subject == "Corretta"
    assert interaction.occurred_at == datetime(2025, 7, 1, 8, 15, tzinfo=UTC)


def test_delete_view(client, auth, coordinator, operator, make_org):
    """Coordinators delete anyone's interaction."""
    org = make_org()
    interaction = log_interaction(org, _data(), by=operator)
    auth.login(coordinator)
    response = client.post(f"/interactions/{interaction.id}/delete")
    assert response.status_code == 302
    assert db.session.get(Interaction, interaction.id) is None


def test_activity_list_filters_and_paginates(client, auth, operator, make_org):
    """The list filters by kind and survives bad filter values."""
    org = make_org()
    log_interaction(org, _data(subject="Chiamata uno"), by=operator)
    log_interaction(org, _data(subject="Mail due", kind=InteractionKind.EMAIL), by=operator)
    auth.login(operator)
    html = client.get("/interactions/?kind=email").get_data(as_text=True)
    assert "Mail due" in html and "Chiamata uno" not in html
    assert client.get("/interactions/?kind=bogus&user=x&date_from=nope&page=99").status_code == 200


def test_unknown_ids_are_404(client, auth, coordinator):
    """Missing organizations and interactions give 404."""
    auth.login(coordinator)
    assert client.get("/interactions/new/999").status_code == 404
    assert client.get("/interactions/999/edit").status_code == 404
    assert client.post("/interactions/999/delete").status_code == 404


def test_follow_up_fields_filled_without_the_tick_still_create_it(app, operator):
    """A typed due date is not silently ignored because the box was not ticked."""
    data = _post_data(user_id=operator.id, follow_up_due_date="2030-01-02",
                      follow_up_assignee_id=operator.id)
    ok, form = _form(app, operator, data)
    assert ok, form.errors
    assert form.follow_up_data()["due_date"] == date(2030, 1, 2)
    ok, form = _form(app, operator, _post_data(user_id=operator.id))
    assert ok and form.follow_up_data() is None


def test_coordinator_logs_for_a_colleague_through_the_form(client, auth, coordinator, operator, make_org):
    """The author select offers colleagues to coordinators; an operator's form does not."""
    org = make_org()
    auth.login(coordinator)
    response = client.post(f"/interactions/new/{org.id}", data=_post_data(user_id=operator.id))
    assert response.status_code == 302
    assert db.session.scalar(select(Interaction)).user_id == operator.id
    auth.logout()
    auth.login(operator)
    response = client.post(f"/interactions/new/{org.id}", data=_post_data(user_id=coordinator.id))
    assert response.status_code == 200
    assert len(db.session.scalars(select(Interaction)).all()) == 1
