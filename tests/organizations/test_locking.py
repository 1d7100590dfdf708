"""Optimistic locking: a save made on a stale version never silently overwrites someone else's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from crm.contacts.models import Contact
from crm.extensions import db
from crm.organizations.services import (
    OrganizationConflictError,
    refresh_search_text,
    update_organization,
)

from .helpers import form_data


def _edit_form(page: str) -> dict:
    """The values a browser would post back from the edit page (the fields the tests use)."""
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert version, "the edit form carries its version"
    return {"version": version.group(1)}


def test_two_sessions_editing_the_same_organization(app, login, op, coord, make_org):
    """The second save on a stale version is refused with the user's input kept and the saved values
    shown; saving again after reviewing goes through."""
    org = make_org(legal_name="Officina Rossi S.r.l.", owner_id=op.id, notes="Prima nota")
    first = login(op, new_client=True)
    second = login(coord, new_client=True)

    # Both open the edit form on version 1.
    form_a = _edit_form(first.get(f"/organizations/{org.id}/edit").get_data(as_text=True))
    form_b = _edit_form(second.get(f"/organizations/{org.id}/edit").get_data(as_text=True))
    assert form_a["version"] == form_b["version"] == "1"

    # The coordinator saves first.
    saved = second.post(
        f"/organizations/{org.id}/edit",
        data=form_data(
            legal_name="Officina Rossi S.r.l.", notes="Nota del coordinatore", owner_id=str(op.id),
            vat_number="", **form_b,
        ),
    )
    assert saved.status_code == 302

    # The operator saves on the stale version: conflict, nothing overwritten.
    response = first.post(
        f"/organizations/{org.id}/edit",
        data=form_data(legal_name="Officina Rossi & Figli S.r.l.", notes="Nota dell'operatrice",
                       vat_number="", **form_a),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else saved this organization while you were editing it." in page
    assert 'value="Officina Rossi &amp; Figli S.r.l."' in page  # the user's input is kept
    assert "Nota dell&#39;operatrice" in page
    assert "Nota del coordinatore" in page  # the saved value is shown
    assert 'name="version" type="hidden" value="2"' in page  # ready for a deliberate second save
    db.session.expire_all()
    assert org.notes == "Nota del coordinatore"
    assert org.legal_name == "Officina Rossi S.r.l."

    # After reviewing, the operator saves again with the version the conflict page carried.
    again = first.post(
        f"/organizations/{org.id}/edit",
        data=form_data(legal_name="Officina Rossi & Figli S.r.l.", notes="Nota dell'operatrice",
                       vat_number="", **_edit_form(page)),
    )
    assert again.status_code == 302
    db.session.expire_all()
    assert org.legal_name == "Officina Rossi & Figli S.r.l."
    assert org.notes == "Nota dell'operatrice"
    assert org.version == 3


def test_tampered_version_is_a_conflict_not_a_500(login, op, make_org):
    """A missing or non-numeric version is treated as stale."""
    org = make_org(owner_id=op.id)
    client = login(op, new_client=True)
    response = client.post(
        f"/organizations/{org.id}/edit", data=form_data(legal_name="X", vat_number="", version="abc")
    )
    assert response.status_code == 200
    assert "Someone else saved this organization" in response.get_data(as_text=True)


def test_update_raises_conflict_when_the_row_changed_under_the_session(op, make_org):
    """If the row's version moves after loading, SQLAlchemy's version check fails: conflict, rollback."""
    org = make_org(owner_id=op.id, notes="originale")
    loaded_version = org.version
    # Someone else's transaction, straight to the database.
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE organization SET notes = 'altrui', version = version + 1 WHERE id = :id"),
            {"id": org.id},
        )
    with pytest.raises(OrganizationConflictError) as caught:
        update_organization(org, {"notes": "mia"}, by=op, expected_version=loaded_version)
    assert caught.value.current is not None
    assert caught.value.current.notes == "altrui"
    assert caught.value.current.version == loaded_version + 1


def test_update_with_an_old_expected_version_is_refused(op, make_org):
    """The version the form was loaded with must be the current one."""
    org = make_org(owner_id=op.id)
    update_organization(org, {"notes": "uno"}, by=op, expected_version=1)
    with pytest.raises(OrganizationConflictError):
        update_organization(org, {"notes": "due"}, by=op, expected_version=1)
    db.session.expire_all()
    assert org.notes == "uno"


def test_search_text_refresh_does_not_bump_the_version(op, make_org):
    """Adding a contact refreshes the search text without a new version (no needless conflict)."""
    org = make_org(owner_id=op.id)
    version, updated_at = org.version, org.updated_at
    org.contacts.append(Contact(first_name="Giulia", last_name="Verdi"))
    refresh_search_text(org)
    db.session.commit()
    db.session.expire_all()
    assert "verdi" in org.search_text
    assert (org.version, org.updated_at) == (version, updated_at)


def test_changing_only_tags_moves_the_version(op, make_org):
    """Tags live in another table, but a tag change still counts as an edit of the organization."""
    org = make_org(owner_id=op.id)
    update_organization(org, {"tags": ["nuovo"]}, by=op, expected_version=org.version)
    assert org.version == 2
