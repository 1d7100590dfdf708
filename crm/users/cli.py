"""``flask --app crm users …``: manage staff accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from crm.auth.models import Role
from crm.auth.services import AccountError, find_user_by_email
from crm.users.services import create_account, list_users, normalise_staff_email, set_user_password


def _message(exc: Exception) -> str:
    """The error's (lazily translated) text in English, the language of the command line.

    Outside a request the app's locale selector cannot run, so the locale is fixed here.
    """
    with force_locale("en"):
        return str(exc)


@click.group("users", help="Manage staff accounts.")
def users_cli() -> None:
    pass


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.OPERATOR.value,
    show_default=True,
    help="What the account may do.",
)
@click.option("--name", "full_name", default=None, help="Full name (default: the e-mail's local part).")
@click.option("--locale", type=click.Choice(["it", "en"]), default="it", show_default=True)
@click.password_option(help="The password (asked twice if not given).")
@with_appcontext
def create_command(email: str, role: str, full_name: str | None, locale: str, password: str) -> None:
    """Create a staff account with EMAIL as its login."""
    try:
        email = normalise_staff_email(email)
    except AccountError as exc:
        raise click.BadParameter(_message(exc), param_hint="EMAIL") from exc
    try:
        user = create_account(email, full_name or "", password, Role(role), locale=locale)
    except AccountError as exc:
        raise click.ClickException(_message(exc)) from exc
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List the staff accounts."""
    users = list_users()
    if not users:
        click.echo("No staff accounts yet. Create one with: flask --app crm users create EMAIL --role admin")
        return
    header = ("E-mail", "Name", "Role", "Office", "Active", "Last login")
    rows = [
        (
            u.email,
            u.full_name,
            u.role.value,
            u.office.name if u.office else "-",
            "yes" if u.active else "no",
            u.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_login_at else "never",
        )
        for u in users
    ]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(help="The new password (asked twice if not given).")
@with_appcontext
def set_password_command(email: str, password: str) -> None:
    """Set a new password for the account EMAIL."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail {email.strip()!r}.")
    try:
        set_user_password(user, password)
    except AccountError as exc:
        raise click.ClickException(_message(exc)) from exc
    click.echo(f"Password changed for {user.email}.")
