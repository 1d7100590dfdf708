"""Fixtures for the security tests: an app with the log-in limits switched on, English pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm import create_app
from crm.extensions import db
from tests.conftest import FreshGlobalsClient


@pytest.fixture
def make_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Another app on the test database, with settings of its own (the limiter is per app)."""
    made: list[Flask] = []

    def _make(**settings: Any) -> Flask:
        other = create_app(
            {
                "TESTING": True,
                "ENV_NAME": "testing",
                "DATABASE_URL": app.config["DATABASE_URL"],
                "SECRET_KEY": "test-secret",
                "WTF_CSRF_ENABLED": False,
                "SERVER_NAME": "localhost.localdomain",
                "JOBS_BACKEND": "inline",
                # As in the suite's app: plans solved in the request, no warm solver process left
                # running when this app is thrown away.
                "PLAN_RUN_INLINE": True,
                "PLAN_SOLUTION_LIMIT": 60,
                **settings,
            }
        )
        other.test_client_class = FreshGlobalsClient
        made.append(other)
        return other

    yield _make
    for other in made:
        for extension in ("visit_plan_runner", "crm_jobs_backend"):
            runner = other.extensions.pop(extension, None)
            if runner is not None and hasattr(runner, "shutdown"):
                runner.shutdown()
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def english(client: FlaskClient) -> FlaskClient:
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client
