"""Organization business logic: create, update (optimistic locking), delete, tags, search.

Services own the transaction: they commit on success and roll back on failure. They never read the
request; ``by`` is the staff member acting.
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, case, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from crm.audit.services import acting_as
from crm.auth.models import Role, User
from crm.db_types import utcnow
from crm.extensions import cache, db
from crm.organizations.models import (
    GeoPrecision,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    SizeBand,
    Tag,
    organization_tag,
)
from crm.organizations.search import build_search_text, search_condition
from crm.reference.ateco import section_of
from crm.reference.places import comune_by_code, comuni

#: The attributes an organization is edited by, in the order screens list them (``tags``: names).
DATA_FIELDS: tuple[str, ...] = (
    "legal_name",
    "trade_name",
    "kind",
    "status",
    "owner_id",
    "vat_number",
    "tax_code",
    "ateco_code",
    "ateco_section",
    "employees",
    "law68_subject",
    "law68_protected_employed",
    "address",
    "cap",
    "comune_code",
    "latitude",
    "longitude",
    "geo_precision",
    "phone",
    "phone2",
    "email",
    "pec",
    "website",
    "opening_hours",
    "tags",
    "notes",
)

#: Attributes ``create_organization`` and ``update_organization`` set directly (tags go through
#: ``set_tags``).
EDITABLE_FIELDS: frozenset[str] = frozenset(DATA_FIELDS) - {"tags"}

_ENUM_FIELDS: dict[str, type[enum.Enum]] = {
    "kind": OrganizationKind,
    "status": OrganizationStatus,
    "geo_precision": GeoPrecision,
}


class OrganizationError(Exception):
    """Base of this module's errors."""


class OrganizationConflictError(OrganizationError):
    """Someone else saved the organization after the editor loaded it (optimistic locking).

    ``current`` is the organization as it is now in the database, or None if it was deleted.
    """

    def __init__(self, current: Organization | None) -> None:
        super().__init__("organization changed since it was loaded")
        self.current = current


class DuplicateVatNumberError(OrganizationError):
    """The Partita IVA already belongs to ``existing``."""

    def __init__(self, existing: Organization) -> None:
        super().__init__(f"Partita IVA already used by organization {existing.id}")
        self.existing = existing


class OrganizationPermissionError(OrganizationError):
    """The acting user may not make this change."""


# --- Writes ---------------------------------------------------------------------------------------


def create_organization(data: Mapping[str, Any], *, by: User) -> Organization:
    """Create an organization from validated form data.

    An operator always becomes the owner; a coordinator chooses (``owner_id``, may be None). Without
    coordinates, the comune's centre is used with precision ``comune``.

    :param data: model attribute → value (see ``EDITABLE_FIELDS``), plus ``tags``: a list of names.
    :raises DuplicateVatNumberError: when another organization has the same Partita IVA.
    """
    org = Organization(created_by_id=by.id, search_text="")
    values = _clean(data)
    values["owner_id"] = values.get("owner_id") if by.is_coordinator else by.id
    values.setdefault("kind", OrganizationKind.COMPANY)
    values.setdefault("status", OrganizationStatus.PROSPECT)
    _check_vat_number(values.get("vat_number"), exclude_id=None)
    with db.session.no_autoflush:
        _apply(org, values)
        if "tags" in data:
            set_tags(org, data["tags"] or [])
        refresh_search_text(org)
    db.session.add(org)
    _commit(org, by)
    return org


def update_organization(
    org: Organization, data: Mapping[str, Any], *, by: User, expected_version: int
) -> Organization:
    """Save changes to ``org``, unless someone else saved it since version ``expected_version``.

    Only the keys present in ``data`` change. ``owner_id`` is ignored unless ``by`` is a coordinator.

    :raises OrganizationPermissionError: when ``by`` may not edit the organization.
    :raises OrganizationConflictError: when the stored version is not ``expected_version`` (checked
        before writing, and again by the database through SQLAlchemy's version counter).
    :raises DuplicateVatNumberError: when another organization has the same Partita IVA.
    """
    if not (by.is_coordinator or org.owner_id == by.id):
        raise OrganizationPermissionError("only the owner or a coordinator may edit")
    if org.version != expected_version:
        raise OrganizationConflictError(org)
    values = _clean(data)
    if not by.is_coordinator:
        values.pop("owner_id", None)
    _check_vat_number(values.get("vat_number"), exclude_id=org.id)
    try:
        # No autoflush: a stale row must fail in the one flush below, inside this try.
        with db.session.no_autoflush:
            _apply(org, values)
            if "tags" in data:
                old_tags = {t.name for t in org.tags}
                set_tags(org, data["tags"] or [])
                if {t.name for t in org.tags} != old_tags:
                    # Tags live in another table: touch the row so the version moves with them.
                    org.updated_at = utcnow()
            refresh_search_text(org)
        _commit(org, by)
    except StaleDataError:
        db.session.rollback()
        raise OrganizationConflictError(db.session.get(Organization, org.id)) from None
    return org


def delete_organization(org: Organization, *, by: User) -> None:
    """Delete the organization with its contacts; the database cascades interactions and follow-ups.

    :raises OrganizationPermissionError: unless ``by`` is a coordinator or an administrator.
    """
    if not by.is_coordinator:
        raise OrganizationPermissionError("only coordinators may delete organizations")
    db.session.delete(org)
    with acting_as(by.id):
        db.session.commit()


def set_tags(org: Organization, names: Iterable[str]) -> None:
    """Replace the organization's tags; existing tags are reused ignoring case, new ones created.

    Does not commit: the caller's transaction saves the tags with the rest.
    """
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())[:60]
        if name and name.casefold() not in wanted:
            wanted[name.casefold()] = name
    if not wanted:
        org.tags = []
        return
    lowered = {n.lower() for n in wanted.values()}
    existing = db.session.scalars(
        select(Tag).where(func.lower(Tag.name).in_(lowered) | Tag.name.in_(list(wanted.values())))
    ).all()
    by_key = {tag.name.casefold(): tag for tag in existing}
    with db.session.no_autoflush:
        tags = [by_key.get(key) or Tag(name=name) for key, name in wanted.items()]
    org.tags = sorted(tags, key=lambda t: t.name.casefold())


def refresh_search_text(org: Organization) -> None:
    """Recompute the folded text the organization is found by (names, numbers, notes, contacts).

    Call it after changing any of those, contacts included; it does not commit. On an organization with
    no other pending change, the column is written directly so that adding a contact does not bump the
    organization's version (which would make someone editing it meet a needless conflict).
    """
    text = build_search_text(
        legal_name=org.legal_name,
        trade_name=org.trade_name,
        vat_number=org.vat_number,
        tax_code=org.tax_code,
        notes=org.notes,
        address=org.address,
        email=org.email,
        contacts=org.contacts if org.id is not None else [],
    )
    if org.search_text == text:
        return
    if org.id is None or db.session.is_modified(org, include_collections=False) or org in db.session.new:
        org.search_text = text
        return
    table = Organization.__table__
    # updated_at set to itself: derived text is not an edit, so the column's onupdate must not fire.
    db.session.execute(
        update(table)
        .where(table.c.id == org.id)
        .values(search_text=text, updated_at=table.c.updated_at)
    )
    set_committed_value(org, "search_text", text)


def owner_candidates(include_id: int | None = None) -> list[User]:
    """Active staff, by name, plus ``include_id`` (a current owner who may have been deactivated).

    Referrers (social workers outside the hub) never own organizations.
    """
    condition = User.active.is_(True) & (User.role != Role.REFERRER)
    if include_id is not None:
        condition = condition | (User.id == include_id)
    return list(db.session.scalars(select(User).where(condition).order_by(User.full_name)))


def tag_names() -> list[str]:
    return list(db.session.scalars(select(Tag.name).order_by(func.lower(Tag.name))))


# --- Search ---------------------------------------------------------------------------------------

SORT_KEYS: tuple[str, ...] = ("name", "comune", "employees", "status", "last_interaction", "updated")
#: The direction a column sorts in when first clicked: newest first for dates.
DEFAULT_DIRECTIONS: dict[str, str] = {"last_interaction": "desc", "updated": "desc"}
NO_OWNER = 0


@dataclass(frozen=True, slots=True)
class OrganizationFilters:
    """What the organization list shows. ``owner_id=NO_OWNER`` (0) selects organizations nobody owns."""

    q: str | None = None
    kind: OrganizationKind | None = None
    comune_code: str | None = None
    ateco_section: str | None = None
    status: OrganizationStatus | None = None
    tag: str | None = None
    owner_id: int | None = None
    size_band: SizeBand | None = None
    sort: str = "name"
    direction: str = "asc"


def filter_conditions(filters: OrganizationFilters) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a filtered list (shared by the list, the map and the exports)."""
    conditions: list[ColumnElement[bool]] = []
    text_condition = search_condition(
        Organization.search_text,
        filters.q,
        trigram_index_of=Organization.id if db.engine.dialect.name == "sqlite" else None,
    )
    if text_condition is not None:
        conditions.append(text_condition)
    if filters.kind is not None:
        conditions.append(Organization.kind == filters.kind)
    if filters.status is not None:
        conditions.append(Organization.status == filters.status)
    if filters.comune_code:
        conditions.append(Organization.comune_code == filters.comune_code)
    if filters.ateco_section:
        conditions.append(Organization.ateco_section == filters.ateco_section)
    if filters.tag:
        conditions.append(Organization.tags.any(func.lower(Tag.name) == filters.tag.lower()))
    if filters.owner_id == NO_OWNER:
        conditions.append(Organization.owner_id.is_(None))
    elif filters.owner_id is not None:
        conditions.append(Organization.owner_id == filters.owner_id)
    if filters.size_band is not None:
        low, high = filters.size_band.employee_range
        conditions.append(Organization.employees >= low)
        if high is not None:
            conditions.append(Organization.employees <= high)
    return conditions


def search_organizations(filters: OrganizationFilters) -> Select[tuple[Organization]]:
    """The SELECT for a filtered, sorted list, with owner and tags eager-loaded (no N+1)."""
    stmt = select(Organization).options(
        selectinload(Organization.owner), selectinload(Organization.tags)
    )
    return stmt.where(*filter_conditions(filters)).order_by(*_ordering(filters.sort, filters.direction))


#: How long :func:`organizations_version` is trusted without asking the database again, unless this
#: process committed a change to organizations (then the next call asks at once). Changes committed
#: by other processes (other web workers, commands) are seen at most this late.
VERSION_SECONDS = 2.0
_version_state: dict[str, Any] = {"changed": True, "at": 0.0, "url": None, "version": None}


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    if any(isinstance(o, Organization | Tag) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info["organizations_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: Any) -> None:
    if not state.is_select:  # bulk UPDATE/DELETE/INSERT, or raw SQL: assume organizations changed
        state.session.info["organizations_changed"] = True


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    if session.info.pop("organizations_changed", False):
        _version_state["changed"] = True


@event.listens_for(Session, "after_rollback")
def _forget_flush(session: Session) -> None:
    session.info.pop("organizations_changed", None)


def organizations_version() -> str:
    """A token that changes whenever organizations are added, deleted or edited.

    The map's data and the list's pages are cached by it. It is asked of the database again when
    this process has committed a change to organizations, and otherwise every
    :data:`VERSION_SECONDS`: the query reads two whole indexes on PostgreSQL (3-8 ms at 50,000
    organizations), and the list, the map and the API asked it on every request.
    """
    url = str(db.engine.url)
    state = _version_state
    now = time.monotonic()
    if state["changed"] or state["url"] != url or now - state["at"] > VERSION_SECONDS:
        state["changed"] = False  # before the query: a commit meanwhile sets it again
        state["version"] = _query_organizations_version()
        state["at"], state["url"] = now, url
    return str(state["version"])


def _query_organizations_version() -> str:
    """Edits through the application bump ``updated_at``; bulk paths that bypass it (merges,
    imports) also change the count or the highest id; tagging changes the association table. A
    cached page can only outlive a change that touches none of them (renaming a tag), and the
    caches' timeout (one minute) bounds even that."""
    # Scalar subqueries, not one SELECT of several aggregates: each is then answered from an index
    # alone (a count over the smallest index, the others at one end of theirs), where the combined
    # form read the whole table - 5 ms on SQLite and 26 ms on PostgreSQL at 50,000.
    count, highest, updated, tagged = db.session.execute(
        select(
            select(func.count()).select_from(Organization).scalar_subquery(),
            select(func.max(Organization.id)).scalar_subquery(),
            select(func.max(Organization.updated_at)).scalar_subquery(),
            # Tagging alone writes only the association table, not the organization row.
            select(func.count()).select_from(organization_tag).scalar_subquery(),
        )
    ).one()
    return f"{count}-{highest}-{updated.isoformat() if updated else ''}-{tagged}"


#: Seconds a page of the organization list (its ids and the number of matches) is kept.
LIST_CACHE_SECONDS = 60


class OrganizationListPage(Pagination):
    """A page of the organization list, for the screen and the API.

    Which organizations a page holds, and how many match, are kept per filters and data version
    (:func:`organizations_version`): on SQLite a common search word ("srl", 18,000 matches at
    50,000 organizations) took 20 ms to sort and count, and people page back and forth through the
    same results. The organizations themselves are read afresh every time.
    """

    def __init__(self, filters: OrganizationFilters, *, page: int, per_page: int, max_per_page: int) -> None:
        digest = hashlib.sha256(repr((organizations_version(), filters)).encode()).hexdigest()
        super().__init__(
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=False,
            filters=filters,
            key=digest,
        )

    def _query_items(self) -> list[Any]:
        filters: OrganizationFilters = self._query_args["filters"]
        key = f"organization-list:{self._query_args['key']}:{self.page}:{self.per_page}"
        ids = cache.get(key)
        if ids is None:
            stmt = (
                select(Organization.id)
                .where(*filter_conditions(filters))
                .order_by(*_ordering(filters.sort, filters.direction))
                .limit(self.per_page)
                .offset(self._query_offset)
            )
            ids = list(db.session.scalars(stmt))
            cache.set(key, ids, timeout=LIST_CACHE_SECONDS)
        if not ids:
            return []
        loaded = db.session.scalars(
            select(Organization)
            .where(Organization.id.in_(ids))
            .options(selectinload(Organization.owner), selectinload(Organization.tags))
        )
        by_id = {org.id: org for org in loaded}
        # An organization deleted since the page was cached is simply left out.
        return [by_id[i] for i in ids if i in by_id]

    def _query_count(self) -> int:
        filters: OrganizationFilters = self._query_args["filters"]
        key = f"organization-count:{self._query_args['key']}"
        total = cache.get(key)
        if total is None:
            total = db.session.scalar(
                select(func.count()).select_from(Organization).where(*filter_conditions(filters))
            )
            cache.set(key, total, timeout=LIST_CACHE_SECONDS)
        return int(total or 0)


def _ordering(sort: str, direction: str) -> list[Any]:
    descending = direction == "desc"
    if sort == "comune":
        ranks = {c.istat_code: i for i, c in enumerate(comuni())}
        key: Any = case(ranks, value=Organization.comune_code, else_=len(ranks))
    elif sort == "employees":
        key = Organization.employees
    elif sort == "status":
        key = case(
            {s.value: i for i, s in enumerate(OrganizationStatus)}, value=Organization.status
        )
    elif sort == "last_interaction":
        key = Organization.last_interaction_at
    elif sort == "updated":
        key = Organization.updated_at
    else:
        key = func.lower(Organization.legal_name)
    primary = key.desc() if descending else key.asc()
    # Empty values at the end whichever the direction: "no interaction yet" is not the most recent.
    if sort in ("employees", "last_interaction", "comune"):
        primary = primary.nulls_last()
    name = func.lower(Organization.legal_name)
    if sort == "name":
        # Exactly the order of the ix_organization_name_order index: deep pages stay fast.
        return [primary, Organization.id.desc() if descending else Organization.id]
    return [primary, name, Organization.id]


# --- Helpers --------------------------------------------------------------------------------------


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Known attributes only, blanks as None, enumerations as members."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in EDITABLE_FIELDS:
            continue
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None and key in _ENUM_FIELDS:
            value = _ENUM_FIELDS[key](value)
        values[key] = value
    return values


def _apply(org: Organization, values: dict[str, Any]) -> None:
    """Set the attributes, deriving the ATECO section and the coordinates."""
    old_point = (org.latitude, org.longitude)
    for key, value in values.items():
        setattr(org, key, value)
    if "ateco_code" in values and org.ateco_code:
        org.ateco_section = section_of(org.ateco_code) or org.ateco_section
    if {"latitude", "longitude", "comune_code", "geo_precision"} & values.keys():
        _place(org, old_point)


def _place(org: Organization, old_point: tuple[float | None, float | None]) -> None:
    """Keep coordinates consistent with the comune.

    Without coordinates, the comune's centre stands in (precision ``comune``) so that the map and the
    visit planning have something. A point that was a comune's centre follows a change of comune;
    coordinates typed by hand are ``manual`` unless a better precision was given.
    """
    comune = comune_by_code(org.comune_code)
    if org.latitude is None or org.longitude is None:
        if comune is not None:
            org.latitude, org.longitude = comune.latitude, comune.longitude
            org.geo_precision = GeoPrecision.COMUNE
        else:
            org.latitude = org.longitude = None
            org.geo_precision = None
        return
    typed = (org.latitude, org.longitude) != old_point
    if org.geo_precision is GeoPrecision.COMUNE and not typed and comune is not None:
        org.latitude, org.longitude = comune.latitude, comune.longitude
    elif (org.geo_precision in (None, GeoPrecision.COMUNE) and typed) or org.geo_precision is None:
        org.geo_precision = GeoPrecision.MANUAL


def used_comune_centre(org: Organization, data: Mapping[str, Any]) -> bool:
    """True when the saved coordinates are the comune's centre because none were given."""
    return (
        data.get("latitude") is None
        and org.geo_precision is GeoPrecision.COMUNE
        and org.comune_code is not None
    )


def _check_vat_number(vat_number: str | None, *, exclude_id: int | None) -> None:
    if not vat_number:
        return
    stmt = select(Organization).where(Organization.vat_number == vat_number)
    if exclude_id is not None:
        stmt = stmt.where(Organization.id != exclude_id)
    with db.session.no_autoflush:
        existing = db.session.scalars(stmt.limit(1)).first()
    if existing is not None:
        raise DuplicateVatNumberError(existing)


def _commit(org: Organization, by: User) -> None:
    """Commit, turning a Partita IVA unique-index race into :class:`DuplicateVatNumberError`."""
    vat_number = org.vat_number
    try:
        with acting_as(by.id):
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if vat_number:
            existing = db.session.scalars(
                select(Organization).where(Organization.vat_number == vat_number)
            ).first()
            if existing is not None:
                raise DuplicateVatNumberError(existing) from None
        raise
