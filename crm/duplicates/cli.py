"""``flask --app crm duplicates …``: find organizations recorded twice from the command line."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.group("duplicates", help="Find organizations that may be recorded twice.")
def duplicates_cli() -> None:
    pass


@duplicates_cli.command("find")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Print at most this many pairs, best first (0: all).")
@click.option("--comune", "comune", default=None, help="Only pairs with an organization in this comune.")
@with_appcontext
def find_command(limit: int, comune: str | None) -> None:
    """Print the candidate pairs with their score and reasons (dismissed pairs are left out)."""
    from flask_babel import force_locale

    from crm.duplicates.forms import reason_text
    from crm.duplicates.services import DuplicateFilters, find_duplicates, summaries
    from crm.reference.places import comune_by_name, comune_name

    comune_code = None
    if comune:
        found = comune_by_name(comune)
        if found is None:
            raise click.BadParameter(f"unknown comune: {comune}", param_hint="--comune")
        comune_code = found.istat_code
    started = time.perf_counter()
    pairs = find_duplicates(DuplicateFilters(comune_code=comune_code))
    elapsed = time.perf_counter() - started
    shown = pairs[:limit] if limit else pairs
    orgs = summaries(i for pair in shown for i in pair.ids)

    def describe(org_id: int) -> str:
        org = orgs[org_id].organization
        place = comune_name(org.comune_code) or "?"
        return f"#{org.id} {org.display_name} ({place})"

    with force_locale("en"):
        for pair in shown:
            reasons = "; ".join(reason_text(r) for r in pair.reasons)
            click.echo(f"{pair.score:3d}  {describe(pair.first_id)}  <->  {describe(pair.second_id)}")
            click.echo(f"     {reasons}")
    more = f", {len(shown)} shown" if len(shown) < len(pairs) else ""
    click.echo(f"{len(pairs)} candidate pairs{more} ({elapsed:.1f} s).")
