"""With RQ configured, a visit plan is solved by a job worker, not in the web process."""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobStatus
from crm.jobs.worker import make_worker
from crm.visits import services
from crm.visits.jobs import QueueRunner, get_runner
from crm.visits.models import PlanStatus, VisitPlan
from tests.jobs.conftest import wait_for


def test_plan_goes_to_the_queue_and_a_worker_solves_it(app, rq_backend, monkeypatch, field_staff, orgs,
                                                         make_request, coordinator):
    """submit_plan queues a visits.plan job; the worker solves the plan and links its page."""
    monkeypatch.setitem(app.config, "PLAN_RUN_INLINE", False)
    assert isinstance(get_runner(), QueueRunner)
    plan = services.create_plan(make_request(field_staff, orgs), by=coordinator)
    services.submit_plan(plan)
    plan_id = plan.id
    job = db.session.scalars(select(BackgroundJob)).one()
    assert (job.kind, job.backend, job.status, job.user_id) == ("visits.plan", "rq", JobStatus.QUEUED,
                                                                coordinator.id)
    assert db.session.get(VisitPlan, plan_id).status is PlanStatus.QUEUED  # nobody solved it here

    worker = make_worker(app, simple=True, name=f"{rq_backend.queue_name}-plans")
    worker.work(burst=True, with_scheduler=False)
    done = wait_for(job.id, timeout=60)
    assert done.status is JobStatus.SUCCEEDED, done.error
    assert done.result_url == f"/visits/plans/{plan_id}"
    assert db.session.get(VisitPlan, plan_id).status is PlanStatus.SOLVED
