"""The job runner: inline in tests, a warm child process in production."""

from __future__ import annotations

import time

import pytest

from crm.extensions import db
from crm.visits import services
from crm.visits.jobs import BackgroundRunner, InlineRunner, SolverProcess, SolverProcessError, get_runner
from crm.visits.models import PlanStatus, VisitPlan


def test_tests_run_jobs_inline(app):
    """PLAN_RUN_INLINE chooses the inline runner (no threads, no processes)."""
    assert isinstance(get_runner(app), InlineRunner)


def test_background_runner_solves_in_a_child_process(app, field_staff, orgs, make_request):
    """Off the request thread: the row goes queued → solved while the caller keeps running."""
    plan = services.create_plan(make_request(field_staff, orgs), by=None)
    runner = BackgroundRunner(app, workers=1)
    try:
        runner.submit(plan.id)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.expire_all()
            if not db.session.get(VisitPlan, plan.id).status.is_running:
                break
            time.sleep(0.05)
    finally:
        runner.shutdown()
    plan = db.session.get(VisitPlan, plan.id)
    assert plan.status is PlanStatus.SOLVED, plan.error
    view = services.plan_view(plan)
    assert view.visits + len(view.unassigned) == len(orgs)
    assert view.violations == []


def test_child_process_reports_errors_and_keeps_serving():
    """A bad job comes back as an error; the same child then answers the next job."""
    child = SolverProcess()
    try:
        with pytest.raises(SolverProcessError, match="KeyError"):
            child.solve({"settings": {}}, timeout=20)
        assert child.alive
        empty = {"problem": {"vehicles": [], "jobs": []}, "settings": {"time_limit": 0.1}}
        assert child.solve(empty, timeout=20)["routes"] == []
    finally:
        child.close()
    assert not child.alive
