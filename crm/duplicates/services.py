"""Duplicate organizations: find candidate pairs, dismiss false alarms, merge real duplicates.

Services own the transaction and never read the request; ``by`` is the staff member acting. The
matching itself is pure and lives in :mod:`crm.duplicates.matching`.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Column, Table, and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from crm.audit.models import ChangeAction, ChangeLog
from crm.audit.services import acting_as
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db_types import utcnow
from crm.duplicates.matching import (
    DEFAULT_NAME_THRESHOLD,
    CandidatePair,
    OrgRecord,
    ReasonGroup,
    candidates_for,
    find_candidate_pairs,
    name_key,
    normalise_email,
    normalise_id,
    normalise_phone,
    ordered,
)
from crm.duplicates.models import DuplicateDismissal
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.interactions.models import Interaction
from crm.organizations.models import GeoPrecision, Organization, OrganizationKind, OrganizationStatus
from crm.organizations.search import search_condition
from crm.organizations.services import EDITABLE_FIELDS, refresh_search_text

#: What a merge may take from either organization: every editable attribute but the notes, which are
#: joined. ``latitude``, ``longitude`` and ``geo_precision`` should be chosen together.
MERGEABLE_FIELDS: frozenset[str] = EDITABLE_FIELDS - {"notes"}
POSITION_FIELDS: tuple[str, str, str] = ("latitude", "longitude", "geo_precision")
_ENUM_FIELDS: dict[str, type[enum.Enum]] = {
    "kind": OrganizationKind,
    "status": OrganizationStatus,
    "geo_precision": GeoPrecision,
}
#: How long a whole-database search result may be reused when nothing seems to have changed.
CACHE_SECONDS = 600
#: At most this many rows are read for the hint on an organization's page.
HINT_ROWS = 25
ROME = ZoneInfo("Europe/Rome")


class DuplicateError(Exception):
    """Base of this module's errors."""


class MergePermissionError(DuplicateError):
    """Only coordinators and administrators merge organizations."""


class MergeConflictError(DuplicateError):
    """One of the two organizations changed (or was deleted) since the comparison was loaded."""


class MergeError(DuplicateError):
    """The merge cannot be done as asked (same organization, unknown field, Partita IVA taken)."""


# --- Finding --------------------------------------------------------------------------------------

_RECORD_COLUMNS = (
    Organization.id,
    Organization.legal_name,
    Organization.trade_name,
    Organization.comune_code,
    Organization.vat_number,
    Organization.tax_code,
    Organization.phone,
    Organization.phone2,
    Organization.email,
    Organization.pec,
)


def _records(*conditions: Any, limit: int | None = None, order_by: Any = None) -> list[OrgRecord]:
    stmt = select(*_RECORD_COLUMNS)
    if conditions:
        stmt = stmt.where(*conditions)
    if order_by is not None:
        stmt = stmt.order_by(order_by)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [OrgRecord(*row) for row in db.session.execute(stmt)]


def _record(org: Organization) -> OrgRecord:
    return OrgRecord(*(getattr(org, column.key) for column in _RECORD_COLUMNS))


def name_threshold() -> int:
    return int(current_app.config.get("DUPLICATES_NAME_THRESHOLD", DEFAULT_NAME_THRESHOLD))


def dismissed_pairs() -> set[tuple[int, int]]:
    rows = db.session.execute(
        select(DuplicateDismissal.organization_low_id, DuplicateDismissal.organization_high_id)
    )
    return {(low, high) for low, high in rows}


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], float, list[CandidatePair]]] = {}


def _fingerprint() -> tuple[Any, ...]:
    """Changes whenever an organization is added, deleted or edited through the application."""
    row = db.session.execute(
        select(
            func.count(Organization.id),
            func.max(Organization.id),
            func.max(Organization.updated_at),
            func.sum(Organization.version),
        )
    ).one()
    return (*tuple(row), name_threshold())


def _all_pairs() -> list[CandidatePair]:
    """Every candidate pair in the database, dismissed ones included, reused while nothing changes."""
    key = str(db.engine.url)
    fingerprint = _fingerprint()
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == fingerprint and time.monotonic() - cached[1] < CACHE_SECONDS:
            return cached[2]
    pairs = find_candidate_pairs(_records(), name_threshold=name_threshold())
    with _cache_lock:
        _cache.clear()  # one database at a time: keep memory bounded
        _cache[key] = (fingerprint, time.monotonic(), pairs)
    return pairs


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


@dataclass(frozen=True, slots=True)
class DuplicateFilters:
    """What the list shows: pairs with a reason of ``group``, with an organization in ``comune_code``
    or being ``organization_id``."""

    group: ReasonGroup | None = None
    comune_code: str | None = None
    organization_id: int | None = None


def find_duplicates(filters: DuplicateFilters | None = None) -> list[CandidatePair]:
    """Candidate pairs, best first, without the dismissed ones.

    With ``organization_id`` only that organization is compared with the others (fast); otherwise
    the whole database is searched (about 10 s for 50,000 organizations; reused until an
    organization changes).
    """
    filters = filters or DuplicateFilters()
    dismissed = dismissed_pairs()
    if filters.organization_id is not None:
        org = db.session.get(Organization, filters.organization_id)
        pairs = duplicates_of(org) if org is not None else []
    else:
        pairs = [p for p in _all_pairs() if p.ids not in dismissed]
    if filters.group is not None:
        pairs = [p for p in pairs if filters.group in p.groups]
    if filters.comune_code:
        in_comune = _ids_in_comune(filters.comune_code)
        pairs = [p for p in pairs if p.first_id in in_comune or p.second_id in in_comune]
    return pairs


def _ids_in_comune(comune_code: str) -> set[int]:
    return set(
        db.session.scalars(select(Organization.id).where(Organization.comune_code == comune_code))
    )


def _exact_conditions(record: OrgRecord) -> list[Any]:
    """SQL conditions for the rows sharing a number or an address with ``record``."""
    conditions: list[Any] = []
    ids = {v for v in (normalise_id(record.vat_number), normalise_id(record.tax_code)) if v}
    if ids:
        conditions += [Organization.vat_number.in_(ids), Organization.tax_code.in_(ids)]
    phones = {v for v in (normalise_phone(record.phone), normalise_phone(record.phone2)) if v}
    if phones:
        conditions += [Organization.phone.in_(phones), Organization.phone2.in_(phones)]
    emails = {v for v in (normalise_email(record.email), normalise_email(record.pec)) if v}
    if emails:
        conditions += [func.lower(Organization.email).in_(emails), func.lower(Organization.pec).in_(emails)]
    return conditions


def duplicates_of(org: Organization) -> list[CandidatePair]:
    """The candidate pairs involving ``org``, best first, without the dismissed ones.

    One query reads the organizations of the same comune and those sharing a number or an address;
    the names are then compared one against many.
    """
    record = _record(org)
    conditions = _exact_conditions(record)
    if record.comune_code:
        conditions.append(Organization.comune_code == record.comune_code)
    if not conditions:
        return []
    others = _records(or_(*conditions), Organization.id != org.id)
    return candidates_for(
        record, others, name_threshold=name_threshold(), exclude=_dismissed_with(org.id)
    )


def _dismissed_with(organization_id: int) -> set[tuple[int, int]]:
    rows = db.session.execute(
        select(DuplicateDismissal.organization_low_id, DuplicateDismissal.organization_high_id).where(
            or_(
                DuplicateDismissal.organization_low_id == organization_id,
                DuplicateDismissal.organization_high_id == organization_id,
            )
        )
    )
    return {(low, high) for low, high in rows}


def possible_duplicates_count(org: Organization) -> int:
    """How many organizations look like ``org``: a cheap hint for its page (one bounded query).

    Reads at most ``HINT_ROWS`` rows: those sharing a number or an address, then those of the same
    comune whose folded text contains the most telling word of the name. :func:`duplicates_of`
    is the thorough search.
    """
    record = _record(org)
    exact = _exact_conditions(record)
    conditions = list(exact)
    if record.comune_code:
        # Same comune, and the folded text holds the telling words of the legal or trade name.
        by_name = []
        # On SQLite the words are looked up in the trigram index: the comune alone can be half the
        # table (Firenze), and scanning its rows' text cost 25 ms on every organization page.
        trigram = Organization.id if db.engine.dialect.name == "sqlite" else None
        for key in {name_key(org.legal_name), name_key(org.trade_name)} - {""}:
            words = sorted(key.split(), key=len, reverse=True)[:3]
            condition = search_condition(Organization.search_text, " ".join(words), trigram_index_of=trigram)
            if condition is not None:
                by_name.append(condition)
        if by_name:
            conditions.append(and_(Organization.comune_code == record.comune_code, or_(*by_name)))
    if not conditions:
        return 0
    low, high = DuplicateDismissal.organization_low_id, DuplicateDismissal.organization_high_id
    dismissed = (
        select(DuplicateDismissal.id)
        .where(
            or_(
                and_(low == org.id, high == Organization.id),
                and_(high == org.id, low == Organization.id),
            )
        )
        .exists()
    )
    ranking = case((or_(*exact), 0), else_=1) if exact else None
    others = _records(
        or_(*conditions),
        Organization.id != org.id,
        ~dismissed,
        limit=HINT_ROWS,
        order_by=ranking,
    )
    return len(candidates_for(record, others, name_threshold=name_threshold()))


# --- Dismissing -----------------------------------------------------------------------------------


def dismiss_pair(first_id: int, second_id: int, *, by: User) -> DuplicateDismissal:
    """Record that the two organizations are not the same one (idempotent).

    :raises MergeError: when both ids are the same or an organization does not exist.
    """
    low, high = ordered(first_id, second_id)
    if low == high:
        raise MergeError("an organization cannot be a duplicate of itself")
    existing = _dismissal(low, high)
    if existing is not None:
        return existing
    found = db.session.scalar(
        select(func.count()).select_from(Organization).where(Organization.id.in_((low, high)))
    )
    if found != 2:
        raise MergeError("organization not found")
    dismissal = DuplicateDismissal(
        organization_low_id=low, organization_high_id=high, dismissed_by_id=by.id
    )
    db.session.add(dismissal)
    try:
        with acting_as(by.id):
            db.session.commit()
    except IntegrityError:
        # Someone dismissed the same pair at the same moment.
        db.session.rollback()
        existing = _dismissal(low, high)
        if existing is None:
            raise
        return existing
    return dismissal


def _dismissal(low: int, high: int) -> DuplicateDismissal | None:
    return db.session.scalars(
        select(DuplicateDismissal).where(
            DuplicateDismissal.organization_low_id == low,
            DuplicateDismissal.organization_high_id == high,
        )
    ).first()


# --- Merging --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelatedCounts:
    contacts: int
    interactions: int
    follow_ups: int
    tags: int


def related_counts(org: Organization) -> RelatedCounts:
    """What hangs on an organization (what a merge would move away from it)."""
    interactions = db.session.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.organization_id == org.id)
    )
    follow_ups = db.session.scalar(
        select(func.count()).select_from(FollowUp).where(FollowUp.organization_id == org.id)
    )
    return RelatedCounts(
        contacts=len(org.contacts),
        interactions=interactions or 0,
        follow_ups=follow_ups or 0,
        tags=len(org.tags),
    )


def default_choices(survivor: Organization, other: Organization) -> dict[str, str]:
    """For each mergeable field, whose value a merge keeps by default: ``"survivor"`` when it has
    one, else ``"other"``."""
    return {
        name: "survivor" if _filled(getattr(survivor, name)) or not _filled(getattr(other, name))
        else "other"
        for name in sorted(MERGEABLE_FIELDS)
    }


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def merged_notes(survivor: Organization, other: Organization, when: datetime | None = None) -> str | None:
    """The survivor's notes followed by the other's under a separator line, or whichever exists."""
    mine, theirs = (survivor.notes or "").strip(), (other.notes or "").strip()
    if mine and theirs:
        day = (when or utcnow()).astimezone(ROME).date().isoformat()
        return f"{mine}\n\n— merged from {other.display_name} ({day}) —\n{theirs}"
    return mine or theirs or None


def merge_organizations(
    survivor: Organization,
    other: Organization,
    chosen_values: Mapping[str, Any],
    *,
    by: User,
    expected_versions: tuple[int, int] | None = None,
) -> Organization:
    """Merge ``other`` into ``survivor`` in one transaction, then delete ``other``.

    The survivor takes ``chosen_values``; every contact, interaction, follow-up and tag of the other
    moves to it (the survivor's primary contact stays the only primary one); notes are joined; the
    latest interaction date is kept; dismissals naming the other are removed. The change history
    gets the survivor's update, a ``merge`` entry on the survivor and the other's deletion.

    :param chosen_values: attribute → value for the survivor (any of ``MERGEABLE_FIELDS``).
    :param expected_versions: the versions (survivor's, other's) the person compared.
    :raises MergePermissionError: unless ``by`` is a coordinator or an administrator.
    :raises MergeConflictError: when either organization changed since ``expected_versions``.
    :raises MergeError: on the same organization twice, an unknown field or a Partita IVA in use.
    """
    if not by.is_coordinator:
        raise MergePermissionError("only coordinators may merge organizations")
    if survivor.id == other.id:
        raise MergeError("an organization cannot be merged into itself")
    unknown = set(chosen_values) - MERGEABLE_FIELDS
    if unknown:
        raise MergeError(f"unknown fields: {', '.join(sorted(unknown))}")
    if expected_versions is not None and (survivor.version, other.version) != tuple(expected_versions):
        raise MergeConflictError("changed since loaded")
    values = {k: _coerce(k, v) for k, v in chosen_values.items()}
    other_id, other_name = other.id, other.display_name
    try:
        with db.session.no_autoflush:
            moved = _move_everything(survivor, other, values)
        for key, value in values.items():
            setattr(survivor, key, value)
        survivor.notes = merged_notes(survivor, other)
        latest = [d for d in (survivor.last_interaction_at, other.last_interaction_at) if d]
        survivor.last_interaction_at = max(latest) if latest else None
        # The merge is an edit of the survivor even when no field changes: its version moves, and
        # a concurrent save of it fails here instead of being silently mixed in.
        survivor.updated_at = utcnow()
        refresh_search_text(survivor)
        db.session.execute(
            delete(DuplicateDismissal).where(
                or_(
                    DuplicateDismissal.organization_low_id == other_id,
                    DuplicateDismissal.organization_high_id == other_id,
                )
            )
        )
        db.session.add(
            ChangeLog(
                entity_type="organization",
                entity_id=survivor.id,
                action=ChangeAction.MERGE,
                # Each value is a pair, like the other history entries, so every reader of the
                # history can show it: [id, name] merged from, [None, counts] moved.
                changes={"merged_from": [other_id, other_name], "moved": [None, moved]},
                user_id=by.id,
            )
        )
        db.session.delete(other)
        with acting_as(by.id):
            db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise MergeConflictError("changed while merging") from None
    except IntegrityError as exc:
        db.session.rollback()
        raise MergeError(f"the database refused the merge: {exc.orig}") from None
    clear_cache()
    return survivor


def _coerce(name: str, value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip() or None
    if value is not None and name in _ENUM_FIELDS and not isinstance(value, _ENUM_FIELDS[name]):
        value = _ENUM_FIELDS[name](value)
    return value


def _move_everything(
    survivor: Organization, other: Organization, values: Mapping[str, Any]
) -> dict[str, int]:
    """Move the other's contacts, interactions, follow-ups and tags; flushes, does not commit."""
    # The Partita IVA is unique: a number kept from the other must leave it before the survivor
    # takes it.
    vat = values.get("vat_number")
    if vat and other.vat_number == vat and survivor.vat_number != vat:
        other.vat_number = None
        db.session.flush()

    contacts = list(other.contacts)
    # One primary contact per organization (a partial unique index): the survivor's wins. The flag
    # is cleared while the contact still belongs to the other, in a flush of its own.
    if any(c.is_primary for c in survivor.contacts):
        demoted = [c for c in contacts if c.is_primary]
        for contact in demoted:
            contact.is_primary = False
        if demoted:
            db.session.flush()
    for contact in contacts:
        contact.organization = survivor

    interactions = list(
        db.session.scalars(select(Interaction).where(Interaction.organization_id == other.id))
    )
    for interaction in interactions:
        interaction.organization_id = survivor.id
    follow_ups = list(
        db.session.scalars(select(FollowUp).where(FollowUp.organization_id == other.id))
    )
    for follow_up in follow_ups:
        follow_up.organization_id = survivor.id

    have = {tag.id for tag in survivor.tags}
    new_tags = [tag for tag in other.tags if tag.id not in have]
    if new_tags:
        survivor.tags = sorted([*survivor.tags, *new_tags], key=lambda t: t.name.casefold())
    db.session.flush()
    moved = {
        "contacts": len(contacts),
        "interactions": len(interactions),
        "follow_ups": len(follow_ups),
        "tags": len(new_tags),
    }
    moved.update(_move_other_references(survivor.id, other.id))
    return moved


#: Tables whose rows the merge handles itself (ORM moves above, or removed on purpose).
_HANDLED_TABLES = frozenset(
    {"contact", "interaction", "follow_up", "organization_tag", "duplicate_dismissal", "organization"}
)


def referencing_columns() -> list[tuple[Table, Column[Any]]]:
    """Every other column in the schema that points at an organization.

    Found from the foreign keys, so a feature that adds such a table (openings, visit plans …) has
    its rows moved by a merge without anyone remembering to add a line here.
    """
    target = Organization.__table__.c.id
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in _HANDLED_TABLES:
            continue
        for column in table.columns:
            if any(fk.column is target for fk in column.foreign_keys):
                found.append((table, column))
    return found


def _move_other_references(survivor_id: int, other_id: int) -> dict[str, int]:
    moved: dict[str, int] = {}
    for table, column in referencing_columns():
        result = db.session.execute(
            update(table).where(column == other_id).values({column.name: survivor_id})
        )
        if result.rowcount:
            moved[table.name] = moved.get(table.name, 0) + result.rowcount
    return moved


def load_for_merge(organization_id: int) -> Organization | None:
    """An organization with what the comparison shows (contacts, tags, owner) loaded."""
    return db.session.scalars(
        select(Organization)
        .where(Organization.id == organization_id)
        .options(
            selectinload(Organization.contacts),
            selectinload(Organization.tags),
            selectinload(Organization.owner),
        )
    ).first()


@dataclass(frozen=True, slots=True)
class OrganizationSummary:
    """What the list shows of each organization of a pair."""

    organization: Organization
    contacts: int
    interactions: int


def summaries(ids: Iterable[int]) -> dict[int, OrganizationSummary]:
    """The organizations ``ids`` with their contact and interaction counts (three queries)."""
    wanted = set(ids)
    if not wanted:
        return {}
    orgs = db.session.scalars(select(Organization).where(Organization.id.in_(wanted))).all()
    contacts: dict[int, int] = {
        org_id: n
        for org_id, n in db.session.execute(
            select(Contact.organization_id, func.count())
            .where(Contact.organization_id.in_(wanted))
            .group_by(Contact.organization_id)
        )
    }
    interactions: dict[int, int] = {
        org_id: n
        for org_id, n in db.session.execute(
            select(Interaction.organization_id, func.count())
            .where(Interaction.organization_id.in_(wanted))
            .group_by(Interaction.organization_id)
        )
    }
    return {
        org.id: OrganizationSummary(org, contacts.get(org.id, 0), interactions.get(org.id, 0))
        for org in orgs
    }
