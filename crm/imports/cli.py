"""``flask --app crm organizations import FILE``: import organizations from a CSV or XLSX file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

#: Detail lines printed per section (rejects, duplicates, warnings); ``--report`` has every reject.
SHOWN = 20


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Work everything out and print it, but write nothing.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the rejected rows to this CSV (original columns + line + reason), to fix and re-import.",
)
@click.option("--as", "as_email", metavar="EMAIL", help="The staff member the import is recorded as.")
@click.option("--sheet", help="XLSX only: the sheet to read (default: the first one).")
@with_appcontext
def import_command(
    file: Path, dry_run: bool, report: Path | None, as_email: str | None, sheet: str | None
) -> None:
    """Import organizations from FILE (CSV or XLSX, Italian or English column names).

    Each row is imported, updated (same Partita IVA, or same name in the same comune), flagged as a
    possible duplicate (a similar name in the same comune: not imported), or rejected with its line
    and reason. Importing the same file again changes nothing. The last line printed ends with the
    counts: imported N, updated N, duplicates N, rejected N.
    """
    from flask_babel import force_locale
    from sqlalchemy import func, select

    from crm.auth.models import User
    from crm.extensions import db
    from crm.imports.messages import describe_all, describe_file_error
    from crm.imports.models import RowOutcome
    from crm.imports.parsing import ImportFileError, read_table
    from crm.imports.services import (
        InvalidMappingError,
        MissingNameColumnError,
        import_table,
        rejects_csv,
    )

    user = None
    if as_email:
        user = db.session.scalar(select(User).where(func.lower(User.email) == as_email.strip().lower()))
        if user is None:
            raise click.BadParameter(f"no user with e-mail {as_email}", param_hint="--as")

    # Commands speak English: their output goes to logs and to people fixing files.
    with force_locale("en"):
        try:
            table = read_table(file, sheet=sheet)
        except ImportFileError as exc:
            raise click.ClickException(
                f"{file.name}: {describe_file_error(exc.code, exc.detail)}"
            ) from None
        where = f"sheet {table.sheet!r}" if table.format == "xlsx" else (
            f"{table.encoding}, delimiter {table.delimiter!r}"
        )
        click.echo(f"Reading {file.name} ({table.format.upper()}, {where}): {len(table.rows)} rows.")
        try:
            result = import_table(
                table,
                file_name=file.name,
                user=user,
                dry_run=dry_run,
                source="cli",
                region=current_app.config.get("DEFAULT_PHONE_REGION", "IT"),
            )
        except MissingNameColumnError:
            raise click.ClickException(
                f"{file.name}: no column holds the organization's name (e.g. 'Ragione sociale', "
                f"'Denominazione', 'Name'). Columns found: {', '.join(table.headers) or 'none'}."
            ) from None
        except InvalidMappingError as exc:  # pragma: no cover - the automatic mapping is valid
            raise click.ClickException(str(exc)) from None

        pairs = [f"{h} → {m}" for h, m in zip(result.columns, result.mapping, strict=True) if m]
        click.echo("Columns: " + ", ".join(pairs))
        if result.unmapped:
            click.echo("Unmapped columns (ignored): " + ", ".join(result.unmapped))
        sections = (
            (RowOutcome.REJECTED, "Rejected"),
            (RowOutcome.DUPLICATE, "Possible duplicates (not imported)"),
            (RowOutcome.WARNING, "Kept with warnings"),
        )
        for outcome, title in sections:
            rows = result.rows_with(outcome)
            if not rows:
                continue
            click.echo(f"{title}: {len(rows)}")
            for row in rows[:SHOWN]:
                name = f" {row.name}:" if row.name else ""
                click.echo(f"  line {row.line}:{name} {describe_all(row.reasons)}")
            if len(rows) > SHOWN:
                click.echo(f"  … and {len(rows) - SHOWN} more")
        if report is not None:
            rejected = result.rows_with(RowOutcome.REJECTED)
            report.write_bytes(
                rejects_csv(
                    result.columns,
                    rejected,
                    describe=describe_all,
                    delimiter=table.delimiter or ";",
                )
            )
            click.echo(f"Rejected rows written to {report} ({len(rejected)}).")
        click.echo(f"Warnings: {result.warnings} rows kept without some of their values.")
        prefix = "Dry run, nothing written" if dry_run else f"Import #{result.run_id}"
        click.echo(f"{prefix} ({file.name}, {result.seconds:.1f} s): {result.summary()}")
