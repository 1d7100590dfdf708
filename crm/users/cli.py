"""``flask --app crm users …``: manage staff accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from crm.auth.models import Role
from crm.auth.services import AccountError, create_user


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
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise click.BadParameter(f"{email!r} is not an e-mail address.", param_hint="EMAIL")
    try:
        user = create_user(
            email, full_name or email.split("@")[0], password, Role(role), locale=locale
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.email} ({user.role.value}).")
