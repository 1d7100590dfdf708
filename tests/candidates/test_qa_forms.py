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
