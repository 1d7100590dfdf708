"""Where jobs run.

* :class:`RQBackend` when ``REDIS_URL`` (``CRM_REDIS_URL``) is set: jobs go to a Redis queue and
  ``flask --app crm jobs worker`` processes (any number, on any host sharing the database) run them;
* :class:`ThreadBackend` otherwise: a small pool of threads in the web process, so the embedded
  default needs no extra service (a job is lost if the process stops; the page then says so);
* :class:`InlineBackend` (``JOBS_BACKEND = "inline"``): in the caller, for tests and commands.

``JOBS_BACKEND`` forces one of ``rq``, ``thread``, ``inline``; the default ``auto`` picks RQ when
Redis is configured and threads otherwise.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION_KEY = "crm_jobs_backend"
#: The function RQ workers call (by name: workers import it themselves).
RQ_ENTRY_POINT = "crm.jobs.worker.perform"


class JobBackend(Protocol):
    name: str

    def submit(self, job_id: int) -> None:
        """Arrange for :func:`crm.jobs.services.run_job` to run ``job_id``; may return before it does."""
        ...


class InlineBackend:
    name = "inline"

    def submit(self, job_id: int) -> None:
        from crm.jobs.services import run_job

        run_job(job_id)


class ThreadBackend:
    name = "thread"

    def __init__(self, app: Flask, threads: int = 2) -> None:
        self.app = app
        self._pool = ThreadPoolExecutor(max(1, int(threads)), thread_name_prefix="crm-job")

    def submit(self, job_id: int) -> None:
        self._pool.submit(self._run, job_id).add_done_callback(self._log_crash)

    def _run(self, job_id: int) -> None:
        from crm.extensions import db
        from crm.jobs.services import run_job

        with self.app.app_context():
            try:
                run_job(job_id)
            finally:
                db.session.remove()

    @staticmethod
    def _log_crash(future: Future[None]) -> None:
        exc = future.exception()
        if exc is not None:  # run_job records failures itself: this is a last resort
            log.error("background job crashed", exc_info=exc)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)


class RQBackend:
    name = "rq"

    def __init__(self, app: Flask) -> None:
        self.redis_url = str(app.config["REDIS_URL"])
        self.queue_name = str(app.config.get("JOBS_QUEUE", "crm"))
        self.timeout = int(app.config.get("JOBS_TIMEOUT", 6 * 3600))

    def queue(self) -> Any:
        from rq import Queue

        return Queue(self.queue_name, connection=redis_connection(self.redis_url))

    def submit(self, job_id: int) -> None:
        self.queue().enqueue(
            RQ_ENTRY_POINT,
            job_id,
            job_id=rq_job_id(job_id, self.queue_name),
            job_timeout=self.timeout,
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
        )


def rq_job_id(job_id: int, queue_name: str) -> str:
    """RQ's id for our job: named after the queue, so installations sharing a Redis never collide."""
    return f"{queue_name}-job-{job_id}"


def redis_connection(url: str) -> Any:
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=5)


def rq_job_lost(job: Any) -> bool:
    """True when RQ no longer knows the job or reports it failed/stopped outside :func:`run_job`."""
    backend = get_backend()
    if not isinstance(backend, RQBackend):
        return False
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        connection = redis_connection(backend.redis_url)
        rq_job = Job.fetch(rq_job_id(job.id, backend.queue_name), connection=connection)
        status = rq_job.get_status(refresh=True)
    except NoSuchJobError:
        return True
    except RedisError:
        return False
    return str(getattr(status, "value", status)) in ("failed", "stopped", "canceled")


def backend_name(config: Any) -> str:
    chosen = str(config.get("JOBS_BACKEND") or "auto").lower()
    if chosen == "auto":
        return "rq" if config.get("REDIS_URL") else "thread"
    if chosen not in ("rq", "thread", "inline"):
        raise ValueError(f"JOBS_BACKEND must be auto, rq, thread or inline, not {chosen!r}")
    return chosen


_CREATE_LOCK = threading.Lock()


def get_backend(app: Flask | None = None) -> JobBackend:
    """The app's backend, created on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    backend = app.extensions.get(EXTENSION_KEY)
    if backend is None:
        with _CREATE_LOCK:
            backend = app.extensions.get(EXTENSION_KEY)
            if backend is None:
                name = backend_name(app.config)
                if name == "rq":
                    backend = RQBackend(app)
                elif name == "thread":
                    backend = ThreadBackend(app, app.config.get("JOBS_THREADS", 2))
                else:
                    backend = InlineBackend()
                app.extensions[EXTENSION_KEY] = backend
    return backend  # type: ignore[no-any-return]
