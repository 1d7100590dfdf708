"""Load a person's planned visits into the writers' dataclasses; calendar feed tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.audit.models import ChangeAction, ChangeLog
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db_types import utcnow
from crm.exports import sheet, writers
from crm.exports.models import CalendarFeedToken
from crm.exports.writers import Address, ContactCard, Phone, Stop, Visit
from crm.extensions import db
from crm.followups.services import local_timezone, local_today
from crm.interactions.models import Interaction, InteractionKind, InteractionOutcome, InteractionStatus
from crm.organizations.models import Organization
from crm.phones import display_phone
from crm.reference.places import comune_by_code
from crm.visits.models import VisitPlan

#: How many days one export may cover (the feed covers FEED_DAYS_BEFORE + FEED_DAYS_AFTER).
MAX_EXPORT_DAYS = 92
FEED_DAYS_BEFORE = 7
FEED_DAYS_AFTER = 60

FORMATS = ("ics", "vcf", "gpx", "kml", "csv", "pdf")
MIMETYPES = {
    "ics": "text/calendar; charset=utf-8",
    "vcf": "text/vcard; charset=utf-8",
    "gpx": "application/gpx+xml",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}

#: The kinds of interaction in the day sheet's "last contact" line (Italian, like the other exports).
KIND_IT = {
    InteractionKind.CALL: "telefonata",
    InteractionKind.EMAIL: "e-mail",
    InteractionKind.VISIT: "visita",
    InteractionKind.MEETING: "incontro",
    InteractionKind.NOTE: "nota",
}
OUTCOME_IT = {
    InteractionOutcome.POSITIVE: "positivo",
    InteractionOutcome.NEUTRAL: "neutro",
    InteractionOutcome.NEGATIVE: "negativo",
    InteractionOutcome.NO_ANSWER: "nessuna risposta",
}


class ExportError(ValueError):
    """The export cannot be made as asked (bad range, unknown format)."""


def uid_domain() -> str:
    """The right-hand side of event UIDs: fixed by configuration, never taken from a request."""
    return str(current_app.config.get("EXPORTS_UID_DOMAIN", "florwork-outreach"))


def _address(street: str | None, cap: str | None, comune_code: str | None) -> Address:
    comune = comune_by_code(comune_code)
    return Address(
        street=street or "",
        cap=cap or (comune.cap if comune else ""),
        comune=comune.name if comune else "",
        province=comune.province_code if comune else "",
    )


def _phones(*numbers: tuple[str | None, str]) -> tuple[Phone, ...]:
    return tuple(Phone(number=n, display=display_phone(n), kind=kind) for n, kind in numbers if n)


def _card(contact: Contact, organization: Organization) -> ContactCard:
    return ContactCard(
        id=contact.id,
        first_name=contact.first_name,
        last_name=contact.last_name,
        organization=organization.display_name,
        role=contact.role or "",
        phones=_phones((contact.phone, "work"), (contact.mobile, "cell")),
        email=contact.email or "",
        address=_address(organization.address, organization.cap, organization.comune_code),
    )


def _visit_contact(interaction: Interaction) -> Contact | None:
    if interaction.contact is not None:
        return interaction.contact
    contacts = interaction.organization.contacts
    return next((c for c in contacts if c.is_primary), contacts[0] if contacts else None)


def _organization_url(organization_id: int) -> str:
    """An absolute link to the organization page; empty where no URL can be built (CLI without
    SERVER_NAME)."""
    try:
        return url_for("organizations.detail", organization_id=organization_id, _external=True)
    except RuntimeError:
        return ""


def _durations(plan_ids: set[int]) -> dict[tuple[int, str, str], int]:
    """``(plan id, staff id, organization id) -> seconds`` from the plans' stored results."""
    found: dict[tuple[int, str, str], int] = {}
    if not plan_ids:
        return found
    for plan in db.session.scalars(select(VisitPlan).where(VisitPlan.id.in_(plan_ids))):
        for route in (plan.result or {}).get("routes", []):
            for step in route.get("steps", []):
                if step.get("type") == "job" and "departure" in step and "start" in step:
                    key = (plan.id, str(route.get("staff_id")), str(step.get("id")))
                    found[key] = int(step["departure"]) - int(step["start"])
    return found


def _sequences(ids: Sequence[int]) -> dict[int, int]:
    """SEQUENCE per interaction: how many times it was updated (the audit log counts every change,
    so a re-plan or a cancellation always increases it)."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(ChangeLog.entity_id, func.count())
        .where(
            ChangeLog.entity_type == Interaction.__tablename__,
            ChangeLog.entity_id.in_(ids),
            ChangeLog.action == ChangeAction.UPDATE,
        )
        .group_by(ChangeLog.entity_id)
    )
    return {entity_id: count for entity_id, count in rows}


def day_range(first: date, days: int) -> tuple[datetime, datetime]:
    if not 1 <= days <= MAX_EXPORT_DAYS:
        raise ExportError(f"days must be between 1 and {MAX_EXPORT_DAYS}")
    tz = local_timezone()
    return datetime.combine(first, time(0), tz), datetime.combine(first + timedelta(days=days), time(0), tz)


def planned_visits(
    user: User, first: date, days: int = 1, *, include_cancelled: bool = True
) -> list[Visit]:
    """The person's planned (and cancelled) visits from local midnight of ``first`` for ``days``."""
    start, end = day_range(first, days)
    statuses = [InteractionStatus.PLANNED]
    if include_cancelled:
        statuses.append(InteractionStatus.CANCELLED)
    rows = db.session.scalars(
        select(Interaction)
        .where(
            Interaction.user_id == user.id,
            Interaction.kind == InteractionKind.VISIT,
            Interaction.status.in_(statuses),
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
        )
        .options(
            selectinload(Interaction.organization).selectinload(Organization.contacts),
            selectinload(Interaction.contact),
        )
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()
    return visits_of(rows)


def visits_of(rows: Sequence[Interaction]) -> list[Visit]:
    """The writers' :class:`Visit` of loaded visit interactions (organization and contacts loaded)."""
    durations = _durations({i.visit_plan_id for i in rows if i.visit_plan_id})
    sequences = _sequences([i.id for i in rows])
    default = int(current_app.config.get("DEFAULT_VISIT_MINUTES", 45)) * 60
    return [
        visit_of(
            i,
            seconds=durations.get((i.visit_plan_id or 0, str(i.user_id), str(i.organization_id)), default),
            sequence=sequences.get(i.id, 0),
        )
        for i in rows
    ]


def visit_of(i: Interaction, *, seconds: int, sequence: int = 0) -> Visit:
    org = i.organization
    contact = _visit_contact(i)
    return Visit(
        id=i.id,
        start=i.occurred_at,
        end=i.occurred_at + timedelta(seconds=max(seconds, 60)),
        organization=org.display_name,
        organization_id=org.id,
        purpose=i.subject,
        address=_address(org.address, org.cap, org.comune_code),
        latitude=org.latitude,
        longitude=org.longitude,
        contact=_card(contact, org) if contact is not None else None,
        phones=_phones((org.phone, "work"), (org.phone2, "work")),
        notes=i.body or "",
        url=_organization_url(org.id),
        cancelled=i.status is InteractionStatus.CANCELLED,
        sequence=sequence,
        stamp=i.updated_at,
    )


def route_stops(user: User, visits: Sequence[Visit]) -> list[Stop]:
    """The stops in planned order (cancelled visits left out), from and back to the person's
    office when it has coordinates."""
    stops = [
        Stop(
            name=v.organization,
            latitude=v.latitude,
            longitude=v.longitude,
            description=v.purpose,
            time=v.start,
            address=v.address.one_line(),
        )
        for v in visits
        if not v.cancelled
    ]
    office = user.office
    if stops and office is not None and office.latitude is not None and office.longitude is not None:
        home = Stop(
            name=office.name,
            latitude=office.latitude,
            longitude=office.longitude,
            address=_address(office.address, office.cap, office.comune_code).one_line(),
        )
        stops = [home, *stops, home]
    return stops


def contact_cards(visits: Sequence[Visit]) -> list[ContactCard]:
    seen: dict[int, ContactCard] = {}
    for v in visits:
        if v.contact is not None and not v.cancelled:
            seen.setdefault(v.contact.id, v.contact)
    return list(seen.values())


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    mimetype: str
    filename: str


def export_file(user: User, first: date, days: int, fmt: str) -> ExportFile:
    """One export of ``user``'s visits; the file name is built here, never from input."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    visits = planned_visits(user, first, days, include_cancelled=fmt == "ics")
    name = f"visite-{user.id}-{first.isoformat()}" + (f"-{days}g" if days > 1 else "")
    title = f"Visite {user.full_name}"
    content: bytes
    if fmt == "ics":
        content = writers.ics_calendar(visits, host=uid_domain(), name=title)
    elif fmt == "vcf":
        content = writers.vcards(contact_cards(visits))
    elif fmt == "gpx":
        content = writers.gpx_route(route_stops(user, visits), name=title)
    elif fmt == "kml":
        content = writers.kml_route(route_stops(user, visits), name=title)
    elif fmt == "pdf":
        last = last_interactions(sorted({v.organization_id for v in visits}), exclude=[v.id for v in visits])
        visits = [replace(v, last_contact=last_contact_line(last.get(v.organization_id))) for v in visits]
        content = sheet.pdf_sheet(visits, person=user.full_name, first=first, days=days, generated=utcnow())
    else:
        content = writers.csv_sheet([v for v in visits if not v.cancelled])
    return ExportFile(content=content, mimetype=MIMETYPES[fmt], filename=f"{name}.{fmt}")


def navigation(user: User, first: date, days: int) -> tuple[list[tuple[Visit, dict[str, str]]], list[str]]:
    """Per visit the navigation links, and the Google directions link(s) through the route."""
    visits = planned_visits(user, first, days, include_cancelled=False)
    per_stop = [
        (
            v,
            writers.navigation_links(
                Stop(v.organization, v.latitude, v.longitude, address=v.address.one_line())
            ),
        )
        for v in visits
    ]
    return per_stop, writers.google_directions_links(route_stops(user, visits))


# --- Feed tokens ------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_of(user: User) -> CalendarFeedToken | None:
    return db.session.scalars(select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id)).first()


def issue_feed_token(user: User) -> str:
    """A new secret for ``user``'s feed (the old one stops working). Returned once, stored hashed."""
    token = secrets.token_urlsafe(32)
    row = feed_token_of(user)
    if row is None:
        row = CalendarFeedToken(user_id=user.id)
        db.session.add(row)
    row.token_hash = _hash(token)
    row.created_at = utcnow()
    row.revoked_at = None
    db.session.commit()
    return token


def revoke_feed_token(user: User) -> bool:
    row = feed_token_of(user)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    db.session.commit()
    return True


def user_for_feed_token(token: str) -> User | None:
    """The active user whose live token this is, or None."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalars(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.token_hash == _hash(token), CalendarFeedToken.revoked_at.is_(None))
        .options(selectinload(CalendarFeedToken.user))
    ).first()
    if row is None or not row.user.active:
        return None
    return row.user


def feed_calendar(user: User, *, today: date | None = None) -> bytes:
    """The subscribable calendar: from FEED_DAYS_BEFORE days ago to FEED_DAYS_AFTER days ahead."""
    first = (today or local_today()) - timedelta(days=FEED_DAYS_BEFORE)
    visits = planned_visits(user, first, FEED_DAYS_BEFORE + FEED_DAYS_AFTER + 1)
    return writers.ics_calendar(visits, host=uid_domain(), name=f"Visite {user.full_name}")


def can_export_for(viewer: Any, user: User) -> bool:
    """Operators export their own visits; coordinators anyone's."""
    return bool(viewer.is_coordinator or viewer.id == user.id)


# --- Day sheet ----------------------------------------------------------------------------------------


def last_interactions(
    organization_ids: Sequence[int], *, exclude: Sequence[int] = ()
) -> dict[int, Interaction]:
    """The latest done interaction of each organization (leaving out ``exclude``), in one query."""
    if not organization_ids:
        return {}
    ranked = select(
        Interaction.id,
        func.row_number()
        .over(
            partition_by=Interaction.organization_id,
            order_by=(Interaction.occurred_at.desc(), Interaction.id.desc()),
        )
        .label("rank"),
    ).where(
        Interaction.organization_id.in_(organization_ids),
        Interaction.status == InteractionStatus.DONE,
    )
    if exclude:
        ranked = ranked.where(Interaction.id.not_in(list(exclude)))
    sub = ranked.subquery()
    rows = db.session.scalars(
        select(Interaction)
        .join(sub, sub.c.id == Interaction.id)
        .where(sub.c.rank == 1)
        .options(selectinload(Interaction.user))
    )
    return {i.organization_id: i for i in rows}


def last_contact_line(interaction: Interaction | None) -> str:
    """``12/11/2026, telefonata: Presentazione (positivo) - Anna Rossi`` for the PDF sheet."""
    if interaction is None:
        return ""
    when = interaction.occurred_at.astimezone(local_timezone()).strftime("%d/%m/%Y")
    text = f"{when}, {KIND_IT.get(interaction.kind, interaction.kind.value)}: {interaction.subject}"
    if interaction.outcome is not None:
        text += f" ({OUTCOME_IT.get(interaction.outcome, interaction.outcome.value)})"
    if interaction.user is not None:
        text += f" - {interaction.user.full_name}"
    return text


@dataclass(frozen=True)
class SheetDay:
    day: date
    visits: list[Visit]


def sheet_days(user: User, first: date, days: int) -> tuple[list[SheetDay], dict[int, Interaction]]:
    """The printable sheet: every day of the range (empty ones too) with its planned visits, and the
    organizations' last done interaction before them."""
    visits = planned_visits(user, first, days, include_cancelled=False)
    tz = local_timezone()
    by_day: dict[date, list[Visit]] = {first + timedelta(days=n): [] for n in range(days)}
    for v in visits:
        by_day.setdefault(v.start.astimezone(tz).date(), []).append(v)
    last = last_interactions(sorted({v.organization_id for v in visits}), exclude=[v.id for v in visits])
    return [SheetDay(day, vs) for day, vs in sorted(by_day.items())], last
