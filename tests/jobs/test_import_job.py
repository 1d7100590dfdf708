"""A confirmed web import runs as a background job: progress page, then the run's result page."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from crm.auth.models import Role
from crm.extensions import db
from crm.imports.models import ImportRun
from crm.jobs.models import BackgroundJob, JobStatus
from crm.organizations.models import Organization
from tests.jobs.conftest import wait_for


@pytest.fixture(autouse=True)
def _instance(app: Flask, tmp_path: Path) -> Iterator[None]:
    old = app.instance_path
    app.instance_path = str(tmp_path / "instance")
    yield
    app.instance_path = old


def _csv(rows: int) -> bytes:
    # Names far apart from each other, or the import would flag them as possible duplicates.
    names = [hashlib.sha256(str(n).encode()).hexdigest()[:12].upper() for n in range(rows)]
    lines = ["Ragione sociale;Comune"] + [f"{name};Firenze" for name in names]
    return ("\r\n".join(lines) + "\r\n").encode()


def _upload_and_confirm(client, data: bytes) -> object:
    upload = client.post("/imports/", data={"file": (io.BytesIO(data), "big.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302, upload.get_data(as_text=True)[:300]
    preview = upload.headers["Location"]
    return client.post(preview, data={"col_0": "legal_name", "col_1": "comune", "do_import": "1"})


def test_web_import_in_a_thread_shows_a_job_page_then_links_the_run(client, auth, staff, thread_backend):
    """The preview's confirm sends the import to a job; the job page ends with a link to the run."""
    coordinator = staff(Role.COORDINATOR)
    auth.login(coordinator)
    response = _upload_and_confirm(client, _csv(450))
    assert response.status_code == 302
    job = db.session.scalars(select(BackgroundJob)).one()
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.kind == "imports.organizations" and job.title == "big.csv"

    done = wait_for(job.id)
    assert done.status is JobStatus.SUCCEEDED, done.error
    run = db.session.scalars(select(ImportRun)).one()
    assert done.result_url == f"/imports/{run.id}"
    assert done.message.startswith("Import finished: 450 imported")
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 450
    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert status["result_url"] == f"/imports/{run.id}" and status["progress"] == 100


def test_web_import_inline_goes_straight_to_the_run(client, auth, staff):
    """With the inline backend (tests, tiny files) the result page comes at once, as before."""
    auth.login(staff(Role.COORDINATOR))
    response = _upload_and_confirm(client, _csv(3))
    run = db.session.scalars(select(ImportRun)).one()
    assert response.headers["Location"].endswith(f"/imports/{run.id}")
    assert db.session.scalars(select(BackgroundJob)).one().status is JobStatus.SUCCEEDED
