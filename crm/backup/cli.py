"""``flask --app crm backup create|restore``: copies of the database, taken and put back while it runs."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

backup_cli = AppGroup("backup", help="Back up and restore the database (SQLite or PostgreSQL).")


@backup_cli.command("create")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file (default: instance/backups/crm-DATE-TIME.sqlite3 or .dump).",
)
def create_command(output: Path | None) -> None:
    """Write a consistent backup of the database (the app may keep running)."""
    from crm.backup.services import BackupError, create_backup, default_backup_path

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = output or default_backup_path(Path(current_app.instance_path) / "backups", url)
    try:
        path = create_backup(url, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {path} ({path.stat().st_size:,} bytes).")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that the database's current content is to be replaced.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup FILE (asks for confirmation unless --yes).

    Stop the web server and the workers first; run `flask --app crm db upgrade` afterwards if the
    backup is older than the code.
    """
    from crm.backup.services import BackupError, restore_backup
    from crm.extensions import db
    from crm.planner_statistics import refresh_planner_statistics

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = db.engine.url.render_as_string(hide_password=True)
    if not yes and not click.confirm(f"Replace ALL the data in {target} with {file}?", default=False):
        raise click.ClickException(
            "Restore cancelled: nothing was changed (pass --yes to skip this question)."
        )
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep the old data or hold a lock
    try:
        restore_backup(url, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    db.engine.dispose()
    # pg_dump does not carry the planner's statistics: without them the first queries guess.
    refresh_planner_statistics(db.engine)
    click.echo(f"Database restored from {file}.")
    _warn_if_behind()


def _warn_if_behind() -> None:
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from crm.extensions import db

    try:
        with db.engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        directory = current_app.extensions["migrate"].directory
        head = ScriptDirectory(directory).get_current_head()
    except Exception:  # a hint only: never fail a finished restore over it
        return
    if current != head:
        click.echo(
            f"The backup is at migration {current}, the code at {head}: run `flask --app crm db upgrade`.",
            err=True,
        )
