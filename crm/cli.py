"""Command-line groups, registered on the app (``flask --app crm …``)."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    from crm.api.cli import tokens_cli
    from crm.backup.cli import backup_cli
    from crm.candidates.cli import candidates_cli
    from crm.demo.cli import demo_data_command
    from crm.duplicates.cli import duplicates_cli
    from crm.exports.cli import export_command
    from crm.jobs.cli import jobs_cli
    from crm.openings.cli import openings_cli
    from crm.organizations.cli import organizations_cli
    from crm.security.cli import security_cli
    from crm.users.cli import users_cli
    from crm.visits.cli import visits_cli

    app.cli.add_command(backup_cli)
    app.cli.add_command(candidates_cli)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(duplicates_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(security_cli)
    app.cli.add_command(openings_cli)
    app.cli.add_command(organizations_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    visits_cli.add_command(export_command)
    app.cli.add_command(visits_cli)
    app.cli.add_command(optimize_command)


@click.command("optimize")
def optimize_command() -> None:
    """Refresh the database's query-planner statistics.

    The application does it after its own bulk writes (demo data, imports, restores); run this
    after changes made outside it, or weekly from cron on SQLite (PostgreSQL's autovacuum keeps
    them fresh on its own).
    """
    from crm.extensions import db
    from crm.planner_statistics import refresh_planner_statistics

    seconds = refresh_planner_statistics(db.engine)
    click.echo(f"Statistics refreshed in {seconds:.1f} s.")
