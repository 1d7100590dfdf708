"""Fixtures for the background-job tests: English-speaking staff, test job kinds, both backends."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from crm.auth.models import Role, User
from crm.extensions import db
from crm.jobs import backends
from crm.jobs.models import BackgroundJob
from crm.jobs.services import KINDS
from tests.jobs import kinds

TEST_KINDS = {
    "test.counting": "tests.jobs.kinds:counting",
    "test.gated": "tests.jobs.kinds:gated",
    "test.refusing": "tests.jobs.kinds:refusing",
    "test.crashing": "tests.jobs.kinds:crashing",
}

#: A Redis database of its own, so the tests never touch the app's queues (keys are still removed
#: one by one: nothing else in that database is flushed).
REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(autouse=True)
def _test_kinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, target in TEST_KINDS.items():
        monkeypatch.setitem(KINDS, name, target)
    kinds.GATE.clear()
    yield
    kinds.GATE.set()  # never leave a worker thread waiting


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with force_locale("en"):
        yield


@pytest.fixture
def staff(make_user: Any) -> Callable[..., User]:
    def _make(role: Role = Role.OPERATOR, **fields: Any) -> User:
        return make_user(role, locale="en", **fields)

    return _make


@pytest.fixture
def use_backend(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], Any]:
    """Make ``backend`` the app's job backend for this test."""

    def _use(backend: Any) -> Any:
        monkeypatch.setitem(app.extensions, backends.EXTENSION_KEY, backend)
        return backend

    return _use


@pytest.fixture
def thread_backend(app: Flask, use_backend: Callable[[Any], Any]) -> Iterator[backends.ThreadBackend]:
    backend = use_backend(backends.ThreadBackend(app, threads=2))
    yield backend
    kinds.GATE.set()
    backend.shutdown(wait=True)


def wait_for(job_id: int, *, timeout: float = 20, until: Callable[[BackgroundJob], bool] | None = None
             ) -> BackgroundJob:
    """Poll the row as a page would (fresh reads) until the job is finished or ``until`` holds."""
    until = until or (lambda job: job.finished)
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        job = db.session.get(BackgroundJob, job_id)
        assert job is not None
        if until(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.status} at {job.progress}%")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis, or a skip (a failure with ``CRM_REQUIRE_REDIS=1``, as in CI)."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except RedisError as exc:
        reason = f"no Redis at {REDIS_URL} ({exc}); set CRM_TEST_REDIS_URL or start redis-server"
        if os.environ.get("CRM_REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
def rq_backend(app: Flask, redis_url: str, monkeypatch: pytest.MonkeyPatch,
               use_backend: Callable[[Any], Any]) -> Iterator[backends.RQBackend]:
    """The RQ backend on a queue name of its own; every key made under that name is deleted after."""
    from redis import Redis

    queue = f"crm-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", queue)
    backend = use_backend(backends.RQBackend(app))
    yield backend
    connection = Redis.from_url(redis_url)
    keys = list(connection.scan_iter(match=f"*{queue}*"))
    if keys:
        connection.delete(*keys)
    # Queues and workers register in shared sets: remove only the members named after this queue.
    for shared in ("rq:workers", "rq:queues"):
        for member in connection.smembers(shared):
            if queue.encode() in member:
                connection.srem(shared, member)
    connection.close()
