"""The small forms of the plan page: a refused submission shows the page again with what the person
typed and the field's error, instead of a redirect that loses the input."""

from __future__ import annotations

from crm.extensions import db
from crm.partnership.models import CaseNote


def test_too_long_note_comes_back_with_its_text(client, auth, operator, make_candidate, make_plan):
    """A note over 2,000 characters is refused, shown again in the box, and nothing is saved."""
    candidate = make_candidate(operator)
    make_plan(candidate, operator)
    auth.login(operator)
    text = "Colloquio andato bene, " * 100  # 2,300 characters
    response = client.post(f"/partnership/candidates/{candidate.id}/notes", data={"body": text})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert text.strip() in page and "is-invalid" in page
    assert db.session.query(CaseNote).count() == 0


def test_signature_without_document_keeps_the_date(client, auth, operator, make_candidate, make_plan):
    """Signing without saying where the paper is kept is refused; the date typed stays in the form."""
    candidate = make_candidate(operator)
    make_plan(candidate, operator)
    auth.login(operator)
    response = client.post(
        f"/partnership/candidates/{candidate.id}/plan/sign", data={"signed_on": "2026-04-02", "document": ""}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="2026-04-02"' in page and "is-invalid" in page


def test_first_contact_before_the_referral_is_an_error_on_the_field(
    client, auth, operator, make_referrer, refer
):
    """A first contact dated before the referral is refused on its field, with the date kept."""
    referral = refer(make_referrer())
    referral.candidate.operator_id = operator.id
    db.session.commit()
    auth.login(operator)
    response = client.post(
        f"/partnership/candidates/{referral.candidate_id}/first-contact",
        data={"first_contact_on": "2026-02-01"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The first contact cannot come before the referral." in page and 'value="2026-02-01"' in page
    db.session.refresh(referral)
    assert referral.first_contact_on is None
