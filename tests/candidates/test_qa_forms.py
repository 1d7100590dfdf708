"""Inline forms of the candidate page say what is wrong (QA pass)."""

from __future__ import annotations

from crm.candidates.models import WorkExperience
from crm.extensions import db


def test_experience_with_a_bad_date_names_the_date_not_the_role(client, auth, operator, make_candidate):
    """A role with an impossible "From" date gets the date's error, not "Give at least the role"."""
    candidate = make_candidate(operator)
    auth.login(operator)
    response = client.post(
        f"/candidates/{candidate.id}/experience",
        data={"role": "Magazziniere", "started_on": "2026-02-31"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give at least the role." not in page
    assert "From: Not a valid date value." in page
    assert db.session.scalars(db.select(WorkExperience)).first() is None


def test_experience_without_role_asks_for_the_role(client, auth, operator, make_candidate):
    candidate = make_candidate(operator)
    auth.login(operator)
    response = client.post(f"/candidates/{candidate.id}/experience", data={"role": ""}, follow_redirects=True)
    assert "Give at least the role." in response.get_data(as_text=True)


def test_refused_experience_keeps_what_was_typed(client, auth, operator, make_candidate):
    """The page comes back (no redirect) with the role and employer typed and the form open."""
    candidate = make_candidate(operator)
    auth.login(operator)
    response = client.post(
        f"/candidates/{candidate.id}/experience",
        data={"role": "Magazziniere", "employer": "Logistica Nord", "started_on": "2026-02-31"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Magazziniere"' in page and 'value="Logistica Nord"' in page
    assert "<details open>" in page


def test_refused_consent_keeps_the_date(client, auth, operator, make_candidate):
    """A consent without its document is refused with the field's error; the date typed stays."""
    from crm.candidates.models import ConsentRecord

    candidate = make_candidate(operator)
    before = db.session.query(ConsentRecord).count()
    auth.login(operator)
    response = client.post(
        f"/candidates/{candidate.id}/consents",
        data={"purpose": "data_processing", "given_on": "2026-04-02", "document": ""},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="2026-04-02"' in page and "is-invalid" in page
    assert db.session.query(ConsentRecord).count() == before
