"""User administration: administrators only; nobody can lock the last administrator out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.auth.models import Role, User
from crm.auth.services import AccountError
from crm.extensions import db
from crm.offices.models import Office
from crm.users.services import SelfLockoutError, normalise_staff_email, update_user


def new_user_form(**changes):
    data = {
        "email": "Nuova.Operatrice@demo.local",
        "full_name": "Nuova Operatrice",
        "role": "operator",
        "office_id": "",
        "locale": "it",
        "password": "password123",
        "confirm_password": "password123",
    }
    data.update(changes)
    return data


def edit_form(user: User, **changes):
    data = {
        "full_name": user.full_name,
        "role": user.role.value,
        "office_id": str(user.office_id or ""),
        "locale": user.locale,
        "active": "y" if user.active else "",
        "new_password": "",
        "confirm_password": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if not (k == "active" and v == "")}


@pytest.fixture
def office() -> Office:
    office = Office(name="Sportello", address="Via dei Servi, 38", cap="50122", comune_code="048017")
    db.session.add(office)
    db.session.commit()
    return office


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.COORDINATOR])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users/"),
        ("GET", "/users/new"),
        ("POST", "/users/new"),
        ("GET", "/users/{id}/edit"),
        ("POST", "/users/{id}/edit"),
    ],
)
def test_non_admins_are_refused(client, auth, staff, role, method, path):
    """Operators and coordinators get 403 on every user page, and nothing changes."""
    user = staff(role)
    auth.login(user)
    response = client.open(path.format(id=user.id), method=method, data=new_user_form())
    assert response.status_code == 403
    assert db.session.scalars(select(User)).all() == [user]


def test_admin_sees_the_list_with_role_office_and_last_login(client, auth, staff, office):
    """The list shows every account with its role, office and last login."""
    staff(Role.OPERATOR, full_name="Paola Operatrice", office_id=office.id)
    admin = staff(Role.ADMIN)
    auth.login(admin)
    body = client.get("/users/").get_data(as_text=True)
    assert "Paola Operatrice" in body and "Sportello" in body
    assert "Operator" in body and "Administrator" in body
    assert "never" in body


def test_admin_creates_an_account_at_a_local_domain(client, auth, staff, office):
    """A ``.local`` address is accepted, stored lower-cased, with role, office and password."""
    auth.login(staff(Role.ADMIN))
    response = client.post(
        "/users/new", data=new_user_form(office_id=str(office.id), role="coordinator", locale="en")
    )
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "nuova.operatrice@demo.local")).one()
    assert user.role is Role.COORDINATOR and user.office_id == office.id and user.locale == "en"
    assert user.check_password("password123")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "is not a valid e-mail address"),
        ({"email": "a@@demo.local"}, "is not a valid e-mail address"),
        ({"password": "short", "confirm_password": "short"}, "at least 8"),
        ({"confirm_password": "different1"}, "The two passwords differ"),
        ({"full_name": ""}, "This field is required"),
        ({"role": "boss"}, "Not a valid choice"),
    ],
)
def test_create_validates_the_form(client, auth, staff, changes, message):
    """Bad e-mail, short or mismatched password, missing name, unknown role: field errors, no account."""
    admin = staff(Role.ADMIN)
    auth.login(admin)
    response = client.post("/users/new", data=new_user_form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(User)).all() == [admin]


def test_create_refuses_a_taken_email(client, auth, staff):
    """An e-mail already in use (whatever its case) is a field error."""
    staff(Role.OPERATOR, email="taken@demo.local")
    auth.login(staff(Role.ADMIN))
    response = client.post("/users/new", data=new_user_form(email="Taken@demo.local"))
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)


def test_admin_edits_role_office_locale_and_password(client, auth, staff, office):
    """An administrator changes another account, including a new password."""
    user = staff(Role.OPERATOR)
    auth.login(staff(Role.ADMIN))
    assert client.get(f"/users/{user.id}/edit").status_code == 200
    response = client.post(
        f"/users/{user.id}/edit",
        data=edit_form(
            user,
            role="coordinator",
            office_id=str(office.id),
            locale="it",
            new_password="brand-new-pw",
            confirm_password="brand-new-pw",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role is Role.COORDINATOR and user.office_id == office.id and user.locale == "it"
    assert user.check_password("brand-new-pw")


def test_admin_deactivates_another_account_which_then_cannot_log_in(client, auth, staff):
    """Deactivation (not deletion) keeps the row and blocks the login."""
    user = staff(Role.OPERATOR)
    auth.login(staff(Role.ADMIN))
    response = client.post(f"/users/{user.id}/edit", data=edit_form(user, active=""))
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.active is False
    auth.logout()
    auth.login(user)
    assert client.get("/").status_code == 302


def test_admin_cannot_demote_themself(client, auth, staff):
    """Removing one's own administrator role is a field error on the role."""
    admin = staff(Role.ADMIN)
    auth.login(admin)
    response = client.post(f"/users/{admin.id}/edit", data=edit_form(admin, role="coordinator"))
    assert response.status_code == 200
    assert "cannot remove your own administrator role" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN


def test_admin_cannot_deactivate_themself(client, auth, staff):
    """Deactivating one's own account is a field error on the active flag."""
    admin = staff(Role.ADMIN)
    auth.login(admin)
    response = client.post(f"/users/{admin.id}/edit", data=edit_form(admin, active=""))
    assert response.status_code == 200
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active is True


def test_admin_may_demote_another_admin(client, auth, staff):
    """With two administrators, one may demote the other."""
    other = staff(Role.ADMIN)
    auth.login(staff(Role.ADMIN))
    response = client.post(f"/users/{other.id}/edit", data=edit_form(other, role="operator"))
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.role is Role.OPERATOR


def test_service_keeps_the_last_active_administrator(staff):
    """Even called directly, the service never removes the last active administrator."""
    admin = staff(Role.ADMIN)
    coordinator = staff(Role.COORDINATOR)
    with pytest.raises(SelfLockoutError) as info:
        update_user(admin, {"role": "operator"}, by=coordinator)
    assert info.value.field == "role"
    with pytest.raises(SelfLockoutError):
        update_user(admin, {"active": False}, by=admin)
    with pytest.raises(AccountError):
        update_user(coordinator, {"new_password": "short"}, by=admin)
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN and admin.active


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Admin@Demo.Local", "admin@demo.local"),
        ("  someone@test.test ", "someone@test.test"),
        ("mario.rossi@example.it", "mario.rossi@example.it"),
    ],
)
def test_staff_email_accepts_local_and_public_domains(raw, expected):
    """Public domains and the reserved .local/.test demo domains pass the syntax check."""
    assert normalise_staff_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "plain", "@demo.local", "a b@demo.local", "x@localhost", "x@.local"])
def test_staff_email_refuses_malformed_addresses(raw):
    """Malformed addresses and bare host names are refused."""
    with pytest.raises(AccountError):
        normalise_staff_email(raw)
