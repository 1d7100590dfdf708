"""The access log's notes are stored in English and shown in the reader's language."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select

from crm.candidates.services import update_candidate
from crm.extensions import db
from crm.privacy.models import AccessLog
from crm.privacy.notes import N_, describe_note, fields_note, note


def test_notes_are_translated_when_shown_and_values_are_kept(app):
    with app.test_request_context(), force_locale("it"):
        assert describe_note(N_("printed plan")) == "progetto stampato"
        exported = note(N_("outcomes: ledger export"), "CSV")
        assert describe_note(exported) == "risultati: esportazione del registro — CSV"
        assert describe_note(fields_note(["first_name", "tax_code", "nickname"])) == (
            "campi — nome, codice fiscale, nickname"
        )
        # Free text and notes written before notes were translated are shown as they are.
        assert describe_note("outcomes: ledger csv") == "outcomes: ledger csv"
        assert describe_note("100% — a, b") == "100% — a, b"
        assert describe_note(None) == ""
    with app.test_request_context(), force_locale("en"):
        assert describe_note(fields_note(["first_name"])) == "fields — first name"


def test_the_access_log_page_shows_notes_in_italian(client, auth, coordinator, operator, make_candidate):
    candidate = make_candidate(operator)
    update_candidate(candidate, identity_data={"last_name": "Nuovo"}, by=operator)
    stored = db.session.scalars(select(AccessLog.detail).where(AccessLog.detail.is_not(None))).all()
    assert fields_note(["last_name"]) in stored
    auth.login(coordinator)
    client.post("/profile", data={"full_name": coordinator.full_name, "locale": "it"})
    page = client.get("/candidates/access-log").get_data(as_text=True)
    assert "campi — cognome" in page
