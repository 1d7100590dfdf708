"""Offices: coordinators and administrators manage them; operators are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.extensions import db
from crm.offices.models import Office
from crm.offices.services import OfficeError, create_office
from crm.reference.places import comune_by_name

FIRENZE = comune_by_name("Firenze")
EMPOLI = comune_by_name("Empoli")


def office_form(**changes):
    data = {
        "name": "Sportello Empoli",
        "address": "Via Roma, 10",
        "cap": "50053",
        "comune_code": EMPOLI.istat_code,
        "latitude": "",
        "longitude": "",
        "phone": "0571 123456",
        "notes": "",
    }
    data.update(changes)
    return data


def make_office(**changes) -> Office:
    data = {
        "name": "Sportello Firenze",
        "address": "Via dei Servi, 38",
        "cap": "50122",
        "comune_code": FIRENZE.istat_code,
        "latitude": None,
        "longitude": None,
        "phone": None,
        "notes": None,
    }
    data.update(changes)
    return create_office(data)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/offices/"),
        ("GET", "/offices/new"),
        ("POST", "/offices/new"),
        ("GET", "/offices/{id}/edit"),
        ("POST", "/offices/{id}/delete"),
    ],
)
def test_operators_are_refused(client, auth, staff, method, path):
    """Operators get 403 on every office page, and nothing changes."""
    office = make_office()
    auth.login(staff(Role.OPERATOR))
    response = client.open(path.format(id=office.id), method=method, data=office_form())
    assert response.status_code == 403
    assert db.session.scalars(select(Office)).all() == [office]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinators_and_admins_see_the_list(client, auth, staff, role):
    """Coordinators and administrators see the offices with their staff count."""
    make_office()
    auth.login(staff(role))
    response = client.get("/offices/")
    assert response.status_code == 200
    assert "Sportello Firenze" in response.get_data(as_text=True)


def test_create_office_defaults_the_point_to_the_comune(client, auth, staff):
    """A new office without coordinates gets its comune's point and an E.164 phone number."""
    auth.login(staff(Role.COORDINATOR))
    response = client.post("/offices/new", data=office_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/offices/")
    office = db.session.scalars(select(Office)).one()
    assert (office.latitude, office.longitude) == (EMPOLI.latitude, EMPOLI.longitude)
    assert office.phone == "+390571123456"
    assert office.cap == "50053" and office.notes is None
    assert "created" in client.get("/offices/").get_data(as_text=True)


def test_create_office_keeps_given_coordinates(client, auth, staff):
    """Coordinates typed by the user are kept."""
    auth.login(staff(Role.COORDINATOR))
    client.post("/offices/new", data=office_form(latitude="43.7201", longitude="10.9482"))
    office = db.session.scalars(select(Office)).one()
    assert (office.latitude, office.longitude) == (43.7201, 10.9482)


def test_cap_of_another_comune_is_a_field_error(client, auth, staff):
    """A CAP that does not belong to the chosen comune is refused on the CAP field."""
    auth.login(staff(Role.COORDINATOR))
    response = client.post("/offices/new", data=office_form(cap="50122"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "does not belong to Empoli" in body and "is-invalid" in body
    assert db.session.scalars(select(Office)).all() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phone": "12"}, "Not a valid phone number"),
        ({"name": ""}, "This field is required"),
        ({"latitude": "43.7"}, "Give both latitude and longitude"),
        ({"cap": "5012"}, "A CAP has 5 digits"),
    ],
)
def test_invalid_office_forms_are_refused(client, auth, staff, changes, message):
    """Bad phone, missing name, half a point or a malformed CAP keep the form open with an error."""
    auth.login(staff(Role.COORDINATOR))
    response = client.post("/offices/new", data=office_form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Office)).all() == []


def test_duplicate_office_name_is_refused(client, auth, staff):
    """Two offices cannot share a name."""
    make_office(name="Sportello Empoli", cap="50053", comune_code=EMPOLI.istat_code)
    auth.login(staff(Role.COORDINATOR))
    response = client.post("/offices/new", data=office_form())
    assert response.status_code == 200
    assert "already has this name" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Office)).all()) == 1


def test_edit_office(client, auth, staff):
    """Editing changes the fields and keeps the Florence CAP valid for Firenze."""
    office = make_office()
    auth.login(staff(Role.COORDINATOR))
    assert client.get(f"/offices/{office.id}/edit").status_code == 200
    response = client.post(
        f"/offices/{office.id}/edit",
        data=office_form(
            name="Sportello Centro",
            address="Via Cavour, 1",
            cap="50129",
            comune_code=FIRENZE.istat_code,
            latitude="43.776",
            longitude="11.258",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(office)
    assert (office.name, office.cap, office.latitude) == ("Sportello Centro", "50129", 43.776)


def test_edit_refuses_a_cap_outside_the_comune_and_changes_nothing(client, auth, staff):
    """An invalid edit leaves the office as it was."""
    office = make_office()
    auth.login(staff(Role.ADMIN))
    response = client.post(f"/offices/{office.id}/edit", data=office_form(comune_code=FIRENZE.istat_code))
    assert response.status_code == 200
    db.session.refresh(office)
    assert office.name == "Sportello Firenze" and office.cap == "50122"


def test_edit_unknown_office_is_404(client, auth, staff):
    """A missing office is a 404."""
    auth.login(staff(Role.COORDINATOR))
    assert client.get("/offices/999/edit").status_code == 404


def test_delete_refused_while_users_belong_to_the_office(client, auth, staff):
    """An office with staff cannot be deleted; the message says why."""
    office = make_office()
    staff(Role.OPERATOR, office_id=office.id)
    auth.login(staff(Role.COORDINATOR))
    response = client.post(f"/offices/{office.id}/delete", follow_redirects=True)
    assert "1 user still belongs to this office" in response.get_data(as_text=True)
    assert db.session.get(Office, office.id) is not None


def test_delete_empty_office(client, auth, staff):
    """An office nobody belongs to is deleted."""
    office = make_office()
    auth.login(staff(Role.COORDINATOR))
    response = client.post(f"/offices/{office.id}/delete")
    assert response.status_code == 302
    assert db.session.scalars(select(Office)).all() == []


def test_service_refuses_unknown_comune_and_wrong_cap():
    """The service checks the comune and the CAP on its own, whatever the caller."""
    with pytest.raises(OfficeError):
        make_office(comune_code="999999")
    with pytest.raises(OfficeError):
        make_office(cap="50053")
    assert db.session.scalars(select(Office)).all() == []
