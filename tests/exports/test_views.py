"""Export downloads, permissions, the token feed and the agenda's export block."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import vobject

from crm.auth.models import Role
from crm.exports.models import CalendarFeedToken
from crm.exports.services import feed_token_of, issue_feed_token, planned_visits
from crm.extensions import db
from crm.followups.services import local_today
from crm.interactions.models import InteractionStatus

ROME = ZoneInfo("Europe/Rome")
DAY = "2026-10-25"  # the day summer time ends in Europe/Rome


def _events(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def _day_visits(field_operator, make_visit, contact_for):
    first = make_visit(field_operator, datetime(2026, 10, 25, 9, 30, tzinfo=ROME))
    contact_for(first.organization)
    second = make_visit(field_operator, datetime(2026, 10, 25, 11, 0, tzinfo=ROME))
    return first, second


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(f"/exports/visits.ics?date={DAY}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_operator_downloads_own_calendar(client, auth, field_operator, make_visit, contact_for):
    first, _ = _day_visits(field_operator, make_visit, contact_for)
    auth.login(field_operator)
    response = client.get(f"/exports/visits.ics?date={DAY}")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    disposition = f'attachment; filename="visite-{field_operator.id}-{DAY}.ics"'
    assert response.headers["Content-Disposition"] == disposition
    events = _events(response.data)
    event = events[f"visit-{first.id}@florwork-outreach"]
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 25, 8, 30, tzinfo=UTC)
    assert str(event["LOCATION"]) == "Via dei Servi 1, 50122 Firenze FI"
    assert "Giulia Bianchi" in str(event["DESCRIPTION"])
    assert "055 987654" in str(event["DESCRIPTION"])
    assert f"/organizations/{first.organization_id}" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"http://localhost.localdomain/organizations/{first.organization_id}"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert len(events) == 2


def test_replan_keeps_the_uid_and_raises_the_sequence(client, auth, field_operator, make_visit):
    visit = make_visit(field_operator, datetime(2026, 7, 15, 9, 30, tzinfo=ROME))
    auth.login(field_operator)
    uid = f"visit-{visit.id}@florwork-outreach"
    before = _events(client.get("/exports/visits.ics?date=2026-07-15").data)[uid]
    assert before.decoded("DTSTART").utcoffset() == timedelta(hours=2)
    visit.occurred_at = datetime(2026, 7, 15, 14, 0, tzinfo=ROME).astimezone(UTC)
    db.session.commit()
    after = _events(client.get("/exports/visits.ics?date=2026-07-15").data)[uid]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("DTSTART").hour == 14
    visit.status = InteractionStatus.CANCELLED
    db.session.commit()
    cancelled = _events(client.get("/exports/visits.ics?date=2026-07-15").data)[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] > after["SEQUENCE"]


def test_other_formats(client, auth, field_operator, make_visit, contact_for):
    first, second = _day_visits(field_operator, make_visit, contact_for)
    auth.login(field_operator)

    vcf = client.get(f"/exports/visits.vcf?date={DAY}")
    assert vcf.status_code == 200 and vcf.mimetype == "text/vcard"
    [card] = list(vobject.readComponents(vcf.data.decode()))
    assert card.fn.value == "Giulia Bianchi" and card.title.value == "Responsabile HR"

    gpx = gpxpy.parse(client.get(f"/exports/visits.gpx?date={DAY}").data.decode())
    names = [p.name for p in gpx.routes[0].points]
    orgs = [first.organization.display_name, second.organization.display_name]
    assert names == ["Hub Firenze", *orgs, "Hub Firenze"]

    kml = client.get(f"/exports/visits.kml?date={DAY}")
    assert kml.status_code == 200 and b"<LineString>" in kml.data.replace(b"ns0:", b"")

    sheet = client.get(f"/exports/visits.csv?date={DAY}")
    rows = list(csv.reader(io.StringIO(sheet.data.decode("utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows[1:]] == ["09:30", "11:00"]
    assert rows[1][5] == "Giulia Bianchi"


def test_bad_requests(client, auth, field_operator):
    auth.login(field_operator)
    assert client.get("/exports/visits.exe").status_code == 404
    assert client.get("/exports/visits.ics?date=25/10/2026").status_code == 400
    assert client.get(f"/exports/visits.ics?date={DAY}&days=0").status_code == 400
    assert client.get(f"/exports/visits.ics?date={DAY}&days=1000").status_code == 400


def test_operators_cannot_export_others_coordinators_can(client, auth, make_user, field_operator, make_visit):
    make_visit(field_operator, datetime(2026, 10, 25, 9, 30, tzinfo=ROME))
    other = make_user(Role.OPERATOR)
    auth.login(other)
    assert client.get(f"/exports/visits.ics?staff={field_operator.id}&date={DAY}").status_code == 403
    auth.logout()
    auth.login(make_user(Role.COORDINATOR))
    response = client.get(f"/exports/visits.csv?staff={field_operator.id}&date={DAY}")
    assert response.status_code == 200
    assert f"visite-{field_operator.id}-" in response.headers["Content-Disposition"]
    assert len(response.data.decode("utf-8-sig").strip().splitlines()) == 2


def test_feed_token_lifecycle(client, auth, field_operator, make_visit):
    soon = datetime.combine(local_today() + timedelta(days=3), datetime.min.time(), ROME).replace(hour=10)
    visit = make_visit(field_operator, soon)
    make_visit(field_operator, soon + timedelta(days=90))  # beyond the feed's horizon
    auth.login(field_operator)
    page = client.post("/exports/feed/token")
    assert page.status_code == 200
    found = re.search(r"webcal://[^/]+/exports/feed/([A-Za-z0-9_-]+)\.ics", page.get_data(as_text=True))
    assert found is not None
    token = found.group(1)
    assert len(token) >= 43  # 32 random bytes
    row = db.session.scalars(db.select(CalendarFeedToken)).one()
    assert token not in row.token_hash and len(row.token_hash) == 64
    auth.logout()

    feed = client.get(f"/exports/feed/{token}.ics")
    assert feed.status_code == 200
    assert list(_events(feed.data)) == [f"visit-{visit.id}@florwork-outreach"]
    assert client.get("/exports/feed/not-the-token.ics").status_code == 404

    # Regenerate: the old token stops working, the new one works.
    new_token = issue_feed_token(field_operator)
    assert client.get(f"/exports/feed/{token}.ics").status_code == 404
    assert client.get(f"/exports/feed/{new_token}.ics").status_code == 200

    # Revoke from the agenda page.
    auth.login(field_operator)
    assert client.post("/exports/feed/revoke").status_code == 302
    auth.logout()
    assert client.get(f"/exports/feed/{new_token}.ics").status_code == 404
    assert feed_token_of(field_operator).revoked_at is not None


def test_feed_refuses_inactive_users(client, field_operator):
    token = issue_feed_token(field_operator)
    field_operator.active = False
    db.session.commit()
    assert client.get(f"/exports/feed/{token}.ics").status_code == 404


def test_agenda_shows_the_export_block(client, auth, field_operator, make_visit):
    visit = make_visit(field_operator, datetime(2026, 10, 26, 9, 30, tzinfo=ROME))
    auth.login(field_operator)
    html = client.get("/visits/agenda?week=2026-10-26").get_data(as_text=True)
    assert f"/exports/visits.gpx?staff={field_operator.id}&amp;date=2026-10-26&amp;days=7" in html
    assert "https://www.google.com/maps/dir/?api=1&amp;origin=" in html
    assert f"geo:{visit.organization.latitude:.6f}" in html
    assert "/exports/feed/token" in html


def test_planned_visits_use_the_plan_duration_or_the_default(app, field_operator, make_visit):
    make_visit(field_operator, datetime(2026, 10, 25, 9, 30, tzinfo=ROME))
    [visit] = planned_visits(field_operator, datetime(2026, 10, 25).date())
    assert visit.end - visit.start == timedelta(minutes=app.config.get("DEFAULT_VISIT_MINUTES", 45))
