"""Visit plans, candidates and openings through the API, under the screens' role and privacy rules."""

from __future__ import annotations

from datetime import date

import pytest

from crm.auth.models import Role
from crm.candidates.models import Skill
from crm.candidates.services import create_candidate
from crm.extensions import db
from crm.openings.models import ContractType
from crm.openings.services import create_opening, shortlist
from crm.privacy.models import AccessAction, AccessLog
from crm.visits import services as visit_services
from crm.visits.planning import PlanRequest, StaffSpec, StopSpec

from .conftest import PLAN_DAY, count_queries

DAY = PLAN_DAY


# --- Visit plans ----------------------------------------------------------------------------------


@pytest.fixture
def solved_plan(staff, app, office, orgs):
    anna = staff(Role.OPERATOR, full_name="Anna", office_id=office.id)
    orgs = orgs[:3]
    request = PlanRequest(
        days=(DAY,),
        staff=(StaffSpec(anna.id, start_office_id=office.id, end_office_id=office.id),),
        stops=tuple(StopSpec(o.id, 30) for o in orgs),
        seconds=1,
        purpose="Giro prova",
    )
    plan = visit_services.create_plan(request, by=None)
    visit_services.submit_plan(plan)
    db.session.refresh(plan)
    return plan, anna, orgs


def test_plans_list_is_for_coordinators(client, op, coord, headers, solved_plan):
    plan, anna, _ = solved_plan
    assert client.get("/api/v1/visit-plans", headers=headers(op, "read")).status_code == 403
    body = client.get("/api/v1/visit-plans", headers=headers(coord, "read")).get_json()
    assert [p["id"] for p in body["items"]] == [plan.id]
    assert body["items"][0]["staff_ids"] == [anna.id] and body["items"][0]["purpose"] == "Giro prova"
    body = client.get("/api/v1/visit-plans?status=accepted", headers=headers(coord, "read")).get_json()
    assert body["items"] == []


def test_plan_detail_shows_routes_to_its_staff_only(client, op, coord, headers, solved_plan):
    plan, anna, orgs = solved_plan
    assert plan.status.value == "solved"
    body = client.get(f"/api/v1/visit-plans/{plan.id}", headers=headers(anna, "read")).get_json()
    assert len(body["routes"]) == 1 and body["routes"][0]["user"]["id"] == anna.id
    visited = {v["organization_id"] for v in body["routes"][0]["visits"]} | {
        u["organization_id"] for u in body["unassigned"]
    }
    assert visited == {o.id for o in orgs}
    assert all(len(v["arrival"]) == 5 for v in body["routes"][0]["visits"])
    assert client.get(f"/api/v1/visit-plans/{plan.id}", headers=headers(op, "read")).status_code == 403
    assert client.get(f"/api/v1/visit-plans/{plan.id}", headers=headers(coord, "read")).status_code == 200


# --- Candidates -----------------------------------------------------------------------------------


def _candidate(by, operator_id=None, **identity):
    person = {
        "first_name": "Giulia",
        "last_name": "Neri",
        "tax_code": None,
        "phone": "+393331234567",
        "email": "g@example.org",
        "comune_code": "048017",
    }
    person.update(identity)
    profile = {
        "referred_on": date(2026, 3, 1),
        "referring_office": "Servizio Sociale Q4",
        "hours_per_week": 30,
        "shifts": ["morning"],
        "available_days": ["mon"],
        "sectors": ["N"],
        "languages": ["Italiano"],
    }
    return create_candidate(person, profile, by=by, operator_id=operator_id, skill_ids=[])


def _log_rows():
    return db.session.scalars(db.select(AccessLog).order_by(AccessLog.id)).all()


def test_admins_do_not_see_candidates(client, staff, coord, headers):
    _candidate(coord)
    admin = staff(Role.ADMIN)
    response = client.get("/api/v1/candidates", headers=headers(admin, "read"))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_operator_sees_identity_only_of_the_people_they_follow(client, op, coord, headers):
    """Pseudonymous for others; the identities shown are logged as one list read, like the page."""
    mine = _candidate(coord, operator_id=op.id, first_name="Mia")
    other = _candidate(coord, first_name="Altra")
    before = len(_log_rows())
    body = client.get("/api/v1/candidates", headers=headers(op, "read")).get_json()
    by_code = {c["code"]: c for c in body["items"]}
    assert by_code[mine.code]["identity"]["first_name"] == "Mia" and by_code[mine.code]["identified"] is True
    assert by_code[other.code]["identity"] is None and by_code[other.code]["identified"] is False
    assert "Altra" not in client.get("/api/v1/candidates", headers=headers(op, "read")).get_data(as_text=True)
    rows = _log_rows()[before:]
    assert rows[0].action is AccessAction.LIST and rows[0].user_id == op.id
    assert mine.code in rows[0].candidate_codes and other.code not in rows[0].candidate_codes


def test_candidate_detail_logs_the_identity_read(client, op, coord, headers):
    mine = _candidate(coord, operator_id=op.id)
    other = _candidate(coord)
    before = len(_log_rows())
    body = client.get(f"/api/v1/candidates/{mine.id}", headers=headers(op, "read")).get_json()
    assert body["identity"]["last_name"] == "Neri"
    rows = _log_rows()[before:]
    assert len(rows) == 1 and rows[0].action is AccessAction.VIEW and rows[0].candidate_id == mine.id
    assert "API" in (rows[0].detail or "")
    before = len(_log_rows())
    body = client.get(f"/api/v1/candidates/{other.id}", headers=headers(op, "read")).get_json()
    assert body["identity"] is None and body["code"] == other.code
    assert len(_log_rows()) == before  # nothing sensitive read, nothing logged


def test_coordinator_sees_every_identity(client, op, coord, headers):
    c = _candidate(coord, operator_id=op.id)
    body = client.get(f"/api/v1/candidates/{c.id}", headers=headers(coord, "read")).get_json()
    assert body["identity"]["first_name"] == "Giulia"


def test_candidate_filters_and_pagination(client, op, coord, headers):
    for n in range(3):
        _candidate(coord, operator_id=op.id if n else None, first_name=f"P{n}")
    body = client.get("/api/v1/candidates?mine=true&per_page=1", headers=headers(op, "read")).get_json()
    assert body["total"] == 2 and body["pages"] == 2 and len(body["items"]) == 1
    body = client.get("/api/v1/candidates?status=closed", headers=headers(op, "read")).get_json()
    assert body["items"] == []


def test_candidate_list_query_count_is_bounded(client, op, coord, headers, fresh):
    h = headers(op, "read")
    ids = (op.id, coord.id)
    from crm.auth.models import User
    from crm.candidates.models import Candidate

    def queries(total: int) -> int:
        n = db.session.scalar(db.select(db.func.count(Candidate.id)))
        while n < total:
            _candidate(db.session.get(User, ids[1]), operator_id=ids[n % 2])
            n += 1
        client.get("/api/v1/me", headers=h)
        fresh()
        with count_queries() as statements:
            assert client.get("/api/v1/candidates?per_page=100", headers=h).status_code == 200
        return len(statements)

    assert queries(2) == queries(8)


# --- Openings -------------------------------------------------------------------------------------


@pytest.fixture
def opening(coord, make_org):
    org = make_org(legal_name="Pulizie Arno")
    skill = Skill(name="Pulizie")
    db.session.add(skill)
    db.session.commit()
    return create_opening(
        org,
        {"title": "Addetta pulizie", "contract": ContractType.FIXED_TERM, "positions": 2},
        by=coord,
        required_skill_ids=[skill.id],
    )


def test_openings_list_and_filters(client, op, coord, opening, headers):
    h = headers(op, "read")
    body = client.get("/api/v1/openings", headers=h).get_json()
    assert [o["title"] for o in body["items"]] == ["Addetta pulizie"]
    item = body["items"][0]
    assert item["skills"] == [{"id": item["skills"][0]["id"], "name": "Pulizie", "required": True}]
    assert item["organization"]["display_name"] == "Pulizie Arno"
    assert client.get("/api/v1/openings?contract=permanent", headers=h).get_json()["items"] == []
    assert len(client.get("/api/v1/openings?q=pulizie&status=open", headers=h).get_json()["items"]) == 1


def test_opening_pipeline_is_pseudonymous_and_hidden_from_admins(client, op, coord, staff, opening, headers):
    person = _candidate(coord, operator_id=op.id, first_name="Segreta")
    shortlist(opening, person, by=coord)
    body = client.get(f"/api/v1/openings/{opening.id}", headers=headers(op, "read")).get_json()
    assert [e["candidate_code"] for e in body["pipeline"]] == [person.code]
    assert "Segreta" not in str(body)
    admin_body = client.get(
        f"/api/v1/openings/{opening.id}", headers=headers(staff(Role.ADMIN), "read")
    ).get_json()
    assert admin_body["pipeline"] is None and admin_body["title"] == "Addetta pulizie"


def test_coordinator_accepts_reopens_and_cancels_a_plan(client, op, coord, headers, solved_plan):
    """The plan page's decisions: accepted visits reach the agenda (/visits), reopen withdraws them."""
    plan, anna, _orgs = solved_plan
    h = headers(coord)
    assert (
        client.post(f"/api/v1/visit-plans/{plan.id}/accept", json={}, headers=headers(anna)).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/visit-plans/{plan.id}/accept", json={}, headers=headers(coord, "read")
        ).status_code
        == 403
    )
    response = client.post(f"/api/v1/visit-plans/{plan.id}/accept", json={}, headers=h)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["plan"]["status"] == "accepted" and body["visits"] >= 1
    visits = client.get("/api/v1/visits?status=planned", headers=headers(anna, "read")).get_json()
    assert visits["total"] == body["visits"]
    assert all(v["visit_plan_id"] == plan.id for v in visits["items"])
    again = client.post(f"/api/v1/visit-plans/{plan.id}/accept", json={}, headers=h)
    assert again.status_code == 409 and again.get_json()["error"] == "invalid_plan_state"
    reopened = client.post(f"/api/v1/visit-plans/{plan.id}/reopen", headers=h).get_json()
    assert reopened["plan"]["status"] == "solved" and reopened["visits"] == body["visits"]
    cancelled = client.post(f"/api/v1/visit-plans/{plan.id}/cancel", headers=h)
    assert cancelled.status_code == 200 and cancelled.get_json()["plan"]["status"] == "cancelled"
    assert client.post(f"/api/v1/visit-plans/{plan.id}/cancel", headers=h).status_code == 409


def test_opening_create_and_update_through_the_form(client, op, make_org, headers):
    org = make_org(legal_name="Magazzini Arno", comune_code="048017")
    skill = Skill(name="Carrello elevatore")
    db.session.add(skill)
    db.session.commit()
    h = headers(op)
    response = client.post(
        "/api/v1/openings",
        json={
            "organization_id": org.id,
            "title": "Magazziniere",
            "contract": "fixed_term",
            "shifts": ["morning", "afternoon"],
            "required_skill_ids": [skill.id],
            "free_skills": ["patente B"],
            "deadline": "2026-12-31",
        },
        headers=h,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "open" and body["positions"] == 1 and body["comune_code"] == "048017"
    assert body["skills"] == [{"id": skill.id, "name": "Carrello elevatore", "required": True}]
    assert body["shifts"] == ["morning", "afternoon"] and body["free_skills"] == ["patente B"]
    response = client.patch(
        f"/api/v1/openings/{body['id']}", json={"positions": 3, "status": "on_hold"}, headers=h
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert (changed["positions"], changed["status"], changed["title"]) == (3, "on_hold", "Magazziniere")
    assert changed["skills"] == body["skills"] and changed["deadline"] == "2026-12-31"
    bad = client.patch(
        f"/api/v1/openings/{body['id']}", json={"hours_per_week": 90, "positions": 0}, headers=h
    )
    assert bad.status_code == 422 and {"hours_per_week", "positions"} <= set(bad.get_json()["errors"])
    missing = client.post("/api/v1/openings", json={"organization_id": org.id, "title": "x"}, headers=h)
    assert missing.status_code == 422 and "contract" in missing.get_json()["errors"]
