from __future__ import annotations

from sqlalchemy import select

from crm.audit.models import ChangeAction, ChangeLog
from crm.auth.models import Role
from crm.contacts.forms import ContactForm
from crm.contacts.models import Contact, PreferredChannel
from crm.contacts.services import (
    ContactPermissionError,
    create_contact,
    delete_contact,
    update_contact,
)
from crm.extensions import db

GOOD = {
    "first_name": "  Giulia ",
    "last_name": "Bianchi",
    "role": "Responsabile HR",
    "phone": "055 123 4567",
    "mobile": "333 123 4567",
    "email": "giulia.bianchi@example.com",
    "preferred_channel": "email",
    "notes": "Preferisce essere chiamata al mattino.",
}


def _data(**changes):
    data = {
        "first_name": "Marco",
        "last_name": "Rossi",
        "role": None,
        "phone": None,
        "mobile": None,
        "email": None,
        "preferred_channel": None,
        "is_primary": False,
        "notes": None,
    }
    data.update(changes)
    return data


# --- form --------------------------------------------------------------------------------------


def test_contact_form_normalises_good_input(app):
    """Names are stripped, phones become E.164 and the channel an enumeration member."""
    with app.test_request_context(method="POST", data=GOOD):
        form = ContactForm()
        assert form.validate(), form.errors
        data = form.model_data()
    assert data["first_name"] == "Giulia"
    assert data["phone"] == "+390551234567"
    assert data["mobile"] == "+393331234567"
    assert data["preferred_channel"] is PreferredChannel.EMAIL
    assert data["is_primary"] is False


def test_contact_form_reports_bad_phone_email_and_missing_name(app):
    """A bad phone, a bad e-mail and a missing surname are field errors."""
    bad = dict(GOOD, phone="12", email="not-an-address", last_name=" ", preferred_channel="fax")
    with app.test_request_context(method="POST", data=bad):
        form = ContactForm()
        assert not form.validate()
        assert set(form.errors) == {"phone", "email", "last_name", "preferred_channel"}


# --- services ----------------------------------------------------------------------------------


def test_create_contact_adds_it_to_the_organization(make_org, coordinator):
    """A created contact belongs to the organization and is stored."""
    org = make_org()
    contact = create_contact(org, _data(), by=coordinator)
    assert contact.id is not None
    assert [c.full_name for c in org.contacts] == ["Marco Rossi"]


def test_only_one_primary_contact_per_organization(make_org, coordinator):
    """Making a contact primary unsets the previous primary contact."""
    org = make_org()
    first = create_contact(org, _data(first_name="Anna", is_primary=True), by=coordinator)
    second = create_contact(org, _data(first_name="Luca", is_primary=True), by=coordinator)
    db.session.expire_all()
    assert (first.is_primary, second.is_primary) == (False, True)
    update_contact(first, _data(first_name="Anna", is_primary=True), by=coordinator)
    db.session.expire_all()
    assert (first.is_primary, second.is_primary) == (True, False)


def test_primary_flag_of_another_organization_is_untouched(make_org, coordinator):
    """Primary contacts are per organization."""
    a, b = make_org(), make_org()
    ca = create_contact(a, _data(is_primary=True), by=coordinator)
    cb = create_contact(b, _data(is_primary=True), by=coordinator)
    db.session.expire_all()
    assert ca.is_primary and cb.is_primary


def test_operator_may_not_change_contacts_of_an_organization_they_do_not_own(
    make_org, operator, make_user
):
    """Operators edit the contacts of their own organizations only."""
    other = make_user(Role.OPERATOR)
    org = make_org(owner=other)
    try:
        create_contact(org, _data(), by=operator)
    except ContactPermissionError:
        pass
    else:
        raise AssertionError("an operator added a contact to someone else's organization")
    assert db.session.scalar(select(Contact)) is None


def test_search_text_follows_contact_changes(make_org, operator):
    """The organization is found by its contacts' names after create, update and delete."""
    org = make_org(owner=operator)
    contact = create_contact(org, _data(last_name="Sbrana"), by=operator)
    db.session.expire_all()
    assert "sbrana" in org.search_text
    update_contact(contact, _data(last_name="Niccolai"), by=operator)
    db.session.expire_all()
    assert "niccolai" in org.search_text and "sbrana" not in org.search_text
    delete_contact(contact, by=operator)
    db.session.expire_all()
    assert "niccolai" not in org.search_text


def test_editing_a_contact_is_recorded_in_the_change_log(make_org, operator):
    """An update writes a ChangeLog row with the old and new value."""
    org = make_org(owner=operator)
    contact = create_contact(org, _data(role="Titolare"), by=operator)
    update_contact(contact, _data(role="Responsabile HR"), by=operator)
    row = db.session.scalar(
        select(ChangeLog).where(
            ChangeLog.entity_type == "contact",
            ChangeLog.entity_id == contact.id,
            ChangeLog.action == ChangeAction.UPDATE,
        )
    )
    assert row is not None
    assert row.changes["role"] == ["Titolare", "Responsabile HR"]


# --- views -------------------------------------------------------------------------------------


def test_create_view_adds_contact_and_redirects_to_organization(client, auth, operator, make_org):
    """An owner adds a contact: redirect to the organization page with a message."""
    org = make_org(owner=operator)
    auth.login(operator)
    response = client.post(f"/contacts/new/{org.id}", data=GOOD)
    assert response.status_code == 302
    assert f"/organizations/{org.id}" in response.headers["Location"]
    contact = db.session.scalar(select(Contact))
    assert contact.full_name == "Giulia Bianchi"
    assert contact.organization_id == org.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Giulia Bianchi" in page


def test_create_view_form_renders(client, auth, operator, make_org):
    """The new-contact page shows the form."""
    org = make_org(owner=operator)
    auth.login(operator)
    response = client.get(f"/contacts/new/{org.id}")
    assert response.status_code == 200
    assert 'name="first_name"' in response.get_data(as_text=True)


def test_create_view_rerenders_with_errors_and_keeps_input(client, auth, operator, make_org):
    """A bad phone re-renders the form with the error and what was typed."""
    org = make_org(owner=operator)
    auth.login(operator)
    response = client.post(f"/contacts/new/{org.id}", data=dict(GOOD, phone="abc123"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is-invalid" in html
    assert 'value="abc123"' in html
    assert 'value="Giulia"' in html
    assert db.session.scalar(select(Contact)) is None


def test_operator_gets_403_on_someone_elses_organization(client, auth, operator, make_user, make_org):
    """Operators cannot add, edit or delete contacts of organizations they do not own."""
    org = make_org(owner=make_user(Role.OPERATOR))
    contact = Contact(first_name="A", last_name="B")
    org.contacts.append(contact)
    db.session.commit()
    auth.login(operator)
    assert client.get(f"/contacts/new/{org.id}").status_code == 403
    assert client.post(f"/contacts/new/{org.id}", data=GOOD).status_code == 403
    assert client.get(f"/contacts/{contact.id}/edit").status_code == 403
    assert client.post(f"/contacts/{contact.id}/delete").status_code == 403
    assert db.session.get(Contact, contact.id) is not None


def test_coordinator_edits_any_contact(client, auth, coordinator, operator, make_org):
    """Coordinators edit contacts of every organization; the change is saved."""
    org = make_org(owner=operator)
    contact = Contact(first_name="A", last_name="B")
    org.contacts.append(contact)
    db.session.commit()
    auth.login(coordinator)
    assert client.get(f"/contacts/{contact.id}/edit").status_code == 200
    response = client.post(f"/contacts/{contact.id}/edit", data=GOOD)
    assert response.status_code == 302
    db.session.expire_all()
    assert contact.last_name == "Bianchi"


def test_delete_view_removes_contact(client, auth, operator, make_org):
    """Deleting is a POST that removes the row and says so."""
    org = make_org(owner=operator)
    contact = Contact(first_name="A", last_name="B")
    org.contacts.append(contact)
    db.session.commit()
    auth.login(operator)
    contact_id = contact.id
    response = client.post(f"/contacts/{contact_id}/delete", follow_redirects=True)
    assert response.status_code == 200
    assert db.session.get(Contact, contact_id) is None
    # The deletion is in the change history, by whom (it was lost when the row went as an orphan).
    deleted = db.session.scalars(
        select(ChangeLog).where(
            ChangeLog.entity_type == "contact",
            ChangeLog.entity_id == contact_id,
            ChangeLog.action == ChangeAction.DELETE,
        )
    ).all()
    assert [e.user_id for e in deleted] == [operator.id]


def test_unknown_ids_are_404(client, auth, coordinator):
    """Missing organizations and contacts give 404, not 500."""
    auth.login(coordinator)
    assert client.get("/contacts/new/999").status_code == 404
    assert client.get("/contacts/999/edit").status_code == 404
    assert client.post("/contacts/999/delete").status_code == 404
