"""Back up and restore the database: SQLite's online backup API, ``pg_dump``/``pg_restore`` for PostgreSQL.

Both work while the app runs. A SQLite backup is a consistent copy of the database file (readers and
writers may go on meanwhile); a PostgreSQL backup is a ``pg_dump`` custom-format archive (one
consistent snapshot), restored with ``pg_restore --clean --single-transaction``, so a failed restore
changes nothing. Restoring replaces every table's content with the backup's.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # pg_dump/pg_restore with fixed arguments, no shell
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


def default_backup_path(folder: Path, url: str, now: datetime | None = None) -> Path:
    """``folder/crm-YYYYMMDD-HHMMSS.sqlite3`` (or ``.dump`` for PostgreSQL)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = ".sqlite3" if make_url(url).get_backend_name() == "sqlite" else ".dump"
    return folder / f"crm-{stamp}{suffix}"


def create_backup(url: str, target: Path) -> Path:
    """Write a backup of the database at ``url`` to ``target`` (which must not exist yet).

    :raises BackupError: for an in-memory database, an existing target, a missing ``pg_dump`` or a
        failed dump (the partial file is removed).
    """
    parsed = make_url(url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists: choose another file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            _sqlite_copy(_sqlite_path(parsed), target)
        elif backend == "postgresql":
            options = ["--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
            _run_pg("pg_dump", options, parsed)
        else:
            raise BackupError(f"cannot back up a {backend} database (only SQLite and PostgreSQL).")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    os.chmod(target, 0o600)  # the backup holds everything the database holds
    return target


def restore_backup(url: str, source: Path) -> None:
    """Replace the content of the database at ``url`` with the backup ``source``.

    :raises BackupError: when ``source`` is not a backup of the same kind of database, or the
        restore fails (PostgreSQL then keeps its previous content: one transaction).
    """
    parsed = make_url(url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    with source.open("rb") as f:
        header = f.read(16)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if header != SQLITE_HEADER:
            raise BackupError(f"{source} is not a SQLite backup.")
        _check_sqlite_backup(source)
        _sqlite_copy(source, _sqlite_path(parsed))
    elif backend == "postgresql":
        if not header.startswith(PG_DUMP_HEADER):
            raise BackupError(f"{source} is not a pg_dump custom-format backup.")
        _run_pg(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", str(source)],
            parsed,
            database_option="--dbname",
        )
    else:
        raise BackupError(f"restoring {backend} databases is not supported.")


def backup_revision(source: Path) -> str | None:
    """The Alembic revision a SQLite backup was made at (None if it has none)."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
    return str(row[0]) if row else None


def _sqlite_path(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _check_sqlite_backup(source: Path) -> None:
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"{source} is damaged (SQLite integrity check: {result and result[0]}).")
    if backup_revision(source) is None:
        raise BackupError(f"{source} is not a backup of this application (no alembic_version table).")


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy page by page with SQLite's online backup API (consistent while others read and write)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from None
    finally:
        dst.close()
        src.close()


def _run_pg(program: str, args: list[str], url: URL, *, database_option: str = "--dbname") -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} was not found: install the PostgreSQL client (postgresql-client).")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not in argv, where `ps` would show it
    libpq_url = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    # Fixed program and options; the URL is the app's own configuration, never user input.
    completed = subprocess.run(  # noqa: S603  # nosec B603
        [executable, *args, f"{database_option}={libpq_url}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BackupError(f"{program} failed ({completed.returncode}): {completed.stderr.strip()[-2000:]}")
