"""Create, detail, edit and delete pages: status, redirect, message, database effect, permissions."""

from __future__ import annotations

from sqlalchemy import select

from crm.auth.models import Role
from crm.contacts.models import Contact
from crm.extensions import db
from crm.organizations.models import Organization, OrganizationStatus

from .helpers import FIRENZE, form_data, org_count, valid_vat


def _edit_data(org: Organization, **overrides) -> dict:
    """The edit form as loaded for ``org`` (only the fields the tests care about differ)."""
    data = form_data(
        legal_name=org.legal_name,
        vat_number=org.vat_number or "",
        kind=org.kind.value,
        status=org.status.value,
        version=str(org.version),
        owner_id=str(org.owner_id or ""),
    )
    data.update(overrides)
    return data


# --- Create ---------------------------------------------------------------------------------------


def test_create_page_has_labelled_fields_and_a_save_button(client, login, op):
    """The form renders with labels tied to inputs and a Save button."""
    login(op)
    page = client.get("/organizations/new").get_data(as_text=True)
    assert '<label class="form-label required" for="legal_name">Legal name</label>' in page
    assert 'id="opening_hours-mon"' in page
    assert ">Monday</label>" in page
    assert "Save</button>" in page
    assert 'name="owner_id"' not in page  # operators do not choose the owner


def test_operator_creating_becomes_owner_even_if_posting_another(client, login, op, coord):
    """An operator's new organization is theirs, whatever owner_id the request carries."""
    login(op)
    response = client.post("/organizations/new", data=form_data(owner_id=str(coord.id)))
    org = db.session.scalars(select(Organization)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organizations/{org.id}")
    assert org.owner_id == op.id
    assert org.created_by_id == op.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Organization “Trattoria Da Mario S.n.c.” created." in page


def test_coordinator_chooses_the_owner(client, login, coord, op):
    """A coordinator can give the new organization to an operator, or to nobody."""
    login(coord)
    page = client.get("/organizations/new").get_data(as_text=True)
    assert 'name="owner_id"' in page
    client.post("/organizations/new", data=form_data(owner_id=str(op.id)))
    client.post("/organizations/new", data=form_data(owner_id="", vat_number=valid_vat(2)))
    owners = db.session.scalars(select(Organization.owner_id).order_by(Organization.id)).all()
    assert owners == [op.id, None]


# --- Detail ---------------------------------------------------------------------------------------


def test_detail_shows_the_facts(client, login, op, make_org):
    """Header, IVA, ATECO section title, size band, Law 68, address, map link, phones, hours, tags."""
    org = make_org(
        legal_name="Cooperativa Il Ponte",
        trade_name="Il Ponte",
        kind="coop_b",
        status="active_partner",
        vat_number=valid_vat(5),
        ateco_code="88.10.00",
        employees=35,
        law68_subject=True,
        law68_protected_employed=3,
        address="Via Roma 1",
        cap="50122",
        comune_code=FIRENZE,
        phone="+390551234567",
        email="info@ilponte.example.it",
        pec="ilponte@pec.example.it",
        website="https://ilponte.example.it",
        opening_hours={"mon": [["09:00", "13:00"], ["14:30", "18:00"]]},
        tags=["inserimento lavorativo"],
        notes="Referente molto disponibile.",
        owner_id=op.id,
    )
    login(op)
    response = client.get(f"/organizations/{org.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        "Il Ponte",
        "Cooperativa Il Ponte",
        "Social cooperative type B",
        "Active partner",
        "Olga Operatrice",
        valid_vat(5),
        "88.10.00",
        "R – Human health and social work activities",
        "Small (10–49)",
        "Subject to the obligation",
        "Protected workers employed: 3",
        "Via Roma 1",
        "50122 Firenze",
        "https://www.openstreetmap.org/?mlat=43.77925&amp;mlon=11.24626",
        'href="tel:+390551234567"',
        "055 123 4567",
        'href="mailto:info@ilponte.example.it"',
        'href="mailto:ilponte@pec.example.it"',
        "09:00–13:00, 14:30–18:00",
        "inserimento lavorativo",
        "Referente molto disponibile.",
        f'href="/interactions/new/{org.id}"',
        f'href="/contacts/new/{org.id}"',
        f'href="/follow-ups/new/{org.id}"',
        f'href="/organizations/{org.id}/edit"',
        "Change history",
    ):
        assert text in page, text
    assert "delete-dialog" not in page  # operators cannot delete


def test_detail_of_unknown_organization_is_404(client, login, op):
    """A missing id is a 404 page."""
    login(op)
    assert client.get("/organizations/999").status_code == 404
    assert client.get("/organizations/999/edit").status_code == 404


def test_pages_render_in_the_default_italian(client, auth, operator, make_org):
    """The default (Italian) interface renders the list, detail and form pages."""
    org = make_org(owner_id=operator.id, tags=["prova"])
    auth.login(operator)
    for url in ("/organizations/", f"/organizations/{org.id}", f"/organizations/{org.id}/edit"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="it"' in response.get_data(as_text=True)


def test_detail_hides_edit_from_operators_who_do_not_own_it(client, login, op, make_org):
    """Anyone can look; the Edit button only shows for those who may edit."""
    org = make_org()
    login(op)
    page = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert f'href="/organizations/{org.id}/edit"' not in page


# --- Edit -----------------------------------------------------------------------------------------


def test_owner_edits_and_sees_the_change_in_the_history(client, login, op, make_org):
    """The owner saves a new name: redirect, message, DB effect, and "Legal name: old → new"."""
    org = make_org(legal_name="Vecchio Nome S.r.l.", owner_id=op.id, vat_number=valid_vat(8))
    login(op)
    page = client.get(f"/organizations/{org.id}/edit").get_data(as_text=True)
    assert 'value="Vecchio Nome S.r.l."' in page
    assert f'name="version" type="hidden" value="{org.version}"' in page
    response = client.post(
        f"/organizations/{org.id}/edit",
        data=_edit_data(org, legal_name="Nuovo Nome S.r.l.", status="contacted"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organizations/{org.id}")
    db.session.expire_all()
    assert org.legal_name == "Nuovo Nome S.r.l."
    assert org.status is OrganizationStatus.CONTACTED
    assert org.version == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Organization “Nuovo Nome S.r.l.” saved." in page
    history = page[page.index("Change history"):]
    assert "Legal name" in history
    assert "Vecchio Nome S.r.l." in history and "Nuovo Nome S.r.l." in history
    assert "Prospect" in history and "Contacted" in history
    assert "Olga Operatrice" in history


def test_edit_with_errors_rerenders_with_input(client, login, op, make_org):
    """A bad Partita IVA on edit is a field error; nothing is saved."""
    org = make_org(owner_id=op.id)
    login(op)
    response = client.post(
        f"/organizations/{org.id}/edit", data=_edit_data(org, legal_name="Changed", vat_number="12345678901")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This Partita IVA is not valid" in page
    assert 'value="Changed"' in page
    db.session.expire_all()
    assert org.legal_name != "Changed"


def test_edit_keeping_own_vat_number_is_not_a_duplicate(client, login, op, make_org):
    """Saving an organization with its own Partita IVA is fine; taking another's is not."""
    org = make_org(owner_id=op.id, vat_number=valid_vat(10))
    other = make_org(vat_number=valid_vat(11))
    login(op)
    assert client.post(f"/organizations/{org.id}/edit", data=_edit_data(org)).status_code == 302
    db.session.expire_all()
    response = client.post(
        f"/organizations/{org.id}/edit", data=_edit_data(org, vat_number=valid_vat(11))
    )
    assert response.status_code == 200
    assert f'href="/organizations/{other.id}"' in response.get_data(as_text=True)


def test_operator_cannot_edit_someone_elses_organization(client, login, op, make_org):
    """GET and POST on another's organization are 403 for an operator; nothing changes."""
    org = make_org(legal_name="Non Tua S.r.l.")
    login(op)
    assert client.get(f"/organizations/{org.id}/edit").status_code == 403
    response = client.post(f"/organizations/{org.id}/edit", data=_edit_data(org, legal_name="Mia"))
    assert response.status_code == 403
    db.session.expire_all()
    assert org.legal_name == "Non Tua S.r.l."


def test_operator_cannot_change_the_owner(client, login, op, coord, make_org):
    """An owner_id posted by an operator is ignored; the other changes are saved."""
    org = make_org(owner_id=op.id)
    login(op)
    assert 'name="owner_id"' not in client.get(f"/organizations/{org.id}/edit").get_data(as_text=True)
    response = client.post(
        f"/organizations/{org.id}/edit", data=_edit_data(org, owner_id=str(coord.id), notes="ok")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert org.owner_id == op.id
    assert org.notes == "ok"


def test_coordinator_can_edit_any_and_reassign(client, login, coord, op, make_org):
    """A coordinator edits an operator's organization and gives it to someone else."""
    org = make_org(owner_id=op.id)
    login(coord)
    response = client.post(f"/organizations/{org.id}/edit", data=_edit_data(org, owner_id=str(coord.id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert org.owner_id == coord.id


def test_changing_comune_moves_a_comune_centre_point(client, login, op, make_org):
    """Coordinates that were Firenze's centre follow the comune when it changes to Empoli."""
    org = make_org(owner_id=op.id, comune_code=FIRENZE, cap="50122")
    assert org.geo_precision.value == "comune"
    login(op)
    data = _edit_data(
        org, comune_code="048014", cap="50053", latitude=str(org.latitude),
        longitude=str(org.longitude), geo_precision="comune",
    )
    assert client.post(f"/organizations/{org.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert (org.latitude, org.longitude) == (43.71795, 10.94758)


# --- Delete ---------------------------------------------------------------------------------------


def test_operator_cannot_delete(client, login, op, make_org):
    """Operators get 403 on the delete page and action, even on their own organization."""
    org = make_org(owner_id=op.id)
    login(op)
    assert client.get(f"/organizations/{org.id}/delete").status_code == 403
    assert client.post(f"/organizations/{org.id}/delete").status_code == 403
    assert org_count() == 1


def test_coordinator_confirms_then_deletes(client, login, coord, make_org):
    """GET asks for confirmation; POST deletes the organization and its contacts."""
    org = make_org(legal_name="Da Cancellare S.r.l.")
    db.session.add(Contact(organization_id=org.id, first_name="Anna", last_name="Bianchi"))
    db.session.commit()
    login(coord)
    page = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert "delete-dialog" in page
    confirm = client.get(f"/organizations/{org.id}/delete")
    assert confirm.status_code == 200
    assert "1 contact will be deleted with it." in confirm.get_data(as_text=True)
    response = client.post(f"/organizations/{org.id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organizations/")
    assert org_count() == 0
    assert db.session.scalars(select(Contact)).all() == []
    assert "Organization “Da Cancellare S.r.l.” deleted." in client.get("/organizations/").get_data(
        as_text=True
    )


def test_admin_can_delete(client, login, staff, make_org):
    """Administrators rank above coordinators and can delete too."""
    org = make_org()
    login(staff(Role.ADMIN))
    assert client.post(f"/organizations/{org.id}/delete").status_code == 302
    assert org_count() == 0


def test_anonymous_visitors_are_sent_to_login(client, make_org):
    """Every organization page needs a login."""
    org = make_org()
    for url in ("/organizations/", f"/organizations/{org.id}", "/organizations/new"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
