"""A process killed in the middle of an import, or an import failing half way, leaves the database as
it was: no organizations without their run (plan acceptance: tests/backup/plans)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from crm.extensions import db
from crm.imports.models import ImportRow, ImportRun
from crm.organizations.models import Organization

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: Runs an import in a child process and stops for ever once every row is written but before the
#: commit, after telling the parent (which then kills it with SIGKILL).
CHILD = textwrap.dedent(
    """
    import sys, time
    from crm import create_app
    from crm.extensions import db
    from crm.imports import services

    url, path = sys.argv[1], sys.argv[2]
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "ENV_NAME": "testing", "TESTING": True})
    record_rows = services._record_rows

    def stall(run, result):
        record_rows(run, result)
        db.session.flush()  # every row is in the database's transaction now
        print("MIDPOINT", flush=True)
        time.sleep(120)

    services._record_rows = stall
    with app.app_context():
        services.import_file(path, source="cli")
    """
)


def _count(model: type) -> int:
    db.session.rollback()  # a fresh transaction: see what others committed
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _write_csv(path: Path, rows: int) -> Path:
    import hashlib

    names = [hashlib.sha256(str(n).encode()).hexdigest()[:12].upper() for n in range(rows)]
    body = "".join(f"{n} srl;Firenze\n" for n in names)
    path.write_text("Ragione sociale;Comune\n" + body, encoding="utf-8")
    return path


def test_import_killed_mid_transaction_leaves_nothing_behind(app, tmp_path):
    """SIGKILL after the rows are written but before the commit: no organization, no run, no row."""
    csv_path = _write_csv(tmp_path / "big.csv", 300)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("CRM_REDIS_URL", None)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, app.config["DATABASE_URL"], str(csv_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT_ROOT,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "MIDPOINT", child.stderr.read()[-3000:]
        assert _count(Organization) == 0  # not committed: invisible to others meanwhile
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert (_count(Organization), _count(ImportRun), _count(ImportRow)) == (0, 0, 0)
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"

    # The database is usable at once: the same import now goes through whole.
    from crm.imports.services import import_file

    result = import_file(csv_path, source="cli")
    assert result.imported == 300 and _count(Organization) == 300 and _count(ImportRun) == 1


def test_import_failing_half_way_writes_nothing(app, tmp_path, monkeypatch):
    """An exception after the organizations are inserted rolls everything back (the job records it)."""
    from crm.imports import services
    from crm.imports.services import import_file

    def explode(run: object, result: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_record_rows", explode)
    with pytest.raises(RuntimeError):
        import_file(_write_csv(tmp_path / "f.csv", 20), source="cli")
    db.session.rollback()
    assert (_count(Organization), _count(ImportRun)) == (0, 0)
