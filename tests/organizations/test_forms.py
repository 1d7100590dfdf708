"""Validation of the organization form: every bad input is a field error, never a 500 or lost input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.organizations.forms import parse_day_hours, split_tags
from crm.organizations.models import GeoPrecision, Organization, Tag

from .helpers import EMPOLI, FIRENZE, form_data, org_count, valid_vat


def _only_org() -> Organization:
    return db.session.scalars(select(Organization)).one()


# --- Opening hours parsing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-13:00, 14:30-18:00", [["09:00", "13:00"], ["14:30", "18:00"]]),
        ("14:30-18:00; 9-13", [["09:00", "13:00"], ["14:30", "18:00"]]),
        ("8.30 – 12.30", [["08:30", "12:30"]]),
        ("09:00-13:00,13:00-17:00", [["09:00", "13:00"], ["13:00", "17:00"]]),
        ("", []),
        ("   ", []),
        ("chiuso", []),
        ("18:00-24:00", [["18:00", "24:00"]]),
    ],
)
def test_parse_day_hours_accepts_common_spellings(text, expected):
    """Ranges typed the usual ways become sorted [start, end] pairs; empty or "chiuso" is closed."""
    assert parse_day_hours(text) == expected


@pytest.mark.parametrize(
    "text", ["9", "09:00", "25:00-26:00", "09:70-10:00", "13:00-09:00", "10:00-10:00",
             "09:00-13:00, 12:00-15:00", "mattina", "24:30-25:00"],
)
def test_parse_day_hours_refuses_bad_ranges(app, text):
    """Malformed times, a start not before the end and overlapping ranges are refused."""
    with app.test_request_context(), pytest.raises(ValueError):
        parse_day_hours(text)


def test_split_tags_drops_blanks_and_case_duplicates():
    """Tags are split on commas, blanks collapsed, duplicates ignoring case dropped."""
    assert split_tags(" catering ,Empoli, , CATERING,  legge   68 ") == ["catering", "Empoli", "legge 68"]


# --- The form through the create page -------------------------------------------------------------


def test_create_with_bad_vat_number_shows_field_error_then_saves_when_fixed(client, login, op):
    """12345678901 is refused on the Partita IVA field with the input kept; the right one saves."""
    login(op)
    response = client.post("/organizations/new", data=form_data(vat_number="12345678901"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This Partita IVA is not valid" in page
    assert 'value="12345678901"' in page
    assert 'value="Trattoria Da Mario S.n.c."' in page
    assert org_count() == 0

    response = client.post("/organizations/new", data=form_data(vat_number=valid_vat(7)))
    assert response.status_code == 302
    assert _only_org().vat_number == valid_vat(7)


def test_create_with_bad_tax_code_is_refused(client, login, op):
    """A codice fiscale with a wrong check character is a field error."""
    login(op)
    response = client.post("/organizations/new", data=form_data(tax_code="RSSMRA80A01D612X"))
    assert response.status_code == 200
    assert "This codice fiscale is not valid" in response.get_data(as_text=True)
    assert org_count() == 0


def test_create_with_bad_phone_is_refused_and_keeps_input(client, login, op):
    """A phone number that cannot be dialled is a field error; what was typed stays in the field."""
    login(op)
    response = client.post("/organizations/new", data=form_data(phone="12"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not a valid phone number." in page
    assert 'value="12"' in page
    assert org_count() == 0


def test_phones_are_stored_in_e164(client, login, op):
    """A Florence number typed the Italian way is stored as +39…."""
    login(op)
    client.post("/organizations/new", data=form_data(phone="055 123 4567", phone2="+39 333 1234567"))
    org = _only_org()
    assert (org.phone, org.phone2) == ("+390551234567", "+393331234567")


def test_cap_not_of_the_comune_is_a_field_error_on_cap(client, login, op):
    """Empoli's CAP with Firenze as comune is refused on the CAP field."""
    login(op)
    response = client.post("/organizations/new", data=form_data(cap="50053", comune_code=FIRENZE))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "50053 is not a CAP of Firenze." in page
    assert 'id="cap"' in page and "is-invalid" in page
    assert org_count() == 0
    response = client.post("/organizations/new", data=form_data(cap="50053", comune_code=EMPOLI))
    assert response.status_code == 302


def test_cap_must_have_five_digits(client, login, op):
    """A CAP is five digits."""
    login(op)
    response = client.post("/organizations/new", data=form_data(cap="5012"))
    assert "A CAP has five digits." in response.get_data(as_text=True)


def test_missing_required_fields_are_reported(client, login, op):
    """Legal name, kind and status are required."""
    login(op)
    response = client.post(
        "/organizations/new", data=form_data(legal_name="  ", kind="", status="")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("This field is required.") == 3
    assert "Please correct the highlighted fields." in page
    assert org_count() == 0


def test_unknown_choice_values_are_field_errors(client, login, op):
    """A forged kind, status or comune is a field error, not a 500."""
    login(op)
    response = client.post(
        "/organizations/new", data=form_data(kind="bank", status="x", comune_code="999999")
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Not a valid choice.") == 3
    assert org_count() == 0


def test_bad_opening_hours_are_refused_with_input_kept(client, login, op):
    """Overlapping ranges on Tuesday are an error on Tuesday; Monday's input stays."""
    login(op)
    response = client.post(
        "/organizations/new",
        data=form_data(**{"opening_hours-mon": "9-13", "opening_hours-tue": "09:00-13:00, 12:00-14:00"}),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The time ranges overlap." in page
    assert 'value="09:00-13:00, 12:00-14:00"' in page
    assert 'value="9-13"' in page
    assert org_count() == 0


def test_opening_hours_are_stored_as_a_weekly_dict(client, login, op):
    """Typed hours become the JSON dict, closed days as empty lists."""
    login(op)
    client.post(
        "/organizations/new",
        data=form_data(**{"opening_hours-mon": "14:30-18:00, 09:00-13:00", "opening_hours-sat": "9-12"}),
    )
    hours = _only_org().opening_hours
    assert hours["mon"] == [["09:00", "13:00"], ["14:30", "18:00"]]
    assert hours["sat"] == [["09:00", "12:00"]]
    assert hours["sun"] == []
    assert set(hours) == {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def test_no_opening_hours_at_all_means_unknown(client, login, op):
    """With every day empty the hours are unknown (None), not "closed all week"."""
    login(op)
    client.post("/organizations/new", data=form_data())
    assert _only_org().opening_hours is None


def test_unknown_ateco_code_is_refused(client, login, op):
    """A code that is not in ATECO is a field error."""
    login(op)
    response = client.post("/organizations/new", data=form_data(ateco_code="99.99"))
    assert response.status_code == 200
    assert "Unknown ATECO code." in response.get_data(as_text=True)
    assert org_count() == 0


def test_ateco_code_is_normalised_and_gives_the_section(client, login, op):
    """6201 (ATECO 2007) is stored as its 2025 code with its section; a hand-chosen section yields."""
    login(op)
    client.post("/organizations/new", data=form_data(ateco_code="6201", ateco_section="A"))
    org = _only_org()
    assert org.ateco_code == "62.10"
    assert org.ateco_section == "K"


def test_section_can_be_chosen_without_a_code(client, login, op):
    """Without an ATECO code the section is the one chosen by hand."""
    login(op)
    client.post("/organizations/new", data=form_data(ateco_code="", ateco_section="Q"))
    assert _only_org().ateco_section == "Q"


def test_empty_coordinates_take_the_comune_centre_and_say_so(client, login, op):
    """No coordinates + a comune: the comune's point, precision "comune", and a message saying so."""
    login(op)
    response = client.post("/organizations/new", data=form_data(), follow_redirects=True)
    org = _only_org()
    assert org.geo_precision is GeoPrecision.COMUNE
    assert (org.latitude, org.longitude) == pytest.approx((43.77925, 11.24626))
    assert "the centre of Firenze is used" in response.get_data(as_text=True)


def test_typed_coordinates_accept_a_decimal_comma_and_are_manual(client, login, op):
    """43,7712 / 11,2551 is accepted and stored with precision "manual"."""
    login(op)
    client.post("/organizations/new", data=form_data(latitude="43,7712", longitude="11.2551"))
    org = _only_org()
    assert (org.latitude, org.longitude) == (43.7712, 11.2551)
    assert org.geo_precision is GeoPrecision.MANUAL


@pytest.mark.parametrize(
    ("lat", "lon"), [("95", "11.2"), ("43.7", "200"), ("43.7", ""), ("", "11.2"), ("north", "11.2")]
)
def test_bad_coordinates_are_refused(client, login, op, lat, lon):
    """Out-of-range, half-given or non-numeric coordinates are field errors."""
    login(op)
    response = client.post("/organizations/new", data=form_data(latitude=lat, longitude=lon))
    assert response.status_code == 200
    assert org_count() == 0


def test_bad_email_and_negative_counts_are_refused(client, login, op):
    """An e-mail without a domain and negative employee counts are field errors."""
    login(op)
    response = client.post(
        "/organizations/new",
        data=form_data(email="mario@", employees="-3", law68_protected_employed="-1"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invalid email address." in page
    assert page.count("Number must be between") == 2


def test_website_gets_a_scheme(client, login, op):
    """www.example.it is stored as https://www.example.it; "not a site" is refused."""
    login(op)
    assert "Not a valid web address." in client.post(
        "/organizations/new", data=form_data(website="not a site")
    ).get_data(as_text=True)
    client.post("/organizations/new", data=form_data(website="www.damario.example.it"))
    assert _only_org().website == "https://www.damario.example.it"


def test_law68_tri_state_is_stored(client, login, op):
    """Law 68: unknown is None, yes is True, with the protected workers count."""
    login(op)
    client.post(
        "/organizations/new", data=form_data(law68_subject="yes", law68_protected_employed="2")
    )
    org = _only_org()
    assert (org.law68_subject, org.law68_protected_employed) == (True, 2)


def test_tags_are_created_on_the_fly_and_reused_ignoring_case(client, login, op):
    """Typing "Catering, empoli" reuses the existing "catering" tag and creates "empoli"."""
    login(op)
    db.session.add(Tag(name="catering"))
    db.session.commit()
    client.post("/organizations/new", data=form_data(tags="Catering, empoli, CATERING"))
    org = _only_org()
    assert [t.name for t in org.tags] == ["catering", "empoli"]
    assert db.session.scalars(select(Tag.name).order_by(Tag.name)).all() == ["catering", "empoli"]


def test_duplicate_vat_number_is_a_field_error_linking_the_existing(client, login, op, make_org):
    """A Partita IVA already registered is refused with a link to the organization that has it."""
    existing = make_org(legal_name="Già Registrata S.p.A.", vat_number=valid_vat(3))
    login(op)
    response = client.post("/organizations/new", data=form_data(vat_number=valid_vat(3)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This Partita IVA is already registered for:" in page
    assert f'href="/organizations/{existing.id}"' in page
    assert org_count() == 1
