"""``flask --app crm openings …``: ranked candidates for an opening, in the terminal."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("openings")
def openings_cli() -> None:
    """Openings at organizations."""


@openings_cli.command("match")
@click.argument("opening_id", type=int)
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@with_appcontext
def match_command(opening_id: int, top: int) -> None:
    """Print the candidates ranked for OPENING_ID, with the reasons (pseudonymous codes only)."""
    from crm.extensions import db
    from crm.openings.models import Opening
    from crm.openings.reasons import describe
    from crm.openings.services import match_candidates

    opening = db.session.get(Opening, opening_id)
    if opening is None:
        raise click.ClickException(f"No opening {opening_id}.")
    click.echo(f"{opening.title} – {opening.organization.display_name} ({opening.contract.value})")
    ranked = match_candidates(opening, top=top)
    if not ranked:
        click.echo("No active candidate.")
        return
    for n, match in enumerate(ranked, start=1):
        flag = "  [!]" if match.problems else ""
        click.echo(f"{n:>3}. {match.candidate.code}  {match.score:>3}/100{flag}")
        for reason in match.reasons:
            mark = {True: "+", False: "!", None: "·"}[reason.ok]
            click.echo(f"       {mark} {describe(reason)}")
