"""Plan visits pages: the form, the job status, the result, moves, accepting, the agenda."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from crm.extensions import db
from crm.interactions.models import Interaction, InteractionStatus
from crm.visits import services
from crm.visits.models import PlanStatus, VisitPlan
from tests.visits.conftest import DAY


def _form(staff: list[Any], orgs: list[Any], office: Any, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_day": DAY.isoformat(),
        "skip_weekends": "y",
        "seconds": "1",
        "purpose": "Presentazione",
        "solve": "Plan",
    }
    for k, user in enumerate(staff):
        data |= {
            f"staff-{k}-user_id": user.id,
            f"staff-{k}-include": "y",
            f"staff-{k}-mode": "car",
            f"staff-{k}-start_office_id": office.id,
            f"staff-{k}-end_office_id": office.id,
            f"staff-{k}-work_start": "08:30",
            f"staff-{k}-work_end": "17:30",
            f"staff-{k}-lunch_minutes": "30",
            f"staff-{k}-lunch_from": "12:30",
            f"staff-{k}-lunch_to": "14:30",
        }
    for k, org in enumerate(orgs):
        data |= {
            f"stops-{k}-organization_id": org.id,
            f"stops-{k}-include": "y",
            f"stops-{k}-minutes": "30",
            f"stops-{k}-priority": "50",
            f"stops-{k}-staff_id": "0",
        }
    data.update(extra)
    return data


def _plans() -> int:
    return db.session.scalar(select(func.count(VisitPlan.id))) or 0


def test_operators_may_not_plan_or_accept(client, auth, operator, field_staff, orgs, make_request):
    """Planning, accepting and editing are for coordinators: operators get 403."""
    plan = services.create_plan(make_request(field_staff, orgs), by=None)
    auth.login(operator)
    assert client.get("/visits/plan").status_code == 403
    assert client.post("/visits/plan", data={}).status_code == 403
    assert client.post(f"/visits/plans/{plan.id}/accept").status_code == 403
    assert client.post(f"/visits/plans/{plan.id}/move", data={"stop_id": "1"}).status_code == 403
    assert client.get(f"/visits/plans/{plan.id}").status_code == 403  # not in this plan


def test_plan_form_lists_the_selected_organizations(client, auth, coordinator, field_staff, orgs, make_org):
    """Organizations chosen on the list come as rows; missing locations and hours are flagged."""
    nowhere = make_org(legal_name="Senza Posto S.p.A.", latitude=None, longitude=None, geo_precision=None)
    auth.login(coordinator)
    page = client.get(f"/visits/plan?organization_id={orgs[0].id}&organization_id={nowhere.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert orgs[0].legal_name in html and "Senza Posto S.p.A." in html
    assert "No location" in html
    assert "Anna Operatrice" in html and "Bruno Operatore" in html
    by_filter = client.get("/visits/plan?q=azienda").get_data(as_text=True)
    assert all(o.legal_name in by_filter for o in orgs)


def test_posting_the_form_plans_and_shows_the_routes(client, auth, coordinator, field_staff, orgs, office):
    """The form queues a plan, the (inline) job solves it, the result page shows routes and a map."""
    auth.login(coordinator)
    response = client.post("/visits/plan", data=_form(field_staff, orgs, office))
    assert response.status_code == 302
    plan = db.session.scalars(select(VisitPlan)).one()
    assert response.headers["Location"].endswith(f"/visits/plans/{plan.id}")
    assert plan.status is PlanStatus.SOLVED and plan.created_by_id == coordinator.id
    html = client.get(f"/visits/plans/{plan.id}").get_data(as_text=True)
    assert "visit-plan-map" in html and "/vendor/leaflet/leaflet.js" in html
    assert "Anna Operatrice" in html or "Bruno Operatore" in html
    assert all(o.legal_name in html for o in orgs)
    assert "<script>" not in html.split("{% block scripts %}")[0].replace("<script src", "")
    status = client.get(f"/visits/plans/{plan.id}/status.json").get_json()
    assert status["status"] == "solved" and status["running"] is False


def test_status_endpoint_reports_a_running_job(client, auth, coordinator, field_staff, orgs, make_request):
    """While queued, the status says so and the page shows a spinner that polls it."""
    plan = services.create_plan(make_request(field_staff, orgs), by=coordinator)
    auth.login(coordinator)
    data = client.get(f"/visits/plans/{plan.id}/status.json").get_json()
    assert data == {
        "id": plan.id,
        "status": "queued",
        "running": True,
        "error": None,
        "seconds": None,
        "url": f"/visits/plans/{plan.id}",
    }
    html = client.get(f"/visits/plans/{plan.id}").get_data(as_text=True)
    assert 'data-status-url="/visits/plans/' in html
    assert client.get("/visits/plans/999/status.json").status_code == 404


def test_bad_input_is_shown_not_a_server_error(client, auth, coordinator, field_staff, orgs, office):
    """No operator, no stop, an impossible appointment: the form comes back with the reason."""
    auth.login(coordinator)
    no_staff = _form(field_staff, orgs, office)
    for k in range(len(field_staff)):
        no_staff.pop(f"staff-{k}-include")
    response = client.post("/visits/plan", data=no_staff)
    assert response.status_code == 200
    assert "Choose at least one operator." in response.get_data(as_text=True)
    response = client.post("/visits/plan", data=_form(field_staff, [], office))
    assert "There is no organization to visit." in response.get_data(as_text=True)
    late = _form(
        field_staff,
        orgs[:2],
        office,
        **{"stops-1-appointment_date": DAY.isoformat(), "stops-1-appointment_time": "19:00"},
    )
    html = client.post("/visits/plan", data=late).get_data(as_text=True)
    assert f'id="stop-{orgs[1].id}" class="table-danger"' in html
    assert "19:00" in html
    half = _form(field_staff, orgs[:1], office, **{"stops-0-appointment_time": "10:00"})
    assert "Give both the day and the time" in client.post("/visits/plan", data=half).get_data(as_text=True)
    day_only = _form(field_staff, orgs[:1], office, **{"stops-0-appointment_date": DAY.isoformat()})
    response = client.post("/visits/plan", data=day_only)
    assert "Give both the day and the time" in response.get_data(as_text=True)
    bad_date = _form(field_staff, orgs, office, first_day="2030-13-45")
    assert client.post("/visits/plan", data=bad_date).status_code == 200
    assert _plans() == 0


def test_past_dates_and_weekends_are_warned(client, auth, coordinator, field_staff, make_org, office):
    """A plan in the past or on a Sunday is made, with a warning."""
    orgs = [make_org(opening_hours=None) for _ in range(2)]
    auth.login(coordinator)
    data = _form(field_staff, orgs, office, first_day="2020-01-05")  # a Sunday in the past
    response = client.post("/visits/plan", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "The plan starts in the past." in html
    assert "The plan includes a Saturday or a Sunday." in html
    assert _plans() == 1


def test_refresh_adds_top_organizations_and_follow_ups(client, auth, coordinator, field_staff, orgs, office):
    """“Update the list” adds the top-N organizations as rows without planning yet."""
    auth.login(coordinator)
    data = _form(field_staff, [], office, top="3", refresh="Update")
    data.pop("solve")
    html = client.post("/visits/plan", data=data).get_data(as_text=True)
    assert html.count('name="stops-') >= 3 * 5
    assert "3 organizations added." in html
    assert _plans() == 0


def test_move_and_accept_from_the_page(client, auth, coordinator, field_staff, orgs, office):
    """Moving a visit re-checks the plan; accepting writes planned visits once."""
    auth.login(coordinator)
    client.post("/visits/plan", data=_form(field_staff, orgs, office))
    plan = db.session.scalars(select(VisitPlan)).one()
    route = next(r for r in services.plan_view(plan).routes if len(r.visits) > 1)
    second = route.visits[1].organization_id
    response = client.post(
        f"/visits/plans/{plan.id}/move", data={"stop_id": second, "direction": "up"}, follow_redirects=True
    )
    assert "Visit moved." in response.get_data(as_text=True)
    db.session.refresh(plan)
    moved = next(r for r in services.plan_view(plan).routes if r.shift_id == route.shift_id)
    assert moved.visits[0].organization_id == second
    bad = client.post(
        f"/visits/plans/{plan.id}/move", data={"stop_id": "x", "target": "nope"}, follow_redirects=True
    )
    assert "cannot be moved there" in bad.get_data(as_text=True)
    response = client.post(f"/visits/plans/{plan.id}/accept", data={"confirm": "1"}, follow_redirects=True)
    assert "Plan accepted" in response.get_data(as_text=True)
    again = client.post(f"/visits/plans/{plan.id}/accept", follow_redirects=True)
    assert "already accepted" in again.get_data(as_text=True)
    count = db.session.scalar(select(func.count(Interaction.id)).where(Interaction.visit_plan_id == plan.id))
    assert count == len(orgs)
    assert (
        client.post(f"/visits/plans/{plan.id}/move", data={"stop_id": second, "direction": "up"}).status_code
        == 302
    )
    client.post(f"/visits/plans/{plan.id}/cancel")
    statuses = db.session.scalars(
        select(Interaction.status).where(Interaction.visit_plan_id == plan.id)
    ).all()
    assert set(statuses) == {InteractionStatus.CANCELLED}


def test_agenda_shows_own_visits_and_coordinators_pick(
    client, auth, coordinator, field_staff, orgs, make_request
):
    """Operators see their own planned visits; coordinators choose whose agenda to see."""
    plan = services.create_plan(make_request(field_staff, orgs), by=coordinator)
    services.submit_plan(plan)
    services.accept_plan(plan, by=coordinator)
    busy = db.session.scalars(select(Interaction.user_id).where(Interaction.visit_plan_id == plan.id)).first()
    me = next(u for u in field_staff if u.id == busy)
    other = next(u for u in field_staff if u.id != busy)
    mine = {
        i.organization.legal_name
        for i in db.session.scalars(select(Interaction).where(Interaction.user_id == me.id))
    }
    assert mine
    auth.login(me)
    html = client.get(f"/visits/agenda?week={DAY.isoformat()}").get_data(as_text=True)
    assert all(name in html for name in mine)
    assert f"/visits/plans/{plan.id}?route={me.id}@{DAY.toordinal()}" in html
    snooping = client.get(f"/visits/agenda?week={DAY.isoformat()}&user_id={other.id}")
    assert snooping.get_data(as_text=True).count("list-group-item") == len(mine)
    assert client.get(f"/visits/plans/{plan.id}").status_code == 200  # in the plan
    assert client.get("/visits/agenda?week=garbage").status_code == 200
    auth.logout()
    auth.login(coordinator)
    theirs = client.get(f"/visits/agenda?week={DAY.isoformat()}&user_id={me.id}")
    assert all(name in theirs.get_data(as_text=True) for name in mine)


def test_navigation_links(client, auth, coordinator, operator):
    """Everyone has “My agenda”; only coordinators have “Plan visits”."""
    auth.login(operator)
    html = client.get("/visits/agenda").get_data(as_text=True)
    assert 'href="/visits/agenda"' in html and 'href="/visits/plan"' not in html
    auth.logout()
    auth.login(coordinator)
    html = client.get("/visits/agenda").get_data(as_text=True)
    assert 'href="/visits/plan"' in html
    assert client.get("/visits/").status_code == 200


def test_list_and_map_offer_planning_the_filtered_organizations(client, auth, coordinator, operator, orgs):
    """With filters set, coordinators get “Plan visits for these” passing the filters on."""
    auth.login(coordinator)
    assert "/visits/plan?q=azienda" in client.get("/organizations/?q=azienda").get_data(as_text=True)
    assert "/visits/plan?status=prospect" in client.get("/map/?status=prospect").get_data(as_text=True)
    unfiltered = client.get("/organizations/").get_data(as_text=True)
    assert "Plan visits for these" not in unfiltered
    auth.logout()
    auth.login(operator)
    assert "/visits/plan?q=" not in client.get("/organizations/?q=azienda").get_data(as_text=True)


def test_plan_again_prefills_the_form(client, auth, coordinator, field_staff, orgs, make_request):
    """“Plan again with changes” reopens the form with the plan's days, people and stops."""
    plan = services.create_plan(make_request(field_staff[:1], orgs[:2], purpose="Giro"), by=coordinator)
    auth.login(coordinator)
    html = client.get(f"/visits/plan?from_plan={plan.id}").get_data(as_text=True)
    assert DAY.isoformat() in html and 'value="Giro"' in html
    assert html.count('name="stops-') == 2 * 7
    checked = {m.group(1) for m in re.finditer(r'<input checked[^>]*id="staff-(\d)-include"', html)}
    assert checked == {"0"}  # Anna (first by name) was in the plan, Bruno was not
