"""``flask --app crm candidates …``: the retention sweep, a new encryption key, the skill list."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import with_appcontext


@click.group("candidates")
def candidates_cli() -> None:
    """Candidates: data retention and privacy tools."""


@candidates_cli.command("retention")
@click.option("--erase", "do_erase", is_flag=True, help="Erase the listed profiles (otherwise only list).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, hidden=True)
@with_appcontext
def retention_command(do_erase: bool, today: datetime | None) -> None:
    """List the profiles past their review date; with --erase, erase them (identity and sensitive
    data destroyed, pseudonymous outcomes kept). Prints codes only, never names."""
    from crm.candidates.services import review_due
    from crm.privacy.gdpr import erase_candidate

    day = today.date() if today else date.today()
    due = review_due(day)
    if not due:
        click.echo("No profile is past its review date.")
        return
    for candidate in due:
        click.echo(
            f"{candidate.code}\treview date {candidate.review_on.isoformat()}\t{candidate.status.value}"
        )
    if not do_erase:
        click.echo(f"{len(due)} profile(s) past their review date. Run again with --erase to erase them.")
        return
    for candidate in due:
        erase_candidate(
            candidate, by=None, reason=f"retention: review date {candidate.review_on.isoformat()} passed"
        )
    click.echo(f"Erased {len(due)} profile(s).")


@candidates_cli.command("generate-key")
def generate_key_command() -> None:
    """Print a new random value for CRM_ENCRYPTION_KEY."""
    from crm.privacy.crypto import generate_key

    click.echo(generate_key())


@candidates_cli.command("add-skills")
@click.argument("names", nargs=-1, required=True)
@with_appcontext
def add_skills_command(names: tuple[str, ...]) -> None:
    """Add skills to the controlled list (existing names are reactivated)."""
    from sqlalchemy import func, select

    from crm.candidates.models import Skill
    from crm.extensions import db

    for name in names:
        clean = " ".join(name.split())[:80]
        skill = db.session.scalars(select(Skill).where(func.lower(Skill.name) == clean.lower())).first()
        if skill is None:
            db.session.add(Skill(name=clean, active=True))
        else:
            skill.active = True
    db.session.commit()
    click.echo(f"{len(names)} skill(s) on the list.")
