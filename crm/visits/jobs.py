"""Where planning jobs run.

:class:`PlanRunner` has one method, ``submit(plan_id)``. Three implementations:

* :class:`InlineRunner` solves in the caller's thread (tests, ``PLAN_RUN_INLINE=True``);
* :class:`QueueRunner` when the app's background jobs go to RQ (``CRM_REDIS_URL`` set, see
  :mod:`crm.jobs`): the plan becomes a ``visits.plan`` job, solved by a ``flask jobs worker``
  process (a separate process already: OR-Tools holding its GIL slows no web request);
* :class:`BackgroundRunner` (otherwise) owns a ``ThreadPoolExecutor`` of ``PLAN_WORKERS``
  threads that do the job's bookkeeping (the ``visit_plan`` row) in their own app context and
  hand the solving to warm child processes (:mod:`crm.visits.solve_worker`, one JSON line per
  job over stdin/stdout). OR-Tools keeps Python's GIL while it searches (measured: a request thread
  gets ~2 % of its normal speed next to a solving thread), so solving in a thread of the web
  process would stall every other user; a child process also contains a crash or a hang.

Job state lives in the ``visit_plan`` row (queued → solving → solved | failed), so any web
process can answer the status poll; see :func:`crm.visits.services.expire_stale_plans` for
what happens to a job whose process died.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION_KEY = "visit_plan_runner"
WORKER_SCRIPT = Path(__file__).with_name("solve_worker.py")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Seconds a child may take beyond the solver's time limit (start-up, matrices) before it
#: is killed.
CHILD_GRACE_SECONDS = 60

#: ``solver(problem, provider, settings) -> routing.Plan``; ``settings`` holds the fields of
#: :class:`routing.SolverSettings` (the object itself would import OR-Tools).
Solver = Callable[[Any, Any, dict[str, Any]], Any]


class PlanRunner(Protocol):
    def submit(self, plan_id: int) -> None:
        """Start solving the (queued) plan ``plan_id``; return without waiting."""
        ...


def solve_here(problem: Any, provider: Any, settings: dict[str, Any]) -> Any:
    """Solve in this process (tests, the command line)."""
    from routing import SolverSettings, solve

    return solve(problem, provider, SolverSettings(**settings))


class SolverProcessError(RuntimeError):
    """The child solver process failed, died or timed out."""


class SolverProcess:
    """One long-lived ``python solve_worker.py`` child, one job at a time."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
        # Our own script, no shell, no user input in argv.
        self.proc = subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def solve(self, job: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one job and wait for its reply.

        :raises SolverProcessError: when the child reports an error, dies or is too slow (it
            is then killed).
        """
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:
            self.close()
            raise SolverProcessError(f"the solver process is gone: {exc}") from None
        ready, _w, _x = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.close()
            raise SolverProcessError("the solver process did not finish in time")
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            raise SolverProcessError(f"the solver process stopped (exit code {self.proc.poll()})")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise SolverProcessError(reply["error"])
        return reply["plan"]  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.alive:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


class InlineRunner:
    """Runs the job at once, in the caller's app context (tests and commands)."""

    def submit(self, plan_id: int) -> None:
        from crm.visits.services import run_plan_job

        run_plan_job(plan_id, solver=solve_here)


class BackgroundRunner:
    """Bookkeeping threads owned by the app, each job solved by a warm child process."""

    def __init__(self, app: Flask, workers: int = 1) -> None:
        self.app = app
        self.workers = max(1, min(int(workers), 4))
        self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="visit-plan")
        self._idle: queue.SimpleQueue[SolverProcess] = queue.SimpleQueue()
        # Start one child now: the first plan should not wait for OR-Tools to load.
        self._idle.put(SolverProcess())

    def _solve(self, problem: Any, provider: Any, settings: dict[str, Any]) -> Any:
        from routing.io import plan_from_dict, problem_to_dict

        # The provider object stays here: the child builds its own from the configuration.
        job = {
            "problem": problem_to_dict(problem),
            "settings": settings,
            "routing_url": self.app.config.get("PLAN_ROUTING_URL"),
        }
        try:
            child = self._idle.get_nowait()
        except queue.Empty:
            child = SolverProcess()
        if not child.alive:
            child.close()
            child = SolverProcess()
        try:
            reply = child.solve(job, timeout=float(settings.get("time_limit", 5)) + CHILD_GRACE_SECONDS)
        finally:
            if child.alive:
                self._idle.put(child)
        return plan_from_dict(reply)

    def submit(self, plan_id: int) -> None:
        future = self._threads.submit(self._run, plan_id)
        future.add_done_callback(self._log_failure)

    def _run(self, plan_id: int) -> None:
        from crm.visits.services import run_plan_job

        with self.app.app_context():
            run_plan_job(plan_id, solver=self._solve)

    @staticmethod
    def _log_failure(future: Future[None]) -> None:
        exc = future.exception()
        if exc is not None:  # run_plan_job records its own failures; this is a last resort
            log.error("visit plan job crashed", exc_info=exc)

    def shutdown(self) -> None:
        self._threads.shutdown(wait=True)
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break


class QueueRunner:
    """Sends the plan to the app's job queue (RQ workers); its page polls the plan row as usual."""

    def submit(self, plan_id: int) -> None:
        from crm.extensions import db
        from crm.jobs.services import submit_job
        from crm.visits.models import VisitPlan

        plan = db.session.get(VisitPlan, plan_id)
        submit_job(
            "visits.plan",
            params={"plan_id": plan_id},
            user=plan.created_by if plan is not None else None,
            title=f"#{plan_id}",
        )


def plan_job(ctx: Any, *, plan_id: int) -> Any:
    """The ``visits.plan`` background job: solve here (a worker process) and link the plan."""
    from flask import url_for
    from flask_babel import gettext as _

    from crm.extensions import db
    from crm.jobs.services import JobError, JobOutcome
    from crm.visits.models import PlanStatus, VisitPlan
    from crm.visits.services import run_plan_job

    ctx.progress(5, _("Planning the visits…"))
    run_plan_job(plan_id, solver=solve_here)
    plan = db.session.get(VisitPlan, plan_id)
    if plan is None:
        raise JobError(_("The plan was deleted."))
    if plan.status is PlanStatus.FAILED:
        raise JobError(plan.error or _("The planning failed."))
    return JobOutcome(
        message=_("Plan #%(id)d is ready.", id=plan_id),
        result_url=url_for("visits.detail", plan_id=plan_id),
        result={"plan_id": plan_id, "status": plan.status.value},
    )


def get_runner(app: Flask | None = None) -> PlanRunner:
    """The app's runner, created on first use (``PLAN_RUN_INLINE`` chooses the inline one; RQ
    background jobs the queue one)."""
    from crm.jobs.backends import get_backend

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("PLAN_RUN_INLINE", False):
        return InlineRunner()
    if get_backend(app).name == "rq":
        return QueueRunner()
    runner = app.extensions.get(EXTENSION_KEY)
    if runner is None:
        with _CREATE_LOCK:
            runner = app.extensions.get(EXTENSION_KEY)
            if runner is None:
                runner = BackgroundRunner(app, app.config.get("PLAN_WORKERS", 1))
                app.extensions[EXTENSION_KEY] = runner
    return runner


_CREATE_LOCK = threading.Lock()
