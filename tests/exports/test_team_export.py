"""Team exports: several people's visits over a range of days as a ZIP; a large one runs as a
background job whose page offers the download (the tests' job backend runs it at once)."""

from __future__ import annotations

import io
import os
import time
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from pypdf import PdfReader

from crm.auth.models import Role
from crm.exports import bulk
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobStatus
from crm.jobs.services import submit_job

ROME = ZoneInfo("Europe/Rome")
MONDAY = datetime(2026, 10, 19, tzinfo=ROME)


@pytest.fixture(autouse=True)
def _instance(app, tmp_path):
    """Exports are written under a throw-away instance folder."""
    old = app.instance_path
    app.instance_path = str(tmp_path / "instance")
    yield
    app.instance_path = old


@pytest.fixture
def team(make_user, office, make_visit, make_org):
    """Three operators, each with a visit on Monday and on Thursday of the week of 19 October."""
    people = [
        make_user(Role.OPERATOR, email=f"op{n}@test.local", full_name=name, office_id=office.id)
        for n, name in enumerate(("Anna Rossi", "Bruno Verdi", "Carla Neri"), start=1)
    ]
    for n, person in enumerate(people):
        monday = make_org(legal_name=f"Monday {person.full_name} S.r.l.")
        make_visit(person, MONDAY.replace(hour=9 + n), org=monday)
        thursday = make_org(legal_name=f"Thursday {person.full_name}")
        make_visit(person, (MONDAY + timedelta(days=3)).replace(hour=10), org=thursday)
    return people


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR, email="coord@test.local", full_name="Zeno Coordinatore")


def _login(client, auth, user):
    auth.logout()
    assert auth.login(user).status_code == 302


def _post(client, people, *, days, fmt="pdf", first="2026-10-19"):
    return client.post(
        "/exports/team",
        data={"staff_ids": [p.id for p in people], "first": first, "days": str(days), "fmt": fmt},
    )


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_small_team_export_is_downloaded_at_once(client, auth, coordinator, team):
    """2 people x 4 days is small: the ZIP comes back in the response, one day-sheet PDF per person."""
    _login(client, auth, coordinator)
    response = _post(client, team[:2], days=4)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert 'filename="visite-team-2026-10-19_2026-10-22-pdf.zip"' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    assert names == sorted(f"visite-{p.id}-2026-10-19-4g.pdf" for p in team[:2])
    text = _pdf_text(archive.read(f"visite-{team[0].id}-2026-10-19-4g.pdf"))
    assert "Anna Rossi" in text and "Monday Anna Rossi" in text and "Thursday Anna Rossi" in text
    assert "Bruno" not in text
    assert db.session.query(BackgroundJob).count() == 0


def test_large_team_export_runs_as_a_job_with_a_download(client, auth, coordinator, team):
    """3 people x 7 days is above the threshold: a job; its page links the ZIP, which has every person."""
    _login(client, auth, coordinator)
    response = _post(client, team, days=7, fmt="ics")
    assert response.status_code == 302
    job = db.session.query(BackgroundJob).one()
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.kind == "exports.visits" and job.status is JobStatus.SUCCEEDED
    assert job.user_id == coordinator.id
    assert job.params == {"staff_ids": [p.id for p in team], "first": "2026-10-19", "days": 7, "fmt": "ics"}
    assert job.message.startswith("Export ready: 3 people, ") and job.message.endswith(" kB.")
    assert "Anna" not in job.title and job.title.startswith("19/10/2026 – 25/10/2026, 3 people")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    download_url = f"/exports/jobs/{job.id}/download"
    assert download_url in page and "Export of the team" in page
    download = client.get(download_url)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "visite-team-2026-10-19_2026-10-25-ics.zip" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert len(archive.namelist()) == 3
    for person in team:
        calendar = icalendar.Calendar.from_ical(archive.read(f"visite-{person.id}-2026-10-19-7g.ics"))
        summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
        assert len(summaries) == 2 and all(person.full_name in s for s in summaries)
    download.close()


def test_threshold_comes_from_the_configuration(app, client, auth, coordinator, team, monkeypatch):
    """EXPORTS_JOB_PERSON_DAYS sets what counts as large."""
    monkeypatch.setitem(app.config, "EXPORTS_JOB_PERSON_DAYS", 1)
    _login(client, auth, coordinator)
    assert _post(client, team[:1], days=2).status_code == 302
    assert db.session.query(BackgroundJob).count() == 1
    monkeypatch.setitem(app.config, "EXPORTS_JOB_PERSON_DAYS", 100)
    assert _post(client, team, days=30).status_code == 200


def test_bad_team_export_forms_are_refused_with_reasons(client, auth, coordinator, team):
    """Nobody chosen, days out of range or a bad date: the form again (400) with the field's error."""
    _login(client, auth, coordinator)
    nobody = client.post("/exports/team", data={"first": "2026-10-19", "days": "3", "fmt": "pdf"})
    assert nobody.status_code == 400 and "Choose at least one person." in nobody.get_data(as_text=True)
    too_long = _post(client, team, days=93)
    assert too_long.status_code == 400 and "between 1 and 92" in too_long.get_data(as_text=True)
    assert _post(client, team, days=0).status_code == 400
    assert _post(client, team, days=3, first="19/10/2026").status_code == 400
    assert _post(client, team, days=3, fmt="exe").status_code == 400
    last_year = _post(client, team, days=92, first="9999-12-30")
    assert last_year.status_code == 400 and "Choose an earlier first day." in last_year.get_data(as_text=True)
    assert client.get("/exports/visits.pdf?date=9999-12-31&days=2").status_code == 400
    assert db.session.query(BackgroundJob).count() == 0


def test_team_export_page_lists_the_operators(client, auth, coordinator, team):
    """The form offers the active operators, checked, and the coordinator."""
    _login(client, auth, coordinator)
    page = client.get("/exports/team").get_data(as_text=True)
    assert all(p.full_name in page for p in team) and "Zeno Coordinatore" in page
    assert page.count("checked") == 3


def test_operators_cannot_export_the_team_or_download_jobs(client, auth, coordinator, team, make_user):
    """Team exports and their downloads are the coordinators'; an unknown or other job is 404."""
    _login(client, auth, coordinator)
    _post(client, team, days=7)
    job = db.session.query(BackgroundJob).one()
    _login(client, auth, team[0])
    assert client.get("/exports/team").status_code == 403
    assert _post(client, team, days=7).status_code == 403
    assert client.get(f"/exports/jobs/{job.id}/download").status_code == 403
    other = make_user(Role.COORDINATOR, email="other@test.local")
    _login(client, auth, other)
    allowed = client.get(f"/exports/jobs/{job.id}/download")
    assert allowed.status_code == 200  # coordinators follow everyone's jobs
    allowed.close()
    assert client.get("/exports/jobs/999/download").status_code == 404
    job.kind = "geocoding.batch"
    db.session.commit()
    assert client.get(f"/exports/jobs/{job.id}/download").status_code == 404


def test_an_expired_export_says_so(client, auth, coordinator, team):
    """Once the file is purged, the download explains and leads back to the form."""
    _login(client, auth, coordinator)
    _post(client, team, days=7)
    job = db.session.query(BackgroundJob).one()
    path = bulk.export_folder() / job.result["file"]
    assert path.is_file()
    old = time.time() - (bulk.KEEP_HOURS + 1) * 3600
    os.utime(path, (old, old))
    assert bulk.purge_old_results() == 1 and not path.exists()
    response = client.get(f"/exports/jobs/{job.id}/download", follow_redirects=True)
    assert "This export is no longer available (exports are kept 24 hours)" in response.get_data(as_text=True)
    assert bulk.stored_result("../crm.sqlite3") is None and bulk.stored_result(None) is None


def test_the_job_checks_rights_again(team, office, make_user):
    """A job queued by someone who may not export those people fails with a reason, writes nothing."""
    operator = team[0]
    job = submit_job(
        "exports.visits",
        params={"staff_ids": [team[1].id], "first": "2026-10-19", "days": 20, "fmt": "pdf"},
        user=operator,
    )
    assert job.status is JobStatus.FAILED and job.error == "None of the chosen people can be exported."
    assert not bulk.export_folder().exists() or not any(bulk.export_folder().iterdir())
    own = submit_job(
        "exports.visits",
        params={"staff_ids": [operator.id], "first": "2026-10-19", "days": 20, "fmt": "csv"},
        user=operator,
    )
    assert own.status is JobStatus.SUCCEEDED and own.result["people"] == 1


def test_the_agenda_links_the_team_export_for_coordinators(client, auth, coordinator, team):
    """Coordinators find the team export in the agenda's Export block; operators do not."""
    _login(client, auth, coordinator)
    assert 'href="/exports/team"' in client.get("/visits/agenda").get_data(as_text=True)
    _login(client, auth, team[0])
    assert 'href="/exports/team"' not in client.get("/visits/agenda").get_data(as_text=True)
