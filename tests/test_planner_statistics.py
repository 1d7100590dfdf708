"""The planner's statistics are refreshed after bulk writes, on both databases."""

from __future__ import annotations

from sqlalchemy import text

from crm.extensions import db
from crm.planner_statistics import grew_enough, refresh_planner_statistics
from tests.organizations.helpers import valid_vat


def _statistics_of(table: str) -> bool:
    """Whether the database holds planner statistics (SQLite) or a vacuum-analyze (PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        return bool(db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}))
    row = db.session.execute(
        text("SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
    ).one()
    return row.last_vacuum is not None and row.last_analyze is not None


def _forget_statistics() -> None:
    if db.engine.dialect.name == "sqlite":
        if db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
            db.session.execute(text("DELETE FROM sqlite_stat1"))
    else:
        db.session.execute(text("SELECT pg_stat_reset()"))
    db.session.commit()


def test_growing_by_a_tenth_and_at_least_a_hundred_rows_is_enough():
    assert not grew_enough(0, 99)
    assert grew_enough(0, 100)
    assert grew_enough(1000, 100)
    assert not grew_enough(5000, 499)
    assert grew_enough(5000, 500)


def test_refreshing_statistics_gives_the_planner_statistics_for_the_tables(make_org):
    for n in range(3):
        make_org(legal_name=f"Alfa {n}")
    _forget_statistics()
    refresh_planner_statistics(db.engine, ["contact"])
    db.session.rollback()  # PostgreSQL: read the statistics in a new snapshot
    assert not _statistics_of("organization")
    refresh_planner_statistics(db.engine, ["contact", "organization"])
    db.session.rollback()
    assert _statistics_of("organization")
    _forget_statistics()
    refresh_planner_statistics(db.engine)
    db.session.rollback()
    assert _statistics_of("organization")


def test_a_large_import_refreshes_the_statistics_and_a_small_one_does_not(coordinator):
    from crm.imports.parsing import read_table
    from crm.imports.services import import_table
    from tests.imports.conftest import csv_bytes

    _forget_statistics()
    small = [[f"Piccola {n} S.r.l.", valid_vat(n + 1), "Firenze", "50122", "", ""] for n in range(5)]
    import_table(read_table(csv_bytes(small), file_name="a.csv"), file_name="a.csv", user=coordinator)
    db.session.rollback()
    assert not _statistics_of("organization")
    large = [[f"Grande {n} S.r.l.", valid_vat(n + 100), "Empoli", "50053", "", ""] for n in range(120)]
    table = read_table(csv_bytes(large), file_name="b.csv")
    result = import_table(table, file_name="b.csv", user=coordinator)
    assert result.imported == 120, result.rows[0]
    db.session.rollback()
    assert _statistics_of("organization")


def test_optimize_command_refreshes_every_table(runner, make_org):
    make_org(legal_name="Alfa")
    _forget_statistics()
    result = runner.invoke(args=["optimize"])
    assert result.exit_code == 0, result.output
    assert "Statistics refreshed" in result.output
    db.session.rollback()
    assert _statistics_of("organization")
