"""Shared fixtures: one migrated database per test session, emptied between tests.

The suite runs on a temporary SQLite file by default and on PostgreSQL when ``CRM_TEST_DATABASE_URL``
is set (CI does both). The schema always comes from the Alembic migrations, never from create_all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from crm import create_app
from crm.auth.models import Role, User
from crm.extensions import cache, db

TEST_PASSWORD = "correct horse battery"
#: The test password hashed once, cheaply: scrypt per user would cost a tenth of a second each.
#: Real hashing is exercised where accounts are created (users views, the users CLI).
TEST_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1")


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("CRM_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


class FreshGlobalsClient(FlaskClient):
    """A test client whose requests each start with an empty ``g``, as on a real server.

    The autouse fixture keeps an app context open during a test so the test body can use the
    database; requests then reuse that context, and per-request caches kept in ``g`` (the logged-in
    user, the interface language) would leak from one request into the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        from flask import g

        for name in list(vars(g)):
            delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost.localdomain",
            # Plans are solved in the test's own process, with a search bounded by solutions found
            # rather than seconds, so results do not depend on the machine's load.
            "PLAN_RUN_INLINE": True,
            "PLAN_SOLUTION_LIMIT": 60,
            # Background jobs run in the caller (tests/jobs cover the thread and RQ backends), and
            # the log-in rate limit is off (tests/security covers it): tests log in many times.
            "JOBS_BACKEND": "inline",
            "RATELIMIT_ENABLED": False,
        }
    )
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # A previous run may have left tables behind: start from an empty schema.
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 - our own table names
        # Planner statistics left by a test that refreshed them (demo data, a large import) describe
        # that test's rows: they would make the next tests' plans those of a tiny table.
        analyzed = db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        if analyzed and db.session.scalar(text("SELECT count(*) FROM sqlite_stat1")):
            db.session.execute(text("DELETE FROM sqlite_stat1"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()  # every connection reads the (absent) statistics afresh
            return
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        cache.clear()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Any:
    """Create a staff account: ``make_user(Role.OPERATOR, email=...)``."""
    counter = {"n": 0}

    def _make(role: Role = Role.OPERATOR, **fields: Any) -> User:
        counter["n"] += 1
        user = User(
            email=fields.pop("email", f"{role.value}{counter['n']}@test.local"),
            full_name=fields.pop("full_name", f"{role.value.title()} {counter['n']}"),
            role=role,
            password_hash=TEST_PASSWORD_HASH,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return _make


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, user: User, password: str = TEST_PASSWORD) -> Any:
        return self._client.post(
            "/login", data={"email": user.email, "password": password}, follow_redirects=False
        )

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def operator(make_user: Any) -> User:
    return make_user(Role.OPERATOR)


@pytest.fixture
def coordinator(make_user: Any) -> User:
    return make_user(Role.COORDINATOR)


@pytest.fixture
def admin(make_user: Any) -> User:
    return make_user(Role.ADMIN)


@pytest.fixture
def logged_in(auth: AuthActions, operator: User) -> User:
    """An operator, logged in on ``client``."""
    auth.login(operator)
    return operator


PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def password() -> str:
    """The password of every account made by ``make_user``."""
    return TEST_PASSWORD


@pytest.fixture
def make_org() -> Any:
    """Build an organization directly through the model: only the rows a test needs."""
    from crm.organizations.models import Organization, OrganizationKind, OrganizationStatus

    counter = {"n": 0}

    def _make(owner: Any = None, **fields: Any) -> Any:
        counter["n"] += 1
        org = Organization(
            legal_name=fields.pop("legal_name", f"Azienda Prova {counter['n']} S.r.l."),
            kind=fields.pop("kind", OrganizationKind.COMPANY),
            status=fields.pop("status", OrganizationStatus.PROSPECT),
            owner_id=owner.id if owner is not None else fields.pop("owner_id", None),
            **fields,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return _make
