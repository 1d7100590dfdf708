"""Encryption at rest, pseudonymous codes, duplicate referrals, the access log and the audit redaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError

from crm.audit.models import ChangeLog
from crm.auth.models import Role
from crm.candidates.services import (
    CandidatePermissionError,
    DuplicateReferralError,
    read_sensitive_notes,
    reveal_identity,
    update_candidate,
    update_sensitive_notes,
)
from crm.extensions import db
from crm.privacy.crypto import DecryptionError, decrypt_text, encrypt_text, tax_code_digest
from crm.privacy.models import AccessAction, AccessLog, FieldGroup
from tests.candidates.conftest import TAX_CODES


def test_encryption_round_trips_and_is_bound_to_its_field(app):
    """A value decrypts for its own field only, and two encryptions of it differ."""
    token = encrypt_text("Maria Rossi", context="candidate.identity")
    assert "Maria" not in token
    assert token != encrypt_text("Maria Rossi", context="candidate.identity")
    assert decrypt_text(token, context="candidate.identity") == "Maria Rossi"
    with pytest.raises(DecryptionError):
        decrypt_text(token, context="candidate.sensitive")


def test_deterministic_encryption_is_reproducible_for_fixtures(app):
    """The demo's seeded encryption gives the same ciphertext for the same input, another for another."""
    a = encrypt_text("x", context="c", deterministic=b"1")
    assert a == encrypt_text("x", context="c", deterministic=b"1")
    assert a != encrypt_text("y", context="c", deterministic=b"1")
    assert decrypt_text(a, context="c") == "x"


def test_identity_is_stored_only_encrypted(coordinator, make_candidate):
    """Neither the name nor the codice fiscale appears in the candidate's row."""
    candidate = make_candidate(
        coordinator, first_name="Mariella", last_name="Zanobini", tax_code=TAX_CODES[0]
    )
    row = (
        db.session.execute(text("SELECT * FROM candidate WHERE id = :id"), {"id": candidate.id})
        .mappings()
        .one()
    )
    dump = repr(dict(row))
    assert "Mariella" not in dump and "Zanobini" not in dump and TAX_CODES[0] not in dump
    assert row["tax_code_hash"] == tax_code_digest(TAX_CODES[0])
    assert len(row["tax_code_hash"]) == 64


def test_codes_follow_the_referral_year_and_sequence(coordinator, make_candidate):
    """Codes read C-YYYY-NNNN, numbered per year of referral."""
    from datetime import date

    first = make_candidate(coordinator)
    second = make_candidate(coordinator)
    other_year = make_candidate(coordinator, referred_on=date(2025, 12, 30))
    assert (first.code, second.code) == ("C-2026-0001", "C-2026-0002")
    assert other_year.code == "C-2025-0001"
    assert str(first) == first.code and "Nome" not in repr(first)


def test_duplicate_referral_is_caught_by_the_keyed_hash(coordinator, make_candidate):
    """The same codice fiscale (any spacing or case) is refused, naming the existing code, and logged."""
    existing = make_candidate(coordinator, tax_code=TAX_CODES[0])
    with pytest.raises(DuplicateReferralError) as caught:
        make_candidate(coordinator, tax_code=TAX_CODES[0].lower()[:8] + " " + TAX_CODES[0].lower()[8:])
    assert caught.value.existing.id == existing.id
    log = db.session.scalars(select(AccessLog).where(AccessLog.action == AccessAction.DUPLICATE_MATCH)).one()
    assert log.candidate_id == existing.id


def test_keyed_hash_depends_on_the_key(app):
    """Without the key, the hash cannot be recomputed from a guessed codice fiscale."""
    import hashlib

    assert tax_code_digest(TAX_CODES[0]) != hashlib.sha256(TAX_CODES[0].encode()).hexdigest()
    app.extensions.pop("crm_privacy_keys", None)
    before = tax_code_digest(TAX_CODES[0])
    app.config["ENCRYPTION_KEY"] = "A" * 43 + "="
    app.extensions.pop("crm_privacy_keys", None)
    try:
        assert tax_code_digest(TAX_CODES[0]) != before
    finally:
        app.config.pop("ENCRYPTION_KEY")
        app.extensions.pop("crm_privacy_keys", None)


def test_reading_identity_checks_rights_and_logs(operator, make_user, coordinator, make_candidate):
    """The follower and coordinators read the identity (logged); another operator and admins cannot."""
    other = make_user(Role.OPERATOR)
    admin = make_user(Role.ADMIN)
    candidate = make_candidate(operator, first_name="Giulia")
    assert reveal_identity(candidate, by=operator).first_name == "Giulia"
    assert reveal_identity(candidate, by=coordinator).first_name == "Giulia"
    for outsider in (other, admin):
        with pytest.raises(CandidatePermissionError):
            reveal_identity(candidate, by=outsider)
    views = db.session.scalars(
        select(AccessLog).where(AccessLog.action == AccessAction.VIEW).order_by(AccessLog.id)
    ).all()
    assert [(v.user_id, v.field_group) for v in views] == [
        (operator.id, FieldGroup.IDENTITY),
        (coordinator.id, FieldGroup.IDENTITY),
    ]


def test_sensitive_notes_need_a_reason_and_are_logged(operator, make_candidate):
    """Showing or changing sensitive notes requires a reason, and both are logged with it."""
    from crm.candidates.services import CandidateError

    candidate = make_candidate(operator)
    update_sensitive_notes(candidate, {"health": "Diabete"}, by=operator, reason="colloquio")
    with pytest.raises(CandidateError):
        read_sensitive_notes(candidate, by=operator, reason=" ")
    notes = read_sensitive_notes(candidate, by=operator, reason="preparare il tirocinio")
    assert notes.health == "Diabete"
    logs = db.session.scalars(select(AccessLog).where(AccessLog.field_group == FieldGroup.SENSITIVE)).all()
    assert [(log.action, log.reason) for log in logs] == [
        (AccessAction.CHANGE, "colloquio"),
        (AccessAction.SHOW_SENSITIVE, "preparare il tirocinio"),
    ]
    assert "Diabete" not in (candidate.sensitive_encrypted or "")


def test_change_history_redacts_identity_and_sensitive_fields(operator, make_candidate):
    """ChangeLog rows of a candidate never hold ciphertext, names or the hash."""
    candidate = make_candidate(operator, first_name="Ottavia", tax_code=TAX_CODES[1])
    update_candidate(
        candidate,
        by=operator,
        identity_data={
            "first_name": "Ottavia",
            "last_name": "Nuovo",
            "tax_code": TAX_CODES[2],
            "comune_code": "048017",
        },
    )
    update_sensitive_notes(candidate, {"legal": "Misura alternativa"}, by=operator, reason="aggiornamento")
    rows = db.session.scalars(select(ChangeLog).where(ChangeLog.entity_type == "candidate")).all()
    assert rows
    dump = repr([r.changes for r in rows])
    assert "v1." not in dump and "Ottavia" not in dump and tax_code_digest(TAX_CODES[2]) not in dump
    assert any("identity_encrypted" in r.changes for r in rows)
    change = db.session.scalars(
        select(AccessLog).where(
            AccessLog.action == AccessAction.CHANGE, AccessLog.field_group == FieldGroup.IDENTITY
        )
    ).one()
    assert change.detail == "fields — last_name, tax_code"


def test_access_log_rows_cannot_be_changed(operator, make_candidate):
    """The database refuses an UPDATE of the access log."""
    candidate = make_candidate(operator)
    reveal_identity(candidate, by=operator)
    with pytest.raises(DatabaseError):
        db.session.execute(update(AccessLog).values(reason="tampered"))
        db.session.flush()
    db.session.rollback()
