"""``flask --app crm organizations …``: bulk work on organizations from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from crm.imports.cli import import_command
from crm.ranking.cli import rank_command


@click.group("organizations", help="Import, geocode and maintain organizations.")
def organizations_cli() -> None:
    pass


# The import command lives with the import feature (crm/imports/cli.py).
organizations_cli.add_command(import_command)
# The ranking command lives with the ranking feature (crm/ranking/cli.py).
organizations_cli.add_command(rank_command)


@organizations_cli.command("geocode")
@click.option("--missing-only", is_flag=True, help="Only organizations that have no coordinates yet.")
@click.option(
    "--offline",
    is_flag=True,
    help="Use only the bundled gazetteer (comune and CAP centres): no network at all.",
)
@with_appcontext
def geocode_command(missing_only: bool, offline: bool) -> None:
    """Give every organization a location: exact from its address when the geocoder knows it,
    approximate (CAP or comune centre) otherwise. Safe to interrupt and run again."""
    from crm.geocoding.services import build_geocoder, geocode_organizations, organizations_to_geocode

    ids = list(organizations_to_geocode(missing_only=missing_only))
    if not ids:
        click.echo("Nothing to geocode: every organization already has a location.")
        return
    geocoder = None if offline else build_geocoder(current_app.config)
    with click.progressbar(length=len(ids), label="Geocoding", show_pos=True) as bar:
        run = geocode_organizations(ids, geocoder=geocoder, progress=bar.update)
    detail = ", ".join(f"{name} {count}" for name, count in sorted(run.by_precision.items()))
    click.echo(f"Geocoded {run.processed} organizations ({detail or 'none placed'}).")
    if run.unplaced:
        click.echo(f"{run.unplaced} could not be placed: their comune is missing or unknown.", err=True)
