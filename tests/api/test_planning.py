"""POST /api/v1/visit-plans runs the planner as the planning screen does (same request, same result),
inline or in the background (202 and a URL to poll), and GET /api/v1/jobs/<id> follows a job."""

from __future__ import annotations

from typing import Any

import pytest

from crm.auth.models import Role
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobStatus
from crm.jobs.worker import make_worker
from crm.organizations.models import Organization
from crm.visits import services as visit_services
from crm.visits.jobs import EXTENSION_KEY, BackgroundRunner
from crm.visits.models import PlanStatus, VisitPlan
from crm.visits.planning import PlanRequest, StaffSpec, StopSpec
from routing.model import TravelMode
from tests.api.conftest import PLAN_DAY, WEEKDAY_HOURS
from tests.jobs.conftest import redis_url, rq_backend, use_backend, wait_for  # noqa: F401 - fixtures

DAY = PLAN_DAY


@pytest.fixture
def anna(staff, office):
    return staff(Role.OPERATOR, full_name="Anna", email="anna@test.local", office_id=office.id)


def _body(anna: Any, orgs: list[Organization], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_day": DAY.isoformat(),
        "seconds": 1,
        "purpose": "Giro prova",
        "staff": [{"email": anna.email, "mode": "bicycle"}],
        "stops": [{"organization_id": org.id, "minutes": 30} for org in orgs],
    }
    body.update(extra)
    return body


def _routes(body: dict[str, Any]) -> list[Any]:
    return [
        (r["user"]["id"], r["day"], r["mode"], [(v["organization_id"], v["arrival"]) for v in r["visits"]])
        for r in body["routes"]
    ]


def test_a_plan_solved_inline_equals_the_services_plan(client, coord, anna, office, orgs, headers):
    """The API builds the screen's request (defaults included) and the same plan comes out; the draft
    is then accepted as before."""
    h = headers(coord)
    response = client.post("/api/v1/visit-plans", json=_body(anna, orgs), headers=h)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["status"] == "solved" and made["staff_ids"] == [anna.id] and made["purpose"] == "Giro prova"
    assert made["created_by"]["id"] == coord.id
    assert sum(len(r["visits"]) for r in made["routes"]) + len(made["unassigned"]) == len(orgs)

    request = PlanRequest(
        days=(DAY,),
        staff=(
            StaffSpec(anna.id, mode=TravelMode.BICYCLE, start_office_id=office.id, end_office_id=office.id),
        ),
        stops=tuple(StopSpec(o.id, 30) for o in orgs),
        seconds=1,
        purpose="Giro prova",
    )
    by_service = visit_services.create_plan(request, by=coord)
    visit_services.submit_plan(by_service)
    assert db.session.get(VisitPlan, made["id"]).request == by_service.request
    expected = client.get(f"/api/v1/visit-plans/{by_service.id}", headers=h).get_json()
    assert _routes(made) == _routes(expected) and made["routes"]

    accepted = client.post(f"/api/v1/visit-plans/{made['id']}/accept", json={}, headers=h)
    assert accepted.status_code == 200 and accepted.get_json()["plan"]["status"] == "accepted"
    assert accepted.get_json()["visits"] == sum(len(r["visits"]) for r in made["routes"])


def test_several_days_skip_the_weekend(client, coord, anna, orgs, headers):
    """Three days from a Friday are Friday, Monday and Tuesday, as the screen's range would give."""
    body = _body(anna, orgs, first_day="2030-01-11", days=3, staff=[{"user_id": anna.id}])
    made = client.post("/api/v1/visit-plans", json=body, headers=headers(coord)).get_json()
    assert (made["first_day"], made["last_day"]) == ("2030-01-11", "2030-01-15")
    assert db.session.get(VisitPlan, made["id"]).request["days"] == ["2030-01-11", "2030-01-14", "2030-01-15"]


def test_only_coordinators_plan_and_only_with_a_write_token(client, op, coord, anna, orgs, headers):
    response = client.post("/api/v1/visit-plans", json=_body(anna, orgs), headers=headers(op))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    response = client.post("/api/v1/visit-plans", json=_body(anna, orgs), headers=headers(coord, "read"))
    assert response.status_code == 403 and response.get_json()["error"] == "insufficient_scope"
    assert db.session.scalars(db.select(VisitPlan)).all() == []


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"first_day": None, "staff": None, "stops": None}, {"first_day", "staff", "stops"}),
        ({"seconds": 31, "days": 15}, {"seconds", "days"}),
        ({"staff": [{"user_id": 999_999}]}, {"staff.0.user_id"}),
        ({"staff": [{"email": "nobody@test.local"}]}, {"staff.0.email"}),
        ({"staff": [{"mode": "car"}]}, {"staff.0.user_id"}),
        ({"staff": [{"email": "anna@test.local", "start_office_id": 999}]}, {"staff.0.start_office_id"}),
        ({"staff": [{"email": "anna@test.local", "mode": "jetpack"}]}, {"staff.0.mode"}),
        ({"stops": [{"organization_id": 999_999}]}, {"stops.0.organization_id"}),
        ({"stops": [{"organization_id": "x", "minutes": 2}]}, {"stops.0.organization_id", "stops.0.minutes"}),
        # An appointment needs both its day and its time (the screen's form rule).
        ({"stops": [{"organization_id": 0, "appointment_date": "2030-01-08"}]}, {"stops.0.appointment_time"}),
        ({"stops": [{"organization_id": 0, "appointment_time": "10:00"}]}, {"stops.0.appointment_date"}),
        ({"stops": [{"organization_id": 0}, {"organization_id": 0}]}, {"stops.1.organization_id"}),
        # Every wrong reference at once, not only the first.
        (
            {"staff": [{"user_id": 999_999}], "stops": [{"organization_id": 999_999, "staff_id": 999_999}]},
            {"staff.0.user_id", "stops.0.organization_id", "stops.0.staff_id"},
        ),
    ],
    ids=[
        "missing",
        "bounds",
        "staff-id",
        "staff-email",
        "staff-who",
        "office",
        "mode",
        "org",
        "types",
        "appt-day",
        "appt-time",
        "twice",
        "all-at-once",
    ],
)
def test_bad_input_is_422_by_field(client, coord, anna, orgs, headers, change, fields):
    body = _body(anna, orgs)
    for name, value in change.items():
        if value is None:
            del body[name]
        else:
            body[name] = value
    for stop in body.get("stops", []):
        if stop.get("organization_id") == 0:
            stop["organization_id"] = orgs[0].id
    response = client.post("/api/v1/visit-plans", json=body, headers=headers(coord))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == "validation_failed"
    assert set(response.get_json()["errors"]) == fields
    assert db.session.scalars(db.select(VisitPlan)).all() == []


def test_a_request_the_planner_refuses_is_422_with_its_reasons(client, coord, anna, headers):
    """Nothing to visit once the organizations without a location are left out: the planner's reason."""
    nowhere = Organization(
        legal_name="Senza indirizzo", search_text="senza indirizzo", opening_hours=WEEKDAY_HOURS
    )
    db.session.add(nowhere)
    db.session.commit()
    response = client.post("/api/v1/visit-plans", json=_body(anna, [nowhere]), headers=headers(coord))
    assert response.status_code == 422
    assert response.get_json()["error"] == "plan_not_possible"
    assert response.get_json()["errors"]["_schema"] == ["There is no organization to visit."]


# --- In the background ------------------------------------------------------------------------------


def test_on_the_job_queue_the_plan_is_202_and_its_job_is_polled(
    app,
    client,
    coord,
    anna,
    orgs,
    headers,
    rq_backend,  # noqa: F811 - the fixture imported above
    monkeypatch,
):
    """With RQ, as the screen does: the plan becomes a visits.plan job; the client polls
    /api/v1/jobs/<id> until a worker has solved it, then accepts the draft."""
    monkeypatch.setitem(app.config, "PLAN_RUN_INLINE", False)
    h = headers(coord)
    response = client.post("/api/v1/visit-plans", json=_body(anna, orgs), headers=h)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    plan_id, job_id = body["plan"]["id"], body["job"]["id"]
    assert body["plan"]["status"] == "queued" and body["job"]["status"] == "queued"
    assert response.headers["Location"].endswith(f"/api/v1/jobs/{job_id}")
    polled = client.get(response.headers["Location"], headers=headers(coord, "read"))
    assert polled.status_code == 200
    assert (polled.get_json()["plan_id"], polled.get_json()["finished"]) == (plan_id, False)

    make_worker(app, simple=True, name=f"{rq_backend.queue_name}-plans").work(
        burst=True, with_scheduler=False
    )
    assert wait_for(job_id).status is JobStatus.SUCCEEDED
    done = client.get(f"/api/v1/jobs/{job_id}", headers=h).get_json()
    assert done["status"] == "succeeded" and done["progress"] == 100 and done["plan_id"] == plan_id
    assert done["result"] == {"plan_id": plan_id, "status": "solved"}
    accepted = client.post(f"/api/v1/visit-plans/{plan_id}/accept", json={}, headers=h)
    assert accepted.status_code == 200 and accepted.get_json()["plan"]["status"] == "accepted"


def test_with_the_solver_process_the_plan_itself_is_polled(
    app, client, coord, anna, orgs, headers, monkeypatch
):
    """Without RQ, plans go to the warm solver process and have no job row: Location is the plan."""
    monkeypatch.setitem(app.config, "PLAN_RUN_INLINE", False)
    runner = BackgroundRunner(app, workers=1)
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, runner)
    try:
        response = client.post("/api/v1/visit-plans", json=_body(anna, orgs), headers=headers(coord))
        assert response.status_code == 202, response.get_json()
        body = response.get_json()
        assert body["job"] is None
        assert response.headers["Location"].endswith(f"/api/v1/visit-plans/{body['plan']['id']}")
    finally:
        runner.shutdown()  # waits for the job
    polled = client.get(response.headers["Location"], headers=headers(coord, "read")).get_json()
    assert polled["status"] == PlanStatus.SOLVED.value, polled["error"]
    assert sum(len(r["visits"]) for r in polled["routes"]) + len(polled["unassigned"]) == len(orgs)


# --- Jobs -----------------------------------------------------------------------------------------------


def test_a_job_is_seen_by_its_author_and_coordinators_only(client, op, coord, staff, headers):
    job = BackgroundJob(
        kind="imports.organizations",
        title="aziende.csv",
        status=JobStatus.SUCCEEDED,
        progress=100,
        message="3 imported",
        result={"imported": 3},
        user_id=op.id,
        backend="inline",
    )
    db.session.add(job)
    db.session.commit()
    mine = client.get(f"/api/v1/jobs/{job.id}", headers=headers(op, "read"))
    assert mine.status_code == 200
    assert {k: mine.get_json()[k] for k in ("status", "progress", "result", "plan_id", "finished")} == {
        "status": "succeeded",
        "progress": 100,
        "result": {"imported": 3},
        "plan_id": None,
        "finished": True,
    }
    assert client.get(f"/api/v1/jobs/{job.id}", headers=headers(coord, "read")).status_code == 200
    # Someone else's job is not found, as on the job page: its existence is not confirmed.
    for job_id, user in ((job.id, staff(Role.OPERATOR)), (job.id + 1, op), (2**40, op)):
        response = client.get(f"/api/v1/jobs/{job_id}", headers=headers(user, "read"))
        assert response.status_code == 404 and response.get_json()["error"] == "not_found"
