"""The duplicate pages: permissions, list, dismiss, compare and merge, the hint on the detail page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.contacts.models import Contact
from crm.duplicates.models import DuplicateDismissal
from crm.extensions import db
from crm.organizations.models import Organization
from crm.organizations.services import update_organization
from tests.organizations.helpers import valid_vat

from .conftest import EMPOLI


@pytest.fixture
def twins(make_org, add_contact, add_interaction):
    a = make_org(legal_name="Rossi S.r.l.", vat_number=valid_vat(1), phone="+390551234567")
    b = make_org(legal_name="ROSSI SRL", email="info@rossi.example")
    add_contact(b, "Bruno", primary=True)
    add_interaction(b, "Chiamata")
    return a, b


def _routes(a, b):
    return [
        ("get", "/duplicates/"),
        ("get", f"/duplicates/?organization_id={a.id}"),
        ("post", f"/duplicates/dismiss/{a.id}/{b.id}"),
        ("get", f"/duplicates/merge/{a.id}/{b.id}"),
        ("post", f"/duplicates/merge/{a.id}/{b.id}"),
    ]


def test_operators_are_refused_everywhere(client, login, op, twins):
    """Every duplicate page answers 403 to an operator, and nothing changes."""
    login(op)
    for method, url in _routes(*twins):
        assert getattr(client, method)(url).status_code == 403, url
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 2
    page = client.get(f"/organizations/{twins[0].id}").get_data(as_text=True)
    assert "/duplicates/" not in page


def test_anonymous_users_are_sent_to_log_in(client, twins):
    """Without logging in, the pages redirect to the log-in page."""
    for method, url in _routes(*twins):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_list_shows_the_pairs_with_reasons_and_counts(client, login, coord, twins):
    """The list shows both organizations, the score, the reasons and the buttons."""
    a, b = twins
    login(coord)
    page = client.get("/duplicates/").get_data(as_text=True)
    assert "1 possible duplicate found" in page
    assert "Rossi S.r.l." in page and "ROSSI SRL" in page
    assert "names 100 % similar in Firenze" in page
    assert "1 contact" in page and "1 interaction" in page
    assert f"/duplicates/merge/{a.id}/{b.id}" in page
    assert f"/duplicates/dismiss/{a.id}/{b.id}" in page
    assert 'href="/duplicates/"' in client.get("/").get_data(as_text=True)


def test_list_filters_by_reason_comune_and_organization(client, login, coord, twins, make_org):
    """Filters keep only the matching pairs."""
    a, _ = twins
    c = make_org(legal_name="Alfa", comune_code=EMPOLI, phone="+390571000001")
    d = make_org(legal_name="Beta", comune_code=EMPOLI, phone="+390571000001")
    login(coord)
    assert "2 possible duplicates found" in client.get("/duplicates/").get_data(as_text=True)
    page = client.get("/duplicates/?kind=phone").get_data(as_text=True)
    assert "1 possible duplicate found" in page and "same phone 0571 000001" in page
    page = client.get(f"/duplicates/?comune={EMPOLI}").get_data(as_text=True)
    assert "1 possible duplicate found" in page and f"/duplicates/merge/{c.id}/{d.id}" in page
    page = client.get(f"/duplicates/?organization_id={a.id}").get_data(as_text=True)
    assert "1 possible duplicate found" in page and "Showing only the possible duplicates of" in page
    page = client.get("/duplicates/?kind=bogus&comune=nowhere").get_data(as_text=True)
    assert "2 possible duplicates found" in page


def test_dismiss_hides_the_pair(client, login, coord, twins):
    """"Not a duplicate" stores the decision and the pair disappears from the list."""
    a, b = twins
    login(coord)
    response = client.post(f"/duplicates/dismiss/{a.id}/{b.id}", data={"next": "/duplicates/?kind=name"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/duplicates/?kind=name")
    assert db.session.scalar(select(func.count()).select_from(DuplicateDismissal)) == 1
    page = client.get("/duplicates/").get_data(as_text=True)
    assert "0 possible duplicates found" in page
    assert "Marked as not a duplicate" in page
    response = client.post(f"/duplicates/dismiss/{a.id}/{b.id}", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/duplicates/")


def test_merge_page_compares_every_field(client, login, coord, twins):
    """The comparison shows both values of each field, with the survivor's filled values chosen."""
    a, b = twins
    login(coord)
    page = client.get(f"/duplicates/merge/{a.id}/{b.id}").get_data(as_text=True)
    for text in ("Legal name", "Partita IVA", "Position on the map", "Opening hours", "Rossi S.r.l.",
                 "ROSSI SRL", "info@rossi.example", "055 123 4567"):
        assert text in page, text
    # b has a contact and an interaction: it is the default survivor, a's phone fills its gap.
    assert 'id="survivor-second" value="second" checked' in page
    assert 'id="field_phone-first" value="first" checked' in page
    assert 'id="field_legal_name-second" value="second" checked' in page
    assert "1 contact" in page


def test_merge_without_confirmation_changes_nothing(client, login, coord, twins):
    """The merge needs the confirmation box."""
    a, b = twins
    login(coord)
    data = _merge_form(a, b, survivor="first")
    del data["confirm"]
    response = client.post(f"/duplicates/merge/{a.id}/{b.id}", data=data)
    assert response.status_code == 200
    assert "Tick the box to confirm the merge." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 2


def _merge_form(a, b, *, survivor, **choices):
    from crm.duplicates.forms import merge_rows

    data = {"survivor": survivor, "first_version": a.version, "second_version": b.version, "confirm": "y"}
    for row in merge_rows():
        data[f"field_{row.name}"] = choices.get(row.name, survivor)
    return data


def test_merge_posts_and_redirects_to_the_survivor(client, login, coord, twins):
    """POST merges as chosen and shows the survivor, whose history names the merge."""
    a, b = twins
    a_id, b_id = a.id, b.id
    login(coord)
    data = _merge_form(a, b, survivor="first", email="second")
    response = client.post(f"/duplicates/merge/{a_id}/{b_id}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organizations/{a_id}")
    db.session.expire_all()
    assert db.session.get(Organization, b_id) is None
    kept = db.session.get(Organization, a_id)
    assert kept.email == "info@rossi.example" and kept.legal_name == "Rossi S.r.l."
    assert [c.first_name for c in db.session.scalars(select(Contact))] == ["Bruno"]
    page = client.get(f"/organizations/{a_id}").get_data(as_text=True)
    assert "was merged into" in page
    assert "Merged from “ROSSI SRL”" in page


def test_merge_refused_when_an_organization_changed(client, login, coord, twins):
    """A save made after the comparison was opened stops the merge with a message."""
    a, b = twins
    login(coord)
    data = _merge_form(a, b, survivor="first")
    update_organization(b, {"website": "https://rossi.example"}, by=coord, expected_version=b.version)
    response = client.post(f"/duplicates/merge/{a.id}/{b.id}", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "was changed by someone else" in page
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 2


def test_merge_of_a_missing_organization(client, login, coord, twins):
    """Unknown ids are a 404; the same id twice too."""
    a, _ = twins
    login(coord)
    assert client.get(f"/duplicates/merge/{a.id}/999999").status_code == 404
    assert client.get(f"/duplicates/merge/{a.id}/{a.id}").status_code == 404


def test_detail_page_hints_at_possible_duplicates(client, login, coord, twins, make_org):
    """Coordinators see the hint and the link on an organization's page."""
    a, _ = twins
    lonely = make_org(legal_name="Unica nel suo genere")
    login(coord)
    page = client.get(f"/organizations/{a.id}").get_data(as_text=True)
    assert "1 other organization looks like this one." in page
    assert f"/duplicates/?organization_id={a.id}" in page
    page = client.get(f"/organizations/{lonely.id}").get_data(as_text=True)
    assert "looks like this one" not in page
    assert "Find duplicates of this organization" in page
