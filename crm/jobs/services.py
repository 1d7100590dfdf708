"""Submit, run and follow background jobs.

A job is a row of ``background_job`` plus a registered function (:data:`KINDS`). Submitting saves the
row and hands its id to a backend (:mod:`crm.jobs.backends`); whichever process runs it calls
:func:`run_job`, which marks it running, calls the function with a :class:`JobContext` and records the
outcome. Progress is written on a connection of its own, so it is visible to the polling page while
the job's own transaction is still open (and is never committed by accident with half the job's work).
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from crm.db_types import utcnow
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobStatus

log = logging.getLogger(__name__)

#: Every kind of job: name → ``"module:function"``. The function is imported when the job runs, so a
#: worker process needs no registration step. Signature: ``fn(ctx: JobContext, **params) -> JobOutcome``.
KINDS: dict[str, str] = {
    "imports.organizations": "crm.imports.jobs:import_organizations_job",
    "geocoding.batch": "crm.geocoding.jobs:geocode_batch_job",
    "visits.plan": "crm.visits.jobs:plan_job",
    "exports.visits": "crm.exports.jobs:team_export_job",
}

#: ``host:pid`` of this process, recorded on the jobs it runs (or queues in its own threads).
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


class JobError(Exception):
    """A job failed for a reason its user can act on: the message is shown as it is."""


class UnknownJobKindError(ValueError):
    """No function is registered under this kind."""


@dataclass
class JobOutcome:
    """What a job function returns: a message for its user, where to see the result, small data."""

    message: str = ""
    result_url: str | None = None
    result: dict[str, Any] = field(default_factory=dict)


class JobContext:
    """Handed to the job function: who runs it and a way to report progress."""

    #: Progress is written at most this often (seconds), except for the first and the last report.
    MIN_INTERVAL = 0.5

    def __init__(self, job: BackgroundJob) -> None:
        self.job_id = job.id
        self.user_id = job.user_id
        self.params = dict(job.params or {})
        self._last_write = 0.0
        self._last_percent = -1

    def progress(self, percent: float, message: str | None = None) -> None:
        """Report ``percent`` (0–100) done and what is happening; cheap to call often."""
        pct = max(0, min(99, int(percent)))
        now = time.monotonic()
        if pct == self._last_percent and message is None:
            return
        if now - self._last_write < self.MIN_INTERVAL and pct < 99 and self._last_percent >= 0:
            return
        self._last_write = now
        self._last_percent = pct
        values: dict[str, Any] = {"progress": pct}
        if message is not None:
            values["message"] = str(message)[:500]
        _write_aside(self.job_id, values)


def _write_aside(job_id: int, values: Mapping[str, Any]) -> None:
    """Update the job row on a separate connection and commit it at once (best effort).

    On SQLite a writer holding the database makes this wait; a progress report is not worth waiting
    for, so the wait is cut short and the report skipped.
    """
    try:
        with db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                conn.exec_driver_sql("PRAGMA busy_timeout=200")
            try:
                conn.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(**values))
                conn.commit()
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(previous or 5000)}")
    except SQLAlchemyError as exc:
        log.debug("progress of job %s not saved: %s", job_id, exc)


def resolve_kind(kind: str) -> Callable[..., JobOutcome]:
    """The function of ``kind``.

    :raises UnknownJobKindError: for a name not in :data:`KINDS`.
    """
    target = KINDS.get(kind)
    if target is None:
        raise UnknownJobKindError(kind)
    module_name, _sep, attr = target.partition(":")
    fn: Callable[..., JobOutcome] = getattr(importlib.import_module(module_name), attr)
    return fn


def submit_job(
    kind: str, *, params: Mapping[str, Any] | None = None, user: Any = None, title: str = ""
) -> BackgroundJob:
    """Save a queued job and send it to the configured backend.

    With the inline backend the job has already run when this returns (``job.finished`` is true).

    :raises UnknownJobKindError: for a kind nobody registered.
    """
    from crm.jobs.backends import get_backend

    resolve_kind(kind)  # fail here, in the request, rather than later in a worker
    backend = get_backend()
    job = BackgroundJob(
        kind=kind,
        title=title[:200],
        params=dict(params or {}),
        user_id=getattr(user, "id", None),
        backend=backend.name,
        worker=WORKER_ID if backend.name == "thread" else None,
    )
    db.session.add(job)
    db.session.commit()
    try:
        backend.submit(job.id)
    except Exception as exc:  # Redis down, pool shut: the job would wait for ever
        log.exception("job %s could not be queued", job.id)
        db.session.rollback()
        fail_job(job.id, str(_l("The job could not be started: %(reason)s", reason=type(exc).__name__)))
    db.session.refresh(job)
    return job


def fail_job(job_id: int, error: str) -> None:
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.finished:
        return
    job.status = JobStatus.FAILED
    job.error = error[:5000]
    job.finished_at = utcnow()
    db.session.commit()


def run_job(job_id: int) -> None:
    """Run a queued job in the current app context and record how it ended (never raises)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.status is not JobStatus.QUEUED:
        return
    job.status = JobStatus.RUNNING
    job.started_at = utcnow()
    job.worker = WORKER_ID
    db.session.commit()
    locale = job.user.locale if job.user is not None else current_app.config.get("BABEL_DEFAULT_LOCALE", "it")
    ctx = JobContext(job)
    try:
        fn = resolve_kind(job.kind)
        # Job functions build links with url_for: outside a request (a thread, a worker) they get a
        # request context of their own, so links are paths of this site.
        request_ctx = nullcontext() if has_request_context() else current_app.test_request_context("/")
        with request_ctx, force_locale(locale):
            outcome = fn(ctx, **ctx.params)
    except JobError as exc:
        db.session.rollback()
        fail_job(job_id, str(exc))
        return
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, job.kind)
        db.session.rollback()
        with force_locale(locale):
            fail_job(job_id, str(_l("Unexpected error (%(kind)s): the administrators can find it in the log.",
                                    kind=type(exc).__name__)))
        return
    db.session.rollback()  # anything the function left uncommitted is not part of its result
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return
    job.status = JobStatus.SUCCEEDED
    job.progress = 100
    job.message = (outcome.message or "")[:500]
    job.result_url = outcome.result_url
    job.result = outcome.result or None
    job.finished_at = utcnow()
    db.session.commit()


def _process_gone(worker: str | None) -> bool:
    """True when ``worker`` ran on this host and its process no longer exists."""
    if not worker:
        return False
    host, _sep, pid_text = worker.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def check_alive(job: BackgroundJob) -> BackgroundJob:
    """Mark failed a job whose runner is known to be gone (its process died, Redis lost it)."""
    if job.finished:
        return job
    gone = False
    if job.backend == "thread":
        gone = _process_gone(job.worker)
    elif job.backend == "rq":
        from crm.jobs.backends import rq_job_lost

        gone = rq_job_lost(job)
    if gone:
        fail_job(job.id, str(_l("The process running this job stopped before it finished: start it again.")))
        db.session.refresh(job)
    return job


def recent_jobs(user: Any, *, limit: int = 50) -> list[BackgroundJob]:
    """The latest jobs ``user`` may see: coordinators see everyone's, operators their own."""
    query = (
        select(BackgroundJob)
        .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc())
        .limit(limit)
    )
    if not user.is_coordinator:
        query = query.where(BackgroundJob.user_id == user.id)
    return list(db.session.scalars(query))
