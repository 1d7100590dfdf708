"""The phone pages: today's list, the visit form, the JSON endpoint of the offline queue (idempotency,
409 conflicts, 4xx reasons, CSRF by header), permissions, the manifest and the service worker."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from crm.audit.models import ChangeAction, ChangeLog
from crm.auth.models import Role
from crm.extensions import db
from crm.field.models import FieldSubmission
from crm.field.services import version_of
from crm.followups.models import FollowUp
from crm.followups.services import local_now, local_today
from crm.interactions.models import (
    Interaction,
    InteractionKind,
    InteractionOutcome,
    InteractionStatus,
    VisitResult,
)
from crm.openings.models import Opening

ROME = ZoneInfo("Europe/Rome")


def _today_at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(local_today(), datetime.min.time(), ROME).replace(hour=hour, minute=minute)


def _post_json(client, visit_id, payload, **headers):
    return client.post(
        f"/field/visits/{visit_id}/log",
        data=json.dumps(payload),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )


def _payload(visit, **changes):
    payload = {
        "key": str(uuid.uuid4()),
        "version": version_of(visit),
        "result": "met",
        "notes": "Titolare disponibile",
        "next_step": "",
        "arrived_time": "",
        "left_time": "",
        "follow_up_date": "",
    }
    payload.update(changes)
    return payload


def _updates(visit_id):
    return db.session.scalar(
        select(func.count()).where(
            ChangeLog.entity_type == "interaction",
            ChangeLog.entity_id == visit_id,
            ChangeLog.action == ChangeAction.UPDATE,
        )
    )


def test_anonymous_users_are_sent_to_log_in(client, field_operator, make_visit):
    visit = make_visit(field_operator, _today_at(9))
    for url in ("/field/", f"/field/visits/{visit.id}", "/field/csrf.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/field/visits/{visit.id}/log", json={"result": "met"})
    assert response.status_code in (302, 401)
    assert db.session.get(Interaction, visit.id).status is InteractionStatus.PLANNED


def test_today_lists_the_stops_in_order_with_tap_links(
    client, auth, field_operator, make_visit, contact_for, make_org
):
    """Time, organization, address (geo: link), contact (tel: link), purpose, last contact, the form."""
    org = make_org(legal_name="Pelletteria Rossi S.r.l.")
    contact_for(org)
    second = make_visit(field_operator, _today_at(11), org=org, subject="Presentazione tirocini")
    first = make_visit(field_operator, _today_at(9, 15))
    make_visit(
        field_operator,
        _today_at(8) - timedelta(days=30),
        org=org,
        status=InteractionStatus.DONE,
        kind=InteractionKind.CALL,
        subject="Telefonata di presentazione",
    )
    auth.login(field_operator)
    response = client.get("/field/")
    assert response.status_code == 200
    html = response.text
    assert html.index(f'id="visit-{first.id}"') < html.index(f'id="visit-{second.id}"')
    assert "09:15" in html and "11:00" in html
    assert "Pelletteria Rossi S.r.l." in html and "Presentazione tirocini" in html
    assert 'href="tel:+393331234567"' in html and 'href="tel:+39055987654"' in html
    assert re.search(r'href="geo:43\.\d+,11\.\d+\?q=', html)
    assert "Telefonata di presentazione" in html
    assert f'data-log-url="/field/visits/{second.id}/log"' in html
    assert 'rel="manifest"' in html and "field/field.js" in html
    # No inline script or handlers (CSP): JSON data blocks only.
    assert not re.search(r"<script(?![^>]*(src=|application/json))", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_today_of_a_colleague_needs_a_coordinator(client, auth, field_operator, make_user, make_visit):
    make_visit(field_operator, _today_at(9), subject="Visita di Anna")
    colleague = make_user(Role.OPERATOR)
    auth.login(colleague)
    assert client.get(f"/field/?staff={field_operator.id}").status_code == 403
    assert client.get("/field/?date=2026-13-01").status_code == 400
    auth.logout()
    auth.login(make_user(Role.COORDINATOR))
    response = client.get(f"/field/?staff={field_operator.id}")
    assert response.status_code == 200 and "Visita di Anna" in response.text


def test_the_visit_form_logs_and_returns_to_the_day(client, auth, field_operator, make_visit):
    """The page works without JavaScript: the form posts, the visit is done, back to the list."""
    visit = make_visit(field_operator, _today_at(9))
    auth.login(field_operator)
    page = client.get(f"/field/visits/{visit.id}")
    assert page.status_code == 200
    version = re.search(r'name="version" type="hidden" value="([^"]+)"', page.text).group(1)
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page.text).group(1)
    form = {
        "key": key,
        "version": version,
        "result": "not_interested",
        "notes": "Nessun interesse",
        "next_step": "",
        "follow_up_date": "",
    }
    response = client.post(f"/field/visits/{visit.id}", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#visit-{visit.id}")
    saved = db.session.get(Interaction, visit.id)
    assert saved.visit_result is VisitResult.NOT_INTERESTED
    assert saved.outcome is InteractionOutcome.NEGATIVE
    # The same form sent again (double tap, back button): applied once.
    updates = _updates(visit.id)
    again = client.post(f"/field/visits/{visit.id}", data=form, follow_redirects=True)
    assert "This log had already been saved." in again.text
    assert _updates(visit.id) == updates


def test_the_visit_form_shows_errors_and_conflicts(client, auth, field_operator, make_visit):
    visit = make_visit(field_operator, _today_at(9))
    auth.login(field_operator)
    old = version_of(visit)
    response = client.post(f"/field/visits/{visit.id}", data={"key": str(uuid.uuid4()), "version": old})
    assert response.status_code == 200 and "Choose what happened." in response.text
    response = client.post(
        f"/field/visits/{visit.id}",
        data={
            "key": str(uuid.uuid4()),
            "version": old,
            "result": "met",
            "arrived_time": "10:00",
            "left_time": "09:00",
        },
    )
    assert "You cannot leave before arriving." in response.text
    visit.subject = "Changed by the coordinator"
    db.session.commit()
    response = client.post(
        f"/field/visits/{visit.id}",
        data={"key": str(uuid.uuid4()), "version": old, "result": "met", "notes": "mine"},
    )
    assert response.status_code == 200
    assert "This visit was changed by someone else after you opened it." in response.text
    assert "mine</textarea>" in response.text  # the user's entry is kept
    assert db.session.get(Interaction, visit.id).status is InteractionStatus.PLANNED


def test_opening_found_leads_to_the_prefilled_opening_form(client, auth, field_operator, make_visit):
    visit = make_visit(field_operator, _today_at(9))
    auth.login(field_operator)
    response = client.post(
        f"/field/visits/{visit.id}",
        data={"key": str(uuid.uuid4()), "version": version_of(visit), "result": "opening_found"},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/openings/new" in location
    assert f"organization_id={visit.organization_id}" in location and f"interaction_id={visit.id}" in location
    form = client.get(location)
    assert form.status_code == 200
    # Until the opening is recorded, the day's list offers to record it.
    record = f'href="/openings/new?organization_id={visit.organization_id}&amp;interaction_id={visit.id}"'
    assert record in client.get("/field/").text
    opening = Opening(
        organization_id=visit.organization_id,
        interaction_id=visit.id,
        title="Magazziniere",
        contract="fixed_term",
    )
    db.session.add(opening)
    db.session.commit()
    day = client.get("/field/").text
    assert record not in day and "Magazziniere" in day


def test_json_log_is_saved_once_whatever_the_resends(client, auth, field_operator, make_visit):
    visit = make_visit(field_operator, _today_at(9))
    auth.login(field_operator)
    due = (local_today() + timedelta(days=7)).isoformat()
    arrived = local_now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    payload = _payload(
        visit, result="interested", follow_up_date=due, next_step="Richiamare", arrived_at=arrived.isoformat()
    )
    first = _post_json(client, visit.id, payload)
    assert first.status_code == 200
    body = first.get_json()
    assert body["duplicate"] is False and body["visit"]["result"] == "interested"
    assert body["visit"]["status"] == "done" and body["follow_up_id"]
    for _ in range(2):
        again = _post_json(client, visit.id, payload)
        assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert db.session.scalar(select(func.count()).select_from(FieldSubmission)) == 1
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 1
    assert _updates(visit.id) == 1
    follow_up = db.session.scalars(select(FollowUp)).one()
    assert follow_up.title == "Richiamare" and follow_up.due_date.isoformat() == due


def test_json_conflict_answers_409_with_the_saved_visit(client, auth, field_operator, make_user, make_visit):
    visit = make_visit(field_operator, _today_at(9))
    old = version_of(visit)
    coordinator = make_user(Role.COORDINATOR)
    auth.login(coordinator)
    assert _post_json(client, visit.id, _payload(visit, notes="coordinator's notes")).status_code == 200
    auth.logout()
    auth.login(field_operator)
    response = _post_json(
        client, visit.id, _payload(visit, version=old, notes="operator's notes", result="not_met")
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "conflict" and body["message"]
    assert body["current"]["notes"] == "coordinator's notes" and body["current"]["result"] == "met"
    assert db.session.get(Interaction, visit.id).body == "coordinator's notes"
    # Sent again against the version shown, the operator's log wins.
    retry = _post_json(
        client, visit.id, _payload(visit, version=body["current"]["version"], notes="operator's notes")
    )
    assert retry.status_code == 200
    assert db.session.get(Interaction, visit.id).body == "operator's notes"


def test_json_bad_input_answers_4xx_with_a_reason(client, auth, field_operator, make_user, make_visit):
    visit = make_visit(field_operator, _today_at(9))
    auth.login(field_operator)
    response = _post_json(client, visit.id, _payload(visit, result="maybe"))
    assert response.status_code == 422
    body = response.get_json()
    assert (body["error"], body["field"], body["message"]) == (
        "result_required",
        "result",
        "Choose what happened.",
    )
    response = client.post(
        f"/field/visits/{visit.id}/log",
        data="not json",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    assert response.status_code == 400 and response.get_json()["error"] == "not_an_object"
    response = _post_json(client, visit.id, _payload(visit, arrived_time="10:00", left_time="09:00"))
    assert response.status_code == 422 and response.get_json()["field"] == "left_at"
    assert _post_json(client, 999999, _payload(visit)).status_code == 404
    call = make_visit(field_operator, _today_at(10), kind=InteractionKind.CALL)
    assert _post_json(client, call.id, _payload(call)).status_code == 404
    cancelled = make_visit(field_operator, _today_at(12), status=InteractionStatus.CANCELLED)
    response = _post_json(client, cancelled.id, _payload(cancelled))
    assert response.status_code == 422 and response.get_json()["error"] == "cancelled"
    assert db.session.get(Interaction, visit.id).status is InteractionStatus.PLANNED


def test_operators_cannot_log_a_colleague_s_visit(client, auth, field_operator, make_user, make_visit):
    visit = make_visit(field_operator, _today_at(9))
    auth.login(make_user(Role.OPERATOR))
    response = _post_json(client, visit.id, _payload(visit))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert client.get(f"/field/visits/{visit.id}").status_code == 403
    assert db.session.get(Interaction, visit.id).status is InteractionStatus.PLANNED


def test_json_needs_the_csrf_token_in_a_header(app, client, auth, field_operator, make_visit, monkeypatch):
    visit = make_visit(field_operator, _today_at(9))
    auth.login(field_operator)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = _post_json(client, visit.id, _payload(visit))
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf_failed"
    token = client.get("/field/csrf.json").get_json()["csrf_token"]
    accepted = _post_json(client, visit.id, _payload(visit), **{"X-CSRFToken": token})
    assert accepted.status_code == 200


def test_manifest_and_service_worker_are_public_and_scoped(client):
    manifest = client.get("/field/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert data["start_url"] == "/field/" and data["scope"] == "/field/" and data["display"] == "standalone"
    for icon in data["icons"]:
        with client.get(icon["src"]) as response:
            assert response.status_code == 200 and response.mimetype == icon["type"]
    assert any(i.get("purpose") == "maskable" for i in data["icons"])
    worker = client.get("/field/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/field/"
    assert worker.headers["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in worker.data


def test_agenda_shows_the_mobile_page_qr(client, auth, field_operator):
    auth.login(field_operator)
    html = client.get("/visits/agenda").text
    block = html[html.index('id="field-qr"') :]
    assert "<svg" in block and "qr-code" in block
    assert 'href="http://localhost.localdomain/field/"' in block


def test_times_on_the_day_summer_time_ends(client, auth, field_operator, make_visit):
    """2026-10-25: shown and entered as Florence wall-clock times (CET again after 03:00)."""
    visit = make_visit(field_operator, datetime(2026, 10, 25, 9, 30, tzinfo=ROME))
    auth.login(field_operator)
    page = client.get("/field/?date=2026-10-25")
    assert f'datetime="{visit.occurred_at.isoformat()}">09:30</time>' in page.text
    response = _post_json(client, visit.id, _payload(visit, arrived_time="09:40", left_time="10:25"))
    assert response.status_code == 200
    assert response.get_json()["visit"]["arrived_at"] == "2026-10-25T08:40:00+00:00"
    saved = db.session.get(Interaction, visit.id)
    assert saved.left_at.isoformat() == "2026-10-25T09:25:00+00:00"
    form = client.get(f"/field/visits/{visit.id}").text
    assert 'value="09:40"' in form and 'value="10:25"' in form
    assert "09:40</time>" in client.get("/field/?date=2026-10-25").text  # now listed at the arrival
