"""``flask backup create`` then ``flask backup restore``: the data comes back exactly (SQLite, and
PostgreSQL when the suite runs on it)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from crm.auth.models import Role, User
from crm.backup.services import BackupError, create_backup, default_backup_path, restore_backup
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobStatus
from crm.organizations.models import Organization


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    db.session.remove()
    data = {}
    for table in db.metadata.sorted_tables:
        query = select(table).order_by(*table.primary_key.columns)
        data[table.name] = [tuple(row) for row in db.session.execute(query)]
    db.session.remove()
    return data


@pytest.fixture
def some_data(make_user, make_org) -> None:
    owner = make_user(Role.COORDINATOR, full_name="Carla Bianchi")
    for n in range(3):
        make_org(owner, legal_name=f"Officina {n} S.r.l.", comune_code="048017", latitude=43.77 + n / 100,
                 longitude=11.25)
    db.session.add(BackgroundJob(kind="geocoding.batch", status=JobStatus.SUCCEEDED, progress=100,
                                 params={"missing_only": True}, result={"processed": 3}, user_id=owner.id))
    db.session.commit()


def _mutate() -> None:
    db.session.delete(db.session.scalars(select(Organization)).first())
    db.session.add(Organization(legal_name="Nuova dopo il backup", kind="company", status="prospect"))
    db.session.scalars(select(User)).first().full_name = "Changed"
    db.session.commit()


def test_backup_round_trip_brings_back_the_same_data(runner, tmp_path, some_data):
    """create → change the data → restore --yes: every table equals what it was at backup time."""
    before = snapshot()
    assert before["organization"] and before["background_job"]
    target = tmp_path / "backups" / "crm.bak"
    created = runner.invoke(args=["backup", "create", "-o", str(target)])
    assert created.exit_code == 0, created.output
    assert "Backup written to" in created.output and target.stat().st_size > 0
    assert target.stat().st_mode & 0o077 == 0  # readable by its owner only

    _mutate()
    assert snapshot() != before

    cancelled = runner.invoke(args=["backup", "restore", str(target)], input="n\n")
    assert cancelled.exit_code != 0 and "nothing was changed" in cancelled.output
    assert snapshot() != before

    restored = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "Database restored" in restored.output
    assert snapshot() == before


def test_create_refuses_to_overwrite_and_names_files_by_date(runner, tmp_path, app):
    target = tmp_path / "exists.bak"
    target.write_bytes(b"keep me")
    result = runner.invoke(args=["backup", "create", "-o", str(target)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert target.read_bytes() == b"keep me"
    name = default_backup_path(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]).name
    assert name.startswith("crm-") and name.endswith((".sqlite3", ".dump"))


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path, some_data):
    """A wrong file is refused before anything is touched."""
    before = snapshot()
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    result = runner.invoke(args=["backup", "restore", str(bogus), "--yes"])
    assert result.exit_code != 0 and "is not a" in result.output
    assert snapshot() == before


def test_sqlite_restore_refuses_another_sqlite_database(tmp_path):
    """A SQLite file that is not this app's (no migration table) is refused."""
    import sqlite3

    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(BackupError, match="not a backup of this application"):
        restore_backup("sqlite:///" + str(tmp_path / "target.sqlite3"), other)


def test_in_memory_database_cannot_be_backed_up(tmp_path):
    with pytest.raises(BackupError, match="in-memory"):
        create_backup("sqlite:///:memory:", tmp_path / "x.sqlite3")
    assert not (tmp_path / "x.sqlite3").exists()


def test_failed_pg_dump_leaves_no_partial_file(tmp_path):
    """An unreachable PostgreSQL server: a clear error and no half-written backup."""
    target = tmp_path / "pg.dump"
    with pytest.raises(BackupError, match="pg_dump"):
        create_backup("postgresql+psycopg://nobody@127.0.0.1:1/none", target)
    assert not target.exists()
