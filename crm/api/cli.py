"""``flask --app crm tokens …``: issue, list and revoke API tokens from the command line."""

from __future__ import annotations

from datetime import UTC, datetime, time

import click
from flask.cli import AppGroup

from crm.api.models import TokenScope
from crm.api.services import TokenError, create_token, revoke_token, tokens_of
from crm.auth.services import find_user_by_email
from crm.db_types import utcnow

tokens_cli = AppGroup("tokens", help="Personal access tokens for the REST API.")


def _user(email: str):  # type: ignore[no-untyped-def]
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    return user


@tokens_cli.command("create")
@click.argument("email")
@click.option("--scope", type=click.Choice([s.value for s in TokenScope]), default="read", show_default=True)
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day it works (UTC).")
def create_command(email: str, scope: str, name: str, expires: datetime | None) -> None:
    """Create a token for EMAIL and print it (it cannot be shown again)."""
    user = _user(email)
    expires_at = datetime.combine(expires.date(), time(23, 59, 59), UTC) if expires else None
    try:
        issued = create_token(user, name=name, scope=TokenScope(scope), expires_at=expires_at)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(issued.secret)


@tokens_cli.command("list")
@click.argument("email")
def list_command(email: str) -> None:
    """List EMAIL's tokens (never the secrets)."""
    now = utcnow()
    for token in tokens_of(_user(email)):
        state = "active" if token.is_usable(now) else ("revoked" if token.revoked_at else "expired")
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        click.echo(
            f"{token.id}\t{token.prefix}…\t{token.scope.value}\t{state}\tlast used {used}\t{token.name}"
        )


@tokens_cli.command("revoke")
@click.argument("email")
@click.argument("token_id", type=int)
def revoke_command(email: str, token_id: int) -> None:
    """Revoke EMAIL's token TOKEN_ID (see ``tokens list``)."""
    user = _user(email)
    token = next((t for t in tokens_of(user) if t.id == token_id), None)
    if token is None:
        raise click.ClickException(f"{email} has no token {token_id}.")
    try:
        revoke_token(token, by=user)
    except TokenError as exc:  # pragma: no cover - the owner always may
        raise click.ClickException(str(exc)) from None
    click.echo(f"Revoked {token.prefix}….")
