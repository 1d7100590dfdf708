"""Personal access tokens: issue, list, revoke, and find the one a request presents.

A token is ``crm_`` followed by 43 URL-safe characters (256 random bits). Only its SHA-256 is stored:
the secret is shown once, when it is created. SHA-256 rather than a slow password hash because the
secret is random and long (nothing to brute-force) and every API request has to check it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.api.models import ApiToken, TokenScope
from crm.auth.models import Role, User
from crm.db_types import utcnow
from crm.extensions import db

TOKEN_PREFIX = "crm_"  # noqa: S105 - the visible prefix of every token, not a secret
#: How many characters of the secret (after ``crm_``) the profile page shows to recognise a token.
SHOWN_CHARACTERS = 6
#: ``last_used_at`` is written at most this often per token: a busy client must not turn every read
#: into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKENS_PER_USER = 20


class TokenError(ValueError):
    """A token cannot be created or revoked as asked."""


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the stored row and the secret, which is never available again."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def may_use_api(user: User) -> bool:
    """Active staff only: the API gives staff rights, so roles below operator (referrers) get none."""
    return bool(user.active and user.has_role(Role.OPERATOR))


def create_token(
    user: User,
    *,
    name: str,
    scope: TokenScope = TokenScope.READ,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """Issue a token for ``user``; the secret is in the result only.

    :raises TokenError: for an account that may not use the API, an empty name, an expiry in the
        past or too many active tokens.
    """
    now = now or utcnow()
    name = " ".join((name or "").split())[:80]
    if not may_use_api(user):
        raise TokenError("this account may not use the API")
    if not name:
        raise TokenError("a token needs a name")
    if expires_at is not None and expires_at <= now:
        raise TokenError("the expiry date is in the past")
    if len(active_tokens(user, now=now)) >= MAX_TOKENS_PER_USER:
        raise TokenError("too many active tokens")
    body = secrets.token_urlsafe(32)
    secret = TOKEN_PREFIX + body
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=TOKEN_PREFIX + body[:SHOWN_CHARACTERS],
        token_hash=hash_token(secret),
        scope=TokenScope(scope),
        expires_at=expires_at,
        created_at=now,
    )
    db.session.add(token)
    db.session.commit()
    return IssuedToken(token=token, secret=secret)


def tokens_of(user: User) -> list[ApiToken]:
    """All of ``user``'s tokens, newest first (revoked and expired ones too, for the record)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def active_tokens(user: User, *, now: datetime | None = None) -> list[ApiToken]:
    now = now or utcnow()
    return [t for t in tokens_of(user) if t.is_usable(now)]


def revoke_token(token: ApiToken, *, by: User) -> None:
    """Revoke ``token`` at once. Only its owner may (an administrator disables the account instead).

    :raises TokenError: when ``by`` is not the owner.
    """
    if token.user_id != by.id:
        raise TokenError("only the owner may revoke a token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()


def find_usable_token(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The token with this secret if it is neither revoked nor expired; marks it used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    now = now or utcnow()
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret)).options(selectinload(ApiToken.user))
    ).first()
    if token is None or not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token
