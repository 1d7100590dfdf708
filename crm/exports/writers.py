"""Export writers: pure functions from plain dataclasses to file bytes (no DB, no Flask).

Calendar (RFC 5545, via ``icalendar``), vCard 3.0, GPX 1.1, KML 2.2, CSV for Excel (Italy) and
navigation links. The service layer (``crm.exports.services``) builds the dataclasses.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import icalendar

from crm.security.spreadsheets import neutralise_row

LOCAL_TZ = "Europe/Rome"

#: Google Maps URLs accept an origin, a destination and at most 9 waypoints per link.
GOOGLE_MAX_WAYPOINTS = 9


@dataclass(frozen=True)
class Address:
    street: str = ""
    cap: str = ""
    comune: str = ""
    province: str = ""

    def one_line(self) -> str:
        """The Italian postal form: ``Via X 12, 50122 Firenze FI``."""
        place = " ".join(p for p in (self.cap, self.comune, self.province) if p)
        return ", ".join(p for p in (self.street, place) if p)

    def __bool__(self) -> bool:
        return bool(self.street or self.cap or self.comune)


@dataclass(frozen=True)
class Phone:
    #: E.164 (``+39055123456``): what ``tel:`` links and vCards carry
    number: str
    #: the Italian display form (``055 123456``)
    display: str
    #: ``work`` or ``cell``
    kind: str = "work"


@dataclass(frozen=True)
class ContactCard:
    id: int
    first_name: str
    last_name: str
    organization: str
    role: str = ""
    phones: tuple[Phone, ...] = ()
    email: str = ""
    address: Address = field(default_factory=Address)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Visit:
    """One planned (or cancelled) visit of an operator."""

    id: int
    start: datetime  # aware
    end: datetime  # aware
    organization: str
    purpose: str
    address: Address = field(default_factory=Address)
    latitude: float | None = None
    longitude: float | None = None
    contact: ContactCard | None = None
    phones: tuple[Phone, ...] = ()
    notes: str = ""
    url: str = ""
    cancelled: bool = False
    sequence: int = 0
    stamp: datetime | None = None
    #: the organization's latest done interaction before this visit, in one line (the day sheet)
    last_contact: str = ""
    organization_id: int = 0

    @property
    def summary(self) -> str:
        return f"{self.organization} — {self.purpose}" if self.purpose else self.organization


@dataclass(frozen=True)
class Stop:
    """A point of a route: a visit, or the office at the start or the end."""

    name: str
    latitude: float | None
    longitude: float | None
    description: str = ""
    time: datetime | None = None
    address: str = ""

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


# --- Calendar ---------------------------------------------------------------------------------------


def ics_calendar(
    visits: Sequence[Visit],
    *,
    host: str,
    name: str = "Flor@Work",
    alarm_minutes: int = 30,
    now: datetime | None = None,
    tz: str = LOCAL_TZ,
) -> bytes:
    """An RFC 5545 calendar (METHOD:PUBLISH) with one VEVENT per visit and the VTIMEZONE used.

    UIDs are ``visit-<id>@<host>``, stable across re-plans; ``sequence`` must grow on each change.
    """
    zone = ZoneInfo(tz)
    stamp_now = (now or datetime.now(UTC)).astimezone(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Flor@Work Outreach//Visits//IT")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", tz)
    for visit in visits:
        event = icalendar.Event()
        event.add("uid", f"visit-{visit.id}@{host}")
        event.add("dtstamp", (visit.stamp or stamp_now).astimezone(UTC))
        event.add("sequence", max(0, int(visit.sequence)))
        event.add("dtstart", visit.start.astimezone(zone))
        event.add("dtend", visit.end.astimezone(zone))
        event.add("summary", visit.summary)
        if visit.address:
            event.add("location", visit.address.one_line())
        if visit.latitude is not None and visit.longitude is not None:
            event.add("geo", (visit.latitude, visit.longitude))
        event.add("description", _description(visit))
        if visit.url:
            event.add("url", visit.url)
        event.add("status", "CANCELLED" if visit.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if visit.cancelled else "OPAQUE")
        if not visit.cancelled and alarm_minutes > 0:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", visit.summary)
            alarm.add("trigger", timedelta(minutes=-alarm_minutes))
            event.add_component(alarm)
        cal.add_component(event)
    if tz == LOCAL_TZ:
        cal.add_component(rome_vtimezone())
    else:
        cal.add_missing_timezones()
    return cal.to_ical()


def rome_vtimezone() -> icalendar.Timezone:
    """Europe/Rome as the EU rule (since 1996: last Sunday of March 02:00 → CEST, last Sunday of
    October 03:00 → CET) with RRULEs, as tzurl.org and the big calendar services publish it.

    Not ``add_missing_timezones()``: icalendar writes the transitions as RDATE lists that stop in
    2038, which dateutil (hence vobject and some clients) reads as CET all summer.
    """
    zone = icalendar.Timezone()
    zone.add("tzid", LOCAL_TZ)
    zone.add("x-lic-location", LOCAL_TZ)
    for kind, name, offset_from, offset_to, start, month in (
        (icalendar.TimezoneDaylight, "CEST", 1, 2, datetime(1970, 3, 29, 2), 3),
        (icalendar.TimezoneStandard, "CET", 2, 1, datetime(1970, 10, 25, 3), 10),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("tzoffsetfrom", timedelta(hours=offset_from))
        part.add("tzoffsetto", timedelta(hours=offset_to))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


def _description(visit: Visit) -> str:
    lines: list[str] = []
    if visit.contact is not None:
        contact = visit.contact.full_name
        if visit.contact.role:
            contact += f" ({visit.contact.role})"
        lines.append(f"Referente: {contact}")
        lines += [f"Tel. {p.display}" for p in visit.contact.phones]
        if visit.contact.email:
            lines.append(f"E-mail: {visit.contact.email}")
    lines += [f"Tel. {visit.organization}: {p.display}" for p in visit.phones]
    if visit.notes:
        lines.append(visit.notes)
    if visit.url:
        lines.append(visit.url)
    return "\n".join(lines)


# --- Contacts ---------------------------------------------------------------------------------------


def _vescape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace("\n", "\\n").replace(";", "\\;").replace(",", "\\,")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 2425/6350), never inside a UTF-8 sequence."""
    out: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            out.append(current)
            current = " " + char
            limit = 75
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def vcards(contacts: Sequence[ContactCard]) -> bytes:
    """vCard 3.0 (RFC 2426), one card per contact, CRLF line ends, UTF-8."""
    lines: list[str] = []
    for c in contacts:
        lines += [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"FN:{_vescape(c.full_name)}",
            f"N:{_vescape(c.last_name)};{_vescape(c.first_name)};;;",
            f"ORG:{_vescape(c.organization)}",
        ]
        if c.role:
            lines.append(f"TITLE:{_vescape(c.role)}")
        for phone in c.phones:
            kind = "CELL,VOICE" if phone.kind == "cell" else "WORK,VOICE"
            lines.append(f"TEL;TYPE={kind}:{phone.number}")
        if c.email:
            lines.append(f"EMAIL;TYPE=INTERNET,WORK:{c.email}")
        if c.address:
            a = c.address
            parts = ["", "", a.street, a.comune, a.province, a.cap, "Italia"]
            lines.append("ADR;TYPE=WORK:" + ";".join(_vescape(p) for p in parts))
        lines.append(f"UID:contact-{c.id}")
        lines.append("END:VCARD")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode() if lines else b""


# --- Route files ------------------------------------------------------------------------------------

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gpx_route(stops: Sequence[Stop], *, name: str = "Flor@Work") -> bytes:
    """GPX 1.1: a ``<wpt>`` per stop and one ``<rte>`` through them in order (stops without
    coordinates are left out: GPX points need lat/lon)."""
    ET.register_namespace("", GPX_NS)
    q = f"{{{GPX_NS}}}"
    root = ET.Element(f"{q}gpx", {"version": "1.1", "creator": "Flor@Work Outreach"})
    metadata = ET.SubElement(root, f"{q}metadata")
    ET.SubElement(metadata, f"{q}name").text = name
    located = [s for s in stops if s.has_coordinates]

    def point(tag: str, parent: ET.Element, stop: Stop) -> None:
        # Element order is fixed by the schema: time, name, desc.
        coords = {"lat": f"{stop.latitude:.6f}", "lon": f"{stop.longitude:.6f}"}
        el = ET.SubElement(parent, f"{q}{tag}", coords)
        if stop.time is not None:
            ET.SubElement(el, f"{q}time").text = _iso_utc(stop.time)
        ET.SubElement(el, f"{q}name").text = stop.name
        desc = " · ".join(p for p in (stop.address, stop.description) if p)
        if desc:
            ET.SubElement(el, f"{q}desc").text = desc

    for stop in located:
        point("wpt", root, stop)
    route = ET.SubElement(root, f"{q}rte")
    ET.SubElement(route, f"{q}name").text = name
    for stop in located:
        point("rtept", route, stop)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def kml_route(stops: Sequence[Stop], *, name: str = "Flor@Work") -> bytes:
    """KML 2.2: a Placemark per stop and a LineString through them in order."""
    ET.register_namespace("", KML_NS)
    q = f"{{{KML_NS}}}"
    root = ET.Element(f"{q}kml")
    doc = ET.SubElement(root, f"{q}Document")
    ET.SubElement(doc, f"{q}name").text = name
    located = [s for s in stops if s.has_coordinates]
    for index, stop in enumerate(located, start=1):
        mark = ET.SubElement(doc, f"{q}Placemark")
        ET.SubElement(mark, f"{q}name").text = f"{index}. {stop.name}"
        desc = " · ".join(p for p in (stop.address, stop.description) if p)
        if desc:
            ET.SubElement(mark, f"{q}description").text = desc
        if stop.time is not None:
            stamp = ET.SubElement(mark, f"{q}TimeStamp")
            ET.SubElement(stamp, f"{q}when").text = _iso_utc(stop.time)
        pt = ET.SubElement(mark, f"{q}Point")
        ET.SubElement(pt, f"{q}coordinates").text = f"{stop.longitude:.6f},{stop.latitude:.6f}"
    if len(located) >= 2:
        mark = ET.SubElement(doc, f"{q}Placemark")
        ET.SubElement(mark, f"{q}name").text = name
        line = ET.SubElement(mark, f"{q}LineString")
        ET.SubElement(line, f"{q}tessellate").text = "1"
        ET.SubElement(line, f"{q}coordinates").text = " ".join(
            f"{s.longitude:.6f},{s.latitude:.6f}" for s in located
        )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- Sheet ------------------------------------------------------------------------------------------

CSV_HEADER = (
    "Data", "Ora", "Organizzazione", "Indirizzo", "Comune", "Referente", "Telefoni", "Scopo", "Stato"
)


def csv_sheet(visits: Sequence[Visit], *, tz: str = LOCAL_TZ) -> bytes:
    """Semicolon-separated, UTF-8 with BOM: what Excel in Italy opens directly."""
    zone = ZoneInfo(tz)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for v in visits:
        start = v.start.astimezone(zone)
        phones = [p.display for p in (v.contact.phones if v.contact else ())] + [p.display for p in v.phones]
        writer.writerow(
            neutralise_row(  # CSV injection: names and notes typed by users may start with "="
                (
                    start.strftime("%d/%m/%Y"),
                    start.strftime("%H:%M"),
                    v.organization,
                    v.address.street,
                    v.address.comune,
                    v.contact.full_name if v.contact else "",
                    ", ".join(phones),
                    v.purpose,
                    "annullata" if v.cancelled else "pianificata",
                )
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode()


# --- Navigation -------------------------------------------------------------------------------------


def _target(stop: Stop) -> str:
    if stop.has_coordinates:
        return f"{stop.latitude:.6f},{stop.longitude:.6f}"
    return stop.address or stop.name


def navigation_links(stop: Stop) -> dict[str, str]:
    """``geo``, ``google`` and ``apple`` links to one stop (coordinates when known, else the address)."""
    target = _target(stop)
    if stop.has_coordinates:
        geo = f"geo:{target}?q={target}({quote(stop.name)})"
    else:
        geo = f"geo:0,0?q={quote(target)}"
    return {
        "geo": geo,
        "google": "https://www.google.com/maps/dir/?" + urlencode({"api": "1", "destination": target}),
        "apple": "https://maps.apple.com/?" + urlencode({"daddr": target, "q": stop.name}),
    }


def google_directions_links(stops: Sequence[Stop], *, travelmode: str = "driving") -> list[str]:
    """Google Maps directions links through ``stops`` in order, split where a link would exceed
    origin + destination + 9 waypoints; each link starts where the previous one ended."""
    points = [_target(s) for s in stops]
    if len(points) < 2:
        return []
    links: list[str] = []
    per_link = GOOGLE_MAX_WAYPOINTS + 2
    start = 0
    while start < len(points) - 1:
        chunk = points[start : start + per_link]
        params = {"api": "1", "origin": chunk[0], "destination": chunk[-1], "travelmode": travelmode}
        if len(chunk) > 2:
            params["waypoints"] = "|".join(chunk[1:-1])
        links.append("https://www.google.com/maps/dir/?" + urlencode(params))
        start += len(chunk) - 1
    return links
