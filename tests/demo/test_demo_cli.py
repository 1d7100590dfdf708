"""``flask --app crm demo-data``: loads into an empty database only, in one transaction."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from crm.auth.models import Role, User
from crm.contacts.models import Contact
from crm.demo.generator import DEMO_ACCOUNTS, generate
from crm.demo.services import DemoDataError, load_demo_data
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.interactions.models import Interaction
from crm.offices.models import Office
from crm.organizations.models import Organization

TODAY = "2026-03-11"
SMALL = ["--scale", "40", "--today", TODAY]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def database_digest() -> str:
    """A digest of every row the demo writes (salted password hashes left out)."""
    h = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name == "change_log":
            continue
        columns = [c for c in table.c if c.name != "password_hash"]
        order = list(table.primary_key.columns)
        for row in db.session.execute(select(*columns).order_by(*order)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def empty_database() -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(text(f'DELETE FROM "{table.name}"'))  # noqa: S608 - our own table names
    db.session.commit()


def test_demo_data_loads_a_small_dataset(runner, client):
    """--scale 40 loads 40 organizations with contacts, history, the office and five accounts."""
    result = runner.invoke(args=["demo-data", "--seed", "3", *SMALL])
    assert result.exit_code == 0, result.output
    assert "40 organizations" in result.output
    assert count(Organization) == 40
    assert count(Contact) >= 40
    assert count(Interaction) > 0 and count(FollowUp) > 0
    assert count(Office) == 1
    users = db.session.scalars(select(User).order_by(User.id)).all()
    assert [u.email for u in users] == [a.email for a in DEMO_ACCOUNTS]
    assert [u.role for u in users].count(Role.OPERATOR) == 3
    assert all(u.office_id is not None and u.locale == "it" and u.check_password("demo") for u in users)
    orgs = db.session.scalars(select(Organization)).all()
    assert all(o.search_text for o in orgs)
    assert {o.owner_id for o in orgs} <= {u.id for u in users if u.role is Role.OPERATOR}
    response = client.post("/login", data={"email": "admin@demo.local", "password": "demo"})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_demo_rows_are_usable_through_the_orm(runner):
    """Bulk-inserted rows read back with enums, aware datetimes and JSON opening hours."""
    assert runner.invoke(args=["demo-data", *SMALL]).exit_code == 0
    db.session.expire_all()
    org = db.session.scalars(
        select(Organization).where(Organization.last_interaction_at.is_not(None))
    ).first()
    assert org is not None and org.last_interaction_at.tzinfo is not None
    assert org.contacts and org.version == 1
    without_hours = db.session.scalar(
        select(func.count()).select_from(Organization).where(Organization.opening_hours.is_(None))
    )
    with_hours = count(Organization) - without_hours
    assert with_hours > 0


def test_demo_data_refuses_a_database_with_data(runner, make_user):
    """An existing account makes the command fail with a clear message and change nothing."""
    make_user(Role.ADMIN)
    result = runner.invoke(args=["demo-data", *SMALL])
    assert result.exit_code != 0
    assert "already contains data" in result.output
    assert count(Organization) == 0 and count(User) == 1


def test_if_empty_loads_once_then_keeps_the_data(runner):
    """--if-empty loads into an empty database, then exits 0 without touching existing data."""
    first = runner.invoke(args=["demo-data", "--if-empty", *SMALL])
    assert first.exit_code == 0, first.output
    before = database_digest()
    second = runner.invoke(args=["demo-data", "--if-empty", *SMALL])
    assert second.exit_code == 0
    assert "already contains data" in second.output
    assert database_digest() == before


def test_print_logins_lists_the_accounts_and_changes_nothing(runner):
    """--print-logins prints the five demo logins, the password and the URL; the database stays empty."""
    result = runner.invoke(args=["demo-data", "--print-logins"])
    assert result.exit_code == 0
    for account in DEMO_ACCOUNTS:
        assert account.email in result.output
    assert "demo" in result.output and "http://127.0.0.1:5000" in result.output
    assert count(User) == 0 and count(Organization) == 0


def test_same_seed_and_day_write_identical_rows(runner):
    """Two loads with the same seed and day into fresh databases give the same rows; another seed not."""
    assert runner.invoke(args=["demo-data", "--seed", "11", *SMALL]).exit_code == 0
    first = database_digest()
    empty_database()
    assert runner.invoke(args=["demo-data", "--seed", "11", *SMALL]).exit_code == 0
    assert database_digest() == first
    empty_database()
    assert runner.invoke(args=["demo-data", "--seed", "12", *SMALL]).exit_code == 0
    assert database_digest() != first


def test_a_failing_load_leaves_the_database_empty():
    """A write error half-way rolls everything back: no office, user or organization remains."""
    data = generate(seed=1, scale=10)
    orphan = {**data.contacts[-1], "id": len(data.contacts) + 1, "organization_id": 999_999}
    data.contacts.append(orphan)  # violates the foreign key, after offices, users and organizations
    with pytest.raises(IntegrityError):
        load_demo_data(data, batch_size=3)
    assert count(Office) == count(User) == count(Organization) == count(Contact) == 0


def test_load_refuses_a_non_empty_database(make_user):
    """The service itself refuses to load on top of existing data."""
    make_user()
    with pytest.raises(DemoDataError):
        load_demo_data(generate(seed=1, scale=5))
