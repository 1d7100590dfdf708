"""Personal access tokens: issuing, hashing, scopes, expiry, revocation, roles, the CLI and profile."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest

from crm.api.models import ApiToken, TokenScope
from crm.api.services import LAST_USED_RESOLUTION, TokenError, create_token, find_usable_token, revoke_token
from crm.auth.models import Role
from crm.db_types import utcnow
from crm.extensions import db


def test_create_token_stores_only_the_hash(op):
    """The secret comes back once; the database keeps its SHA-256 and a short prefix."""
    issued = create_token(op, name="report", scope=TokenScope.READ)
    assert issued.secret.startswith("crm_") and len(issued.secret) > 40
    row = db.session.get(ApiToken, issued.token.id)
    assert row.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in (row.token_hash, row.prefix, row.name)
    assert issued.secret.startswith(row.prefix)


def test_bearer_token_authenticates_and_marks_last_use(client, op, headers):
    """A valid token answers 200 with its owner; last_used_at is set."""
    response = client.get("/api/v1/me", headers=headers(op, "read"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == op.email and body["role"] == "operator"
    assert body["token"]["scope"] == "read"
    token = db.session.scalars(db.select(ApiToken)).one()
    assert token.last_used_at is not None


def test_last_used_is_not_written_on_every_request(op):
    """Within a minute of the last recorded use, a request writes nothing."""
    issued = create_token(op, name="busy")
    now = utcnow()
    assert find_usable_token(issued.secret, now=now) is not None
    first = issued.token.last_used_at
    find_usable_token(issued.secret, now=now + LAST_USED_RESOLUTION / 2)
    assert issued.token.last_used_at == first
    find_usable_token(issued.secret, now=now + LAST_USED_RESOLUTION * 2)
    assert issued.token.last_used_at > first


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_token"),
        ("Basic dXNlcjpwYXNz", "missing_token"),
        ("Bearer ", "missing_token"),
        ("Bearer crm_not-a-real-token", "invalid_token"),
        ("Bearer something-else", "invalid_token"),
    ],
)
def test_missing_or_wrong_token_is_401_json(client, op, header, code):
    """No token or a wrong one: 401 with a stable code and a WWW-Authenticate challenge."""
    response = client.get("/api/v1/organizations", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_does_not_authenticate_the_api(client, auth, operator):
    """A logged-in browser session is not an API credential."""
    auth.login(operator)
    response = client.get("/api/v1/organizations")
    assert response.status_code == 401
    assert response.get_json()["error"] == "missing_token"


def test_revoked_token_is_refused(client, op):
    """Revocation takes effect at once."""
    issued = create_token(op, name="old")
    revoke_token(issued.token, by=op)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_expired_token_is_refused(client, op):
    """A token past its expiry is refused like an unknown one."""
    issued = create_token(op, name="short", expires_at=utcnow() + timedelta(hours=1))
    issued.token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    assert response.status_code == 401


def test_token_of_deactivated_account_is_refused(client, op, headers):
    """Disabling an account disables its tokens."""
    auth_headers = headers(op)
    op.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=auth_headers).status_code == 401


def test_read_token_cannot_write(client, op, headers):
    """A read-scoped token gets 403 insufficient_scope on any write, before validation."""
    response = client.post("/api/v1/organizations", json={"legal_name": "X"}, headers=headers(op, "read"))
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"


def test_referrer_tokens_are_refused(client, staff):
    """Referrers (outside social workers) get no API access, even with a token made behind the back."""
    referrer = staff(Role.REFERRER)
    with pytest.raises(TokenError):
        create_token(referrer, name="nope")
    # A token that exists (e.g. made before a role change) is refused at the door.
    token = ApiToken(
        user_id=referrer.id,
        name="legacy",
        prefix="crm_xxxxxx",
        token_hash=hashlib.sha256(b"crm_legacy-secret").hexdigest(),
        scope=TokenScope.WRITE,
    )
    db.session.add(token)
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer crm_legacy-secret"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "role_not_allowed"


def test_create_token_refuses_past_expiry_and_empty_name(op):
    with pytest.raises(TokenError):
        create_token(op, name="  ")
    with pytest.raises(TokenError):
        create_token(op, name="x", expires_at=utcnow() - timedelta(days=1))


def test_only_the_owner_revokes(op, coord):
    issued = create_token(op, name="mine")
    with pytest.raises(TokenError):
        revoke_token(issued.token, by=coord)
    assert issued.token.revoked_at is None


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_create_prints_a_working_token(runner, client, op):
    """``flask tokens create EMAIL --scope write`` prints a token that works with that scope."""
    result = runner.invoke(args=["tokens", "create", op.email, "--scope", "write"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert re.fullmatch(r"crm_[A-Za-z0-9_-]{40,}", secret)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.get_json()["token"]["scope"] == "write"


def test_cli_create_defaults_to_read_and_rejects_unknown_email(runner, op):
    result = runner.invoke(args=["tokens", "create", op.email])
    assert result.exit_code == 0
    assert db.session.scalars(db.select(ApiToken)).one().scope is TokenScope.READ
    result = runner.invoke(args=["tokens", "create", "nobody@example.org"])
    assert result.exit_code != 0 and "No user" in result.output


def test_cli_list_and_revoke(runner, op):
    issued = create_token(op, name="script")
    listed = runner.invoke(args=["tokens", "list", op.email])
    assert issued.token.prefix in listed.output and issued.secret not in listed.output
    result = runner.invoke(args=["tokens", "revoke", op.email, str(issued.token.id)])
    assert result.exit_code == 0
    db.session.refresh(issued.token)
    assert issued.token.revoked_at is not None


# --- Profile page ---------------------------------------------------------------------------------


def test_profile_creates_shows_once_and_revokes(client, auth, staff):
    """The profile page issues a token (shown once), lists it by prefix, and revokes it."""
    user = staff(Role.OPERATOR)
    auth.login(user)
    page = client.get("/profile").get_data(as_text=True)
    assert "API access tokens" in page and "You have no tokens." in page
    response = client.post(
        "/profile/api-tokens/", data={"name": "Power BI", "scope": "write", "expires_on": ""}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = re.search(r'value="(crm_[^"]+)"', html).group(1)
    token = db.session.scalars(db.select(ApiToken)).one()
    assert token.scope is TokenScope.WRITE and token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    profile = client.get("/profile").get_data(as_text=True)
    assert token.prefix in profile and secret not in profile and "Power BI" in profile
    response = client.post(f"/profile/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_profile_token_form_errors_rerender(client, auth, staff):
    """A past expiry date re-renders the profile with the error; nothing is created."""
    user = staff(Role.OPERATOR)
    auth.login(user)
    response = client.post(
        "/profile/api-tokens/", data={"name": "x", "scope": "read", "expires_on": "2000-01-01"}
    )
    assert response.status_code == 200
    assert "Choose a day after today." in response.get_data(as_text=True)
    assert db.session.scalars(db.select(ApiToken)).first() is None


def test_cannot_revoke_someone_elses_token(client, auth, staff):
    owner = staff(Role.OPERATOR)
    issued = create_token(owner, name="theirs")
    auth.login(staff(Role.COORDINATOR))
    assert client.post(f"/profile/api-tokens/{issued.token.id}/revoke").status_code == 404
    db.session.refresh(issued.token)
    assert issued.token.revoked_at is None


def test_referrer_profile_has_no_token_section(client, auth, staff: Any):
    user = staff(Role.REFERRER)
    auth.login(user)
    response = client.post("/profile/api-tokens/", data={"name": "x", "scope": "read"})
    assert response.status_code == 403


def test_token_owner_wins_over_a_logged_in_session(client, auth, staff, headers):
    """A browser logged in as someone else does not change whose rights a token carries."""
    owner = staff(Role.OPERATOR)
    other = staff(Role.COORDINATOR)
    auth.login(other)
    body = client.get("/api/v1/me", headers=headers(owner, "read")).get_json()
    assert body["id"] == owner.id and body["role"] == "operator"
    # ...and the coordinator-only list stays closed to the operator's token.
    assert client.get("/api/v1/visit-plans", headers=headers(owner, "read")).status_code == 403
