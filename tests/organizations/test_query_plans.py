"""The organization page reads big tables through indexes only (checked on SQLite's planner)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, text

from crm.extensions import db

BIG_TABLES = ("organization", "follow_up", "interaction", "contact")


@contextmanager
def _captured() -> Iterator[list[tuple[str, object]]]:
    captured: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield captured
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


#: Columns too unselective to narrow a big table on their own.
UNSELECTIVE = {"status", "kind", "entity_type"}


def _wasteful(detail: str) -> bool:
    """A plan step that reads a big table whole, or through an index on an unselective column."""
    match = re.match(r"(SCAN|SEARCH) (\w+)", detail)
    if match is None or match.group(2) not in BIG_TABLES:
        return False
    if match.group(1) == "SCAN":
        return True
    constrained = set(re.findall(r"(\w+)[=<>]", detail.partition("(")[2]))
    return constrained <= UNSELECTIVE


def test_organization_page_reads_big_tables_through_selective_indexes(client, auth, coordinator, make_org):
    """No statement of the page walks a table that grows with the data: at 50,000 organizations
    the duplicate hint's phone and e-mail lookups and the open follow-ups (by status, then
    filtered) did, and the page took 66 ms instead of 9."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plans")
    from crm.followups.models import FollowUp

    auth.login(coordinator)
    org = make_org(
        email="Info@Alfa.it", pec="alfa@pec.it", phone="+390551234567", phone2="+390557654321",
        vat_number="01234567897", comune_code="048017",
    )
    db.session.add(FollowUp(title="Richiamare", due_date=date(2026, 12, 1), assignee_id=coordinator.id,
                            organization_id=org.id))
    db.session.commit()
    with _captured() as statements:
        assert client.get(f"/organizations/{org.id}").status_code == 200
    assert any("duplicate" in s or "lower(organization.email)" in s for s, _ in statements)
    wasteful = []
    for statement, parameters in statements:
        plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        wasteful += [(row[-1], statement.split("FROM", 1)[-1][:100]) for row in plan if _wasteful(row[-1])]
    assert wasteful == []


#: The organization table's planner statistics at 50,000 demo organizations (three owners).
STATISTICS_AT_50000 = {
    "ix_organization_status": "50000 10000",
    "ix_organization_status_comune": "50000 10000 244",
    "ix_organization_owner_status": "50000 16667 3334",
    "ix_organization_owner_id": "50000 16667",  # the index it replaced (ignored when absent)
    "ix_organization_name_order": "50000 3 1",
    "ix_organization_comune_code": "50000 1220",
    "ix_organization_kind": "50000 10000",
}


def test_home_page_counts_a_persons_organizations_from_an_index_with_real_statistics(
    client, auth, coordinator, make_org
):
    """With the statistics of a large database the planner answered the home page's count per
    status by walking the status index and reading every organization (68 ms at 50,000)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plans")
    for n in range(3):
        make_org(owner=coordinator, legal_name=f"Alfa {n}")
    db.session.execute(text("ANALYZE"))  # creates sqlite_stat1
    db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'organization'"))
    for index, stat in STATISTICS_AT_50000.items():
        db.session.execute(
            text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('organization', :idx, :stat)"),
            {"idx": index, "stat": stat},
        )
    db.session.commit()
    try:
        db.engine.dispose()  # new connections read the statistics
        auth.login(coordinator)
        with _captured() as statements:
            assert client.get("/").status_code == 200
        counts = [(s, p) for s, p in statements if "GROUP BY organization.status" in s]
        assert counts
        wasteful = []
        for statement, parameters in counts:
            plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            wasteful += [row[-1] for row in plan if _wasteful(row[-1])]
        assert wasteful == []
    finally:
        db.session.execute(text("DELETE FROM sqlite_stat1"))
        db.session.commit()
        db.engine.dispose()
