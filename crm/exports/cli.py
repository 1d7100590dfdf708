"""``flask --app crm visits export``: a person's visits as a file (registered on the visits group)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from crm.auth.models import User
from crm.exports import services
from crm.extensions import db


@click.command("export")
@click.option("--staff", "email", required=True, help="E-mail of the staff member.")
@click.option("--date", "day", required=True, help="First day (YYYY-MM-DD).")
@click.option("--days", type=click.IntRange(1, services.MAX_EXPORT_DAYS), default=1, show_default=True)
@click.option("--format", "fmt", type=click.Choice(services.FORMATS), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (default: stdout).")
@with_appcontext
def export_command(email: str, day: str, days: int, fmt: str, output: str | None) -> None:
    """Export planned visits as ics, vcf, gpx, kml, csv or pdf (the day sheet)."""
    try:
        first = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"{day!r} is not a date: use YYYY-MM-DD", param_hint="--date") from None
    user = db.session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"Unknown staff member: {email}")
    export = services.export_file(user, first, days, fmt)
    if output:
        with open(output, "wb") as fh:
            fh.write(export.content)
        click.echo(f"Wrote {output}", err=True)
    else:
        # Bytes as written (UTF-8, CRLF where the format wants it), whatever the terminal's encoding.
        click.echo(export.content, nl=False)
