"""Background jobs: persisted state, progress visible while running, both backends, the job pages."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.extensions import db
from crm.jobs.backends import InlineBackend, RQBackend, ThreadBackend, backend_name, rq_job_id
from crm.jobs.models import BackgroundJob, JobStatus
from crm.jobs.services import UnknownJobKindError, check_alive, submit_job
from crm.jobs.worker import make_worker, use_app
from tests.jobs import kinds
from tests.jobs.conftest import wait_for


def test_backend_name_follows_the_configuration():
    """auto: RQ with a Redis URL, threads without; a wrong name is refused."""
    assert backend_name({"JOBS_BACKEND": "auto", "REDIS_URL": None}) == "thread"
    assert backend_name({"JOBS_BACKEND": "auto", "REDIS_URL": "redis://h/0"}) == "rq"
    assert backend_name({"JOBS_BACKEND": "inline", "REDIS_URL": "redis://h/0"}) == "inline"
    with pytest.raises(ValueError):
        backend_name({"JOBS_BACKEND": "celery"})


def test_unknown_kind_is_refused_before_anything_is_saved(staff):
    """A kind nobody registered raises and leaves no row."""
    with pytest.raises(UnknownJobKindError):
        submit_job("no.such.kind", user=staff())
    assert db.session.scalars(select(BackgroundJob)).first() is None


def test_inline_job_records_progress_message_and_result(staff, use_backend):
    """The inline backend runs at once: the row ends succeeded at 100 % with the outcome."""
    use_backend(InlineBackend())
    user = staff()
    job = submit_job("test.counting", params={"steps": 3}, user=user, title="three")
    assert job.status is JobStatus.SUCCEEDED and job.finished
    assert (job.progress, job.message, job.result_url) == (100, "counted 3", "/jobs/")
    assert job.result == {"steps": 3}
    assert job.backend == "inline" and job.user_id == user.id and job.started_at and job.finished_at


def test_job_error_message_is_kept_and_crash_is_generic(staff, use_backend):
    """A JobError's message is shown as it is; an unexpected exception gives a generic message."""
    use_backend(InlineBackend())
    refused = submit_job("test.refusing", user=staff())
    assert refused.status is JobStatus.FAILED and refused.error == "the file is gone"
    crashed = submit_job("test.crashing", user=staff())
    assert crashed.status is JobStatus.FAILED
    assert "ZeroDivisionError" in crashed.error and "boom" not in crashed.error


def test_thread_backend_shows_progress_while_running_then_the_result(client, auth, staff, thread_backend):
    """A running job's progress is in the database (any process can poll it) before it finishes."""
    user = staff()
    job = submit_job("test.gated", user=user)
    assert job.backend == "thread" and not job.finished
    running = wait_for(job.id, until=lambda j: j.progress == 50)
    assert running.status is JobStatus.RUNNING and running.message == "half way"

    assert auth.login(user).status_code == 302
    response = client.get(f"/jobs/{job.id}/status.json")
    assert response.status_code == 200
    status = response.get_json()
    assert status["status"] == "running" and status["progress"] == 50 and not status["finished"]
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)  # a reload shows the same state
    assert "half way" in page and 'data-progress="50"' in page and "jobs/progress.js" in page

    kinds.GATE.set()
    done = wait_for(job.id)
    assert done.status is JobStatus.SUCCEEDED and done.progress == 100
    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert status == {**status, "status": "succeeded", "finished": True, "result_url": "/jobs/",
                      "message": "through the gate"}


def test_thread_backend_failure_is_recorded(staff, thread_backend):
    """An exception in a worker thread ends as a failed row, not as a job running for ever."""
    job = submit_job("test.crashing", user=staff())
    assert wait_for(job.id).status is JobStatus.FAILED


def test_job_of_a_dead_process_is_marked_failed(staff):
    """A running thread job whose process is gone is reported failed when someone looks at it."""
    job = BackgroundJob(kind="test.counting", status=JobStatus.RUNNING, backend="thread",
                        worker=f"{socket.gethostname()}:{2**22 + 7}", user_id=staff().id)
    db.session.add(job)
    db.session.commit()
    assert check_alive(job).status is JobStatus.FAILED
    assert "stopped" in job.error


def test_rq_backend_runs_jobs_in_a_worker(staff, rq_backend, app):
    """Jobs wait in Redis until a worker runs them, then the row holds the outcome."""
    user = staff()
    job = submit_job("test.counting", params={"steps": 5}, user=user)
    assert job.backend == "rq" and job.status is JobStatus.QUEUED
    assert rq_backend.queue().count == 1
    assert not check_alive(job).finished  # queued in Redis: alive

    worker = make_worker(app, simple=True, name=f"{rq_backend.queue_name}-w")
    worker.work(burst=True, with_scheduler=False)
    done = wait_for(job.id, timeout=5)
    assert (done.status, done.progress, done.message) == (JobStatus.SUCCEEDED, 100, "counted 5")
    assert rq_backend.queue().count == 0


def test_rq_worker_command_forks_work_horses(staff, rq_backend, app, runner):
    """``flask jobs worker --burst`` runs the queued jobs in forked children and stops."""
    first = submit_job("test.counting", user=staff())
    second = submit_job("test.refusing", user=staff())
    result = runner.invoke(args=["jobs", "worker", "--burst", "--name", f"{rq_backend.queue_name}-cli"])
    assert result.exit_code == 0, result.output
    use_app(app)
    assert wait_for(first.id, timeout=5).status is JobStatus.SUCCEEDED
    failed = wait_for(second.id, timeout=5)
    assert failed.status is JobStatus.FAILED and failed.error == "the file is gone"


def test_rq_job_lost_by_redis_is_reported_failed(staff, rq_backend):
    """A queued job that Redis no longer has cannot run: its page says so."""
    job = submit_job("test.counting", user=staff())
    rq_id = rq_job_id(job.id, rq_backend.queue_name)
    rq_backend.queue().remove(rq_id)
    from redis import Redis

    connection = Redis.from_url(rq_backend.redis_url)
    connection.delete(f"rq:job:{rq_id}")
    connection.close()
    assert check_alive(job).status is JobStatus.FAILED


def test_worker_command_without_redis_says_what_is_missing(runner, app, monkeypatch):
    """Without CRM_REDIS_URL the command explains that jobs run in the web process."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "CRM_REDIS_URL" in result.output


def test_job_pages_are_private_to_author_and_coordinators(client, auth, staff, use_backend):
    """Operators see their own jobs only (404 otherwise); coordinators see all."""
    use_backend(InlineBackend())
    author, other, coordinator = staff(), staff(), staff(Role.COORDINATOR)
    job = submit_job("test.counting", user=author, title="mine")
    auth.login(other)
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/jobs/{job.id}/status.json").status_code == 404
    assert "mine" not in client.get("/jobs/").get_data(as_text=True)
    auth.logout()
    auth.login(coordinator)
    assert client.get(f"/jobs/{job.id}").status_code == 200
    assert "mine" in client.get("/jobs/").get_data(as_text=True)


def test_geocode_button_starts_a_batch_job(client, auth, staff, use_backend, make_org, app, monkeypatch):
    """Coordinators start batch geocoding; the organizations get a location and the job links the map."""
    use_backend(InlineBackend())
    monkeypatch.setitem(app.config, "GEOCODER_URL", None)  # the bundled gazetteer: no network
    make_org(comune_code="048017", cap="50123", latitude=None, longitude=None)
    auth.login(staff(Role.COORDINATOR))
    response = client.post("/jobs/geocode")
    assert response.status_code == 302
    job = db.session.scalars(select(BackgroundJob)).one()
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.kind == "geocoding.batch" and job.status is JobStatus.SUCCEEDED, job.error
    assert job.result["processed"] == 1 and job.result_url == "/map/"


def test_geocode_button_is_for_coordinators(client, auth, staff):
    auth.login(staff())
    assert client.post("/jobs/geocode").status_code == 403


def test_backends_have_their_names():
    assert (InlineBackend.name, ThreadBackend.name, RQBackend.name) == ("inline", "thread", "rq")
