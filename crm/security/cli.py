"""``flask --app crm security …``: account lock-outs."""

from __future__ import annotations

import click
from flask.cli import AppGroup

security_cli = AppGroup("security", help="Log-in protection: see and lift account lock-outs.")


@security_cli.command("unlock")
@click.argument("email")
def unlock_command(email: str) -> None:
    """Let the account EMAIL log in again at once (after too many wrong passwords)."""
    from crm.auth.services import find_user_by_email
    from crm.extensions import db
    from crm.security.lockout import record_success

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    was_locked = user.locked_until is not None
    record_success(user)
    db.session.commit()
    click.echo(f"{email}: unlocked." if was_locked else f"{email} was not locked; failed attempts reset.")


@security_cli.command("locked")
def locked_command() -> None:
    """List the accounts locked now, with the time the lock ends (UTC)."""
    from sqlalchemy import select

    from crm.auth.models import User
    from crm.db_types import utcnow
    from crm.extensions import db

    users = db.session.scalars(select(User).where(User.locked_until > utcnow()).order_by(User.email)).all()
    for user in users:
        click.echo(f"{user.email}\tuntil {user.locked_until:%Y-%m-%d %H:%M}")
    if not users:
        click.echo("No account is locked.")
