"""The RQ side: the function workers call, and the worker command's set-up.

``flask --app crm jobs worker`` builds the app once and then forks a work horse per job (RQ's
default). The child inherits the app; its database pool is dropped first (connections must not be
shared across a fork) and each job runs in a fresh app context.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

_app: Flask | None = None
_app_pid: int | None = None


def use_app(app: Flask) -> None:
    """Run jobs with ``app`` (set by the worker command and by tests)."""
    global _app, _app_pid
    _app, _app_pid = app, os.getpid()


def _current_app() -> Flask:
    global _app, _app_pid
    if _app is None:
        from crm import create_app

        use_app(create_app())
    assert _app is not None
    if _app_pid != os.getpid():  # a forked work horse: do not reuse the parent's connections
        from crm.extensions import db

        with _app.app_context():
            db.engine.dispose(close=False)
        _app_pid = os.getpid()
    return _app


def perform(job_id: int) -> None:
    """Entry point of every RQ job (see :data:`crm.jobs.backends.RQ_ENTRY_POINT`)."""
    from crm.extensions import db
    from crm.jobs.services import run_job

    with _current_app().app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def make_worker(app: Flask, *, simple: bool = False, name: str | None = None) -> Any:
    """An RQ worker on the app's queue (``simple``: run jobs in this process, no fork)."""
    from rq import Queue, SimpleWorker, Worker

    from crm.jobs.backends import redis_connection

    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("CRM_REDIS_URL is not set: without Redis, jobs run in the web process's threads.")
    connection = redis_connection(str(url))
    queue = Queue(str(app.config.get("JOBS_QUEUE", "crm")), connection=connection)
    worker_class = SimpleWorker if simple else Worker
    use_app(app)
    return worker_class([queue], connection=connection, name=name)
