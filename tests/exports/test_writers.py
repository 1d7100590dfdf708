"""The pure writers, each file parsed back by an independent library."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import pytest
import vobject
from lxml import etree

from crm.exports.writers import (
    GOOGLE_MAX_WAYPOINTS,
    Address,
    ContactCard,
    Phone,
    Stop,
    Visit,
    csv_sheet,
    google_directions_links,
    gpx_route,
    ics_calendar,
    kml_route,
    navigation_links,
    vcards,
)

ROME = ZoneInfo("Europe/Rome")
XSD = Path(__file__).with_name("gpx-1.1.xsd")
ADDRESS = Address("Via dei Servi 12", "50122", "Firenze", "FI")
CARD = ContactCard(
    id=7,
    first_name="Giulia",
    last_name="Bianchi",
    organization="Officine Rossi S.r.l.",
    role="Responsabile HR",
    phones=(Phone("+39055987654", "055 987654", "work"), Phone("+393331234567", "333 123 4567", "cell")),
    email="giulia@example.it",
    address=ADDRESS,
)


def visit(at: datetime, **fields: object) -> Visit:
    values: dict[str, object] = {
        "id": 42,
        "start": at,
        "end": at + timedelta(minutes=45),
        "organization": "Officine Rossi S.r.l.",
        "purpose": "presentazione",
        "address": ADDRESS,
        "latitude": 43.7755,
        "longitude": 11.2590,
        "contact": CARD,
        "phones": (Phone("+39055123456", "055 123456"),),
        "notes": "Portare brochure; chiedere di Giulia",
        "url": "https://crm.example/organizations/3",
    }
    values.update(fields)
    return Visit(**values)  # type: ignore[arg-type]


def events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_address_is_written_the_italian_way():
    assert ADDRESS.one_line() == "Via dei Servi 12, 50122 Firenze FI"


def test_calendar_event_fields():
    at = datetime(2026, 7, 15, 9, 30, tzinfo=ROME)
    data = ics_calendar([visit(at)], host="crm.example", now=datetime(2026, 7, 1, tzinfo=UTC))
    cal = icalendar.Calendar.from_ical(data)
    assert cal["METHOD"] == "PUBLISH"
    [event] = events(data)
    assert str(event["UID"]) == "visit-42@crm.example"
    assert str(event["SUMMARY"]) == "Officine Rossi S.r.l. — presentazione"
    assert str(event["LOCATION"]) == "Via dei Servi 12, 50122 Firenze FI"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (43.7755, 11.2590)
    description = str(event["DESCRIPTION"])
    for text in ("Giulia Bianchi (Responsabile HR)", "055 987654", "333 123 4567", "055 123456",
                 "Portare brochure", "https://crm.example/organizations/3"):
        assert text in description
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "Europe/Rome"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    [alarm] = list(event.walk("VALARM"))
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-30)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Rome"]


@pytest.mark.parametrize(
    ("local", "offset_hours"),
    [
        (datetime(2026, 7, 15, 9, 30), 2),  # summer: CEST
        (datetime(2026, 1, 15, 9, 30), 1),  # winter: CET
        (datetime(2026, 10, 25, 9, 30), 1),  # DST end day: already CET at 9:30
        (datetime(2026, 10, 25, 1, 30), 2),  # DST end day: still CEST before 3:00
        (datetime(2026, 3, 29, 10, 0), 2),  # DST start day
    ],
)
def test_calendar_times_carry_the_right_utc_offset(local, offset_hours):
    at = local.replace(tzinfo=ROME)
    [event] = events(ics_calendar([visit(at)], host="h"))
    start = event.decoded("DTSTART")
    assert start.utcoffset() == timedelta(hours=offset_hours)
    assert start.astimezone(UTC) == at.astimezone(UTC)
    assert start.replace(tzinfo=None) == local


def test_the_vtimezone_alone_gives_the_right_utc_instant_on_the_dst_day():
    """A client that ignores the TZID name and trusts the VTIMEZONE gets the same instant."""
    at = datetime(2026, 10, 25, 9, 30, tzinfo=ROME)
    cal = icalendar.Calendar.from_ical(ics_calendar([visit(at)], host="h"))
    [tz] = cal.walk("VTIMEZONE")
    zone = tz.to_tz()
    naive = datetime(2026, 10, 25, 9, 30)
    assert naive.replace(tzinfo=zone).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 7, 1, 9).replace(tzinfo=zone).utcoffset() == timedelta(hours=2)


def test_cancelled_visit_is_sent_cancelled_without_reminder():
    at = datetime(2026, 7, 15, 9, 30, tzinfo=ROME)
    [event] = events(ics_calendar([visit(at, cancelled=True, sequence=3)], host="h"))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert not list(event.walk("VALARM"))


@pytest.mark.parametrize(
    ("local", "offset_hours"),
    [
        (datetime(2026, 7, 15, 9, 30), 2),
        (datetime(2026, 1, 15, 9, 30), 1),
        (datetime(2026, 10, 25, 9, 30), 1),
        (datetime(2026, 10, 25, 1, 30), 2),
    ],
)
def test_calendar_parses_with_vobject_reading_our_vtimezone(local, offset_hours):
    """vobject (dateutil) resolves DTSTART through the VTIMEZONE we wrote, not through tzdata."""
    at = local.replace(tzinfo=ROME)
    parsed = vobject.readOne(ics_calendar([visit(at)], host="h").decode())
    start = parsed.vevent.dtstart.value
    assert start.utcoffset() == timedelta(hours=offset_hours)
    assert start.astimezone(UTC) == at.astimezone(UTC)
    assert parsed.vevent.uid.value == "visit-42@h"


def test_vcards_parse_back_with_vobject():
    long_role = "Responsabile delle risorse umane, formazione e inserimento lavorativo; sede di Firenze"
    luca_card = ContactCard(id=8, first_name="Luca", last_name="Neri", organization="Bar Ò", role=long_role)
    data = vcards([CARD, luca_card])
    assert data.count(b"BEGIN:VCARD") == 2
    cards = list(vobject.readComponents(data.decode()))
    giulia, luca = cards
    assert giulia.fn.value == "Giulia Bianchi"
    assert giulia.n.value.family == "Bianchi" and giulia.n.value.given == "Giulia"
    assert giulia.org.value == ["Officine Rossi S.r.l."]
    assert giulia.title.value == "Responsabile HR"
    phones = {t.value: t.params["TYPE"] for t in giulia.tel_list}
    assert "CELL" in phones["+393331234567"] and "WORK" in phones["+39055987654"]
    assert giulia.email.value == "giulia@example.it"
    adr = giulia.adr.value
    assert (adr.street, adr.code, adr.city, adr.region) == ("Via dei Servi 12", "50122", "Firenze", "FI")
    assert luca.title.value == long_role  # folded and unescaped
    assert luca.org.value == ["Bar Ò"]
    assert all(len(line.encode()) <= 75 for line in data.decode().split("\r\n"))


def stops(n: int) -> list[Stop]:
    return [
        Stop(f"Stop {i}", 43.7 + i / 100, 11.2 + i / 100, description=f"visit {i}",
             time=datetime(2026, 10, 25, 9, tzinfo=ROME) + timedelta(hours=i), address=f"Via {i}, Firenze")
        for i in range(n)
    ]


def test_gpx_is_valid_gpx_1_1_with_waypoints_and_ordered_route():
    data = gpx_route([*stops(3), Stop("No coords", None, None)], name="Giro")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    schema.assertValid(etree.fromstring(data))
    gpx = gpxpy.parse(data.decode())
    assert [w.name for w in gpx.waypoints] == ["Stop 0", "Stop 1", "Stop 2"]
    assert gpx.waypoints[1].time == datetime(2026, 10, 25, 9, tzinfo=UTC)  # 10:00 CET
    assert "Via 1, Firenze" in gpx.waypoints[1].description
    [route] = gpx.routes
    assert [(p.latitude, p.longitude) for p in route.points] == [
        (pytest.approx(43.7), pytest.approx(11.2)),
        (pytest.approx(43.71), pytest.approx(11.21)),
        (pytest.approx(43.72), pytest.approx(11.22)),
    ]


def test_kml_has_placemarks_and_a_linestring_in_order():
    data = kml_route(stops(3), name="Giro")
    root = ET.fromstring(data)  # noqa: S314 - our own output
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = root.findall("k:Document/k:Placemark", ns)
    assert [m.findtext("k:name", namespaces=ns) for m in marks[:3]] == ["1. Stop 0", "2. Stop 1", "3. Stop 2"]
    assert marks[0].findtext("k:Point/k:coordinates", namespaces=ns) == "11.200000,43.700000"
    line = root.find("k:Document/k:Placemark/k:LineString/k:coordinates", ns)
    assert line is not None
    assert line.text.split() == ["11.200000,43.700000", "11.210000,43.710000", "11.220000,43.720000"]


def test_csv_for_excel_italy():
    at = datetime(2026, 10, 25, 9, 30, tzinfo=ROME)
    later = visit(at + timedelta(hours=2), id=43, contact=None, organization="Bar; Centrale")
    data = csv_sheet([visit(at), later])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Data", "Ora", "Organizzazione"]
    assert rows[1][:5] == ["25/10/2026", "09:30", "Officine Rossi S.r.l.", "Via dei Servi 12", "Firenze"]
    assert rows[1][5] == "Giulia Bianchi"
    assert "333 123 4567" in rows[1][6] and "055 123456" in rows[1][6]
    assert rows[2][1:3] == ["11:30", "Bar; Centrale"]


def test_navigation_links():
    links = navigation_links(Stop("Officine", 43.7755, 11.259))
    assert links["geo"].startswith("geo:43.775500,11.259000?q=43.775500,11.259000(Officine)")
    google = parse_qs(urlparse(links["google"]).query)
    assert google["destination"] == ["43.775500,11.259000"]
    assert parse_qs(urlparse(links["apple"]).query)["daddr"] == ["43.775500,11.259000"]
    by_address = navigation_links(Stop("Bar", None, None, address="Via dei Servi 12, 50122 Firenze FI"))
    query = parse_qs(urlparse(by_address["google"]).query)
    assert query["destination"] == ["Via dei Servi 12, 50122 Firenze FI"]


@pytest.mark.parametrize(("n", "expected_links"), [(1, 0), (2, 1), (11, 1), (12, 2), (21, 2), (22, 3)])
def test_directions_links_split_at_the_waypoint_limit(n, expected_links):
    route = stops(n)
    links = google_directions_links(route)
    assert len(links) == expected_links
    chained: list[str] = []
    for link in links:
        query = parse_qs(urlparse(link).query)
        waypoints = query["waypoints"][0].split("|") if "waypoints" in query else []
        assert len(waypoints) <= GOOGLE_MAX_WAYPOINTS
        points = [query["origin"][0], *waypoints, query["destination"][0]]
        if chained:
            assert points[0] == chained[-1]  # the next link starts where the previous ended
            points = points[1:]
        chained += points
    if links:
        assert chained == [f"{s.latitude:.6f},{s.longitude:.6f}" for s in route]
