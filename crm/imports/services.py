"""Importing organizations from partner files.

Every row ends as **imported**, **updated** (or **unchanged**), **flagged as a possible duplicate**, or
**rejected** with its line and reason. The import validates every row first and then writes in bulk,
so bad rows never cost good ones; a row the database still refuses (a Partita IVA someone saved a
moment ago) is retried alone in a SAVEPOINT and rejected alone.

Matching an organization that is already known:

* same Partita IVA → the same organization;
* otherwise the same *name key* (folded name without legal forms, see
  :func:`crm.imports.parsing.name_key`) in the same comune → the same organization, unless both have
  a Partita IVA and they differ;
* otherwise a name at least :data:`DUPLICATE_THRESHOLD` similar (rapidfuzz ``token_sort_ratio``) in
  the same comune → a possible duplicate, not imported: a person decides.

Updates fill empty fields and overwrite with the file's non-empty values (never blanking anything),
through the ORM: the version moves and the change history records them. New organizations are
inserted in bulk with one ``create`` entry each in the change history, written in the same bulk.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from crm.audit.models import ChangeAction, ChangeLog
from crm.audit.services import acting_as
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db_types import utcnow
from crm.extensions import db
from crm.geocoding.services import IMPROVABLE, gazetteer_placement
from crm.imports.models import ImportRow, ImportRun, RowOutcome, summary_line
from crm.imports.parsing import (
    FIELDS,
    IGNORED_HEADERS,
    Issue,
    ParsedRow,
    SourceRow,
    Table,
    auto_mapping,
    file_format,
    fold_header,
    name_key,
    parse_rows,
    read_table,
    unmapped_headers,
)
from crm.organizations.models import Organization, OrganizationStatus, Tag, organization_tag
from crm.organizations.search import build_search_text
from crm.organizations.services import refresh_search_text
from crm.planner_statistics import grew_enough, refresh_planner_statistics
from crm.reference.places import fold
from crm.security.spreadsheets import neutralise_row

#: Names at least this similar (0-100, token order ignored) in one comune are possible duplicates.
DUPLICATE_THRESHOLD = 90.0
#: Rows written per statement (and per SAVEPOINT).
BATCH_SIZE = 1000
#: The counts an import run keeps.
#: Tables an import writes in bulk, whose planner statistics it refreshes afterwards.
IMPORTED_TABLES = ("organization", "contact", "organization_tag", "tag")

COUNTS = ("total_rows", "imported", "updated", "unchanged", "duplicates", "rejected", "warnings")

#: Organization columns an import can set, as the change history and the comparisons see them.
ORGANIZATION_FIELDS: tuple[str, ...] = (
    "legal_name",
    "trade_name",
    "kind",
    "vat_number",
    "tax_code",
    "ateco_code",
    "ateco_section",
    "employees",
    "address",
    "cap",
    "comune_code",
    "phone",
    "phone2",
    "email",
    "pec",
    "website",
    "status",
    "notes",
)


class ImportServiceError(Exception):
    """Base of this module's errors."""


class MissingNameColumnError(ImportServiceError):
    """No column is read as the organization's name."""


class InvalidMappingError(ImportServiceError):
    """The mapping does not fit the file (wrong length, unknown field, a field chosen twice)."""


class UploadTooLargeError(ImportServiceError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"file larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


# --- Results --------------------------------------------------------------------------------------


@dataclass(slots=True)
class RowResult:
    """A row that was not simply imported: rejected, a possible duplicate, or kept with warnings."""

    line: int
    outcome: RowOutcome
    name: str | None
    reasons: list[Issue]
    cells: list[str] | None = None
    organization_id: int | None = None
    target: _Target | None = None

    def resolve(self) -> int | None:
        if self.organization_id is None and self.target is not None:
            self.organization_id = self.target.org_id
        return self.organization_id


@dataclass
class ImportResult:
    """What an import did (or, on a dry run, would do)."""

    file_name: str
    file_format: str
    dry_run: bool
    columns: list[str]
    mapping: list[str | None]
    unmapped: list[str]
    total_rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    warnings: int = 0
    rows: list[RowResult] = field(default_factory=list)
    run_id: int | None = None
    seconds: float = 0.0
    #: line → the organization the line created or updated (filled after writing)
    organization_ids: dict[int, int] = field(default_factory=dict)

    def summary(self) -> str:
        """``unchanged 240; imported 0, updated 0, duplicates 0, rejected 14``."""
        return summary_line(
            unchanged=self.unchanged,
            imported=self.imported,
            updated=self.updated,
            duplicates=self.duplicates,
            rejected=self.rejected,
        )

    def rows_with(self, outcome: RowOutcome) -> list[RowResult]:
        return [r for r in self.rows if r.outcome is outcome]


# --- Matching -------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Target:
    """An organization rows can match: one in the database (``org_id``) or one this file creates."""

    org_id: int | None
    name: str
    key: str
    has_vat: bool
    #: The line of this file that created or matched it: a second row matching it is refused.
    line: int | None = None
    row: ParsedRow | None = None


@dataclass(slots=True)
class _FuzzyBlock:
    """The duplicate search's candidates in one comune.

    Comparing each row with every name of a comune is quadratic (Florence alone has tens of
    thousands), so candidates are found through their words: a name at least 90% similar to another
    shares one of its two rarest words with it, or at least the first three letters of one (the typo
    is further on). A name with typos at the start of both its rarest words can be missed; that
    is the price of importing 50,000 rows in seconds rather than minutes.
    """

    keys: list[str] = field(default_factory=list)
    targets: list[_Target] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)

    def add(self, target: _Target) -> None:
        index = len(self.keys)
        key = _sorted_words(target.key)
        self.keys.append(key)
        self.targets.append(target)
        for word in set(key.split()):
            self.postings.setdefault(word, []).append(index)
            self.postings.setdefault("\0" + word[:3], []).append(index)

    def best(self, key: str, *, with_vat_too: bool) -> tuple[_Target, float] | None:
        query = _sorted_words(key)
        words = sorted(set(query.split()), key=lambda w: (len(self.postings.get(w, ())), w))
        found: set[int] = set()
        for word in words[:2]:
            found.update(self.postings.get(word, ()))
            found.update(self.postings.get("\0" + word[:3], ()))
        # With a Partita IVA of its own, the row cannot be an organization that has another one.
        ids = sorted(i for i in found if with_vat_too or not self.targets[i].has_vat)
        if not ids:
            return None
        match = process.extractOne(
            query, [self.keys[i] for i in ids], scorer=fuzz.ratio, score_cutoff=DUPLICATE_THRESHOLD
        )
        if match is None:
            return None
        return self.targets[ids[match[2]]], float(match[1])


def _sorted_words(key: str) -> str:
    # fuzz.ratio of word-sorted strings is token_sort_ratio; sorting once per candidate is cheaper.
    return " ".join(sorted(key.split()))


@dataclass(slots=True)
class _Update:
    target: _Target
    row: ParsedRow
    changes: dict[str, Any]
    new_tags: list[str]
    contact: tuple[str, str, str | None] | None


class _Matcher:
    """The organizations already known, indexed once, plus those the file creates as it goes."""

    def __init__(self) -> None:
        self.by_vat: dict[str, _Target] = {}
        self.by_id: dict[int, _Target] = {}
        self.by_key: dict[tuple[str, str], _Target] = {}
        self.blocks: dict[str, _FuzzyBlock] = defaultdict(_FuzzyBlock)
        self.current: dict[int, dict[str, Any]] = {}
        self.tags: dict[int, set[str]] = defaultdict(set)
        self.contacts: dict[int, set[str]] = defaultdict(set)

    def load(self) -> None:
        columns = [getattr(Organization, name) for name in ORGANIZATION_FIELDS]
        for row in db.session.execute(
            select(Organization.id, *columns).order_by(Organization.id)
        ):
            values = dict(zip(ORGANIZATION_FIELDS, row[1:], strict=True))
            self.current[row.id] = values
            key = name_key(values["legal_name"] or "")
            target = _Target(row.id, values["legal_name"], key, bool(values["vat_number"]))
            self.by_id[row.id] = target
            self.register(target, values["vat_number"], values["comune_code"])
        for org_id, tag_name in db.session.execute(
            select(organization_tag.c.organization_id, Tag.name).join(
                Tag, Tag.id == organization_tag.c.tag_id
            )
        ):
            self.tags[org_id].add(tag_name.casefold())
        for org_id, first, last in db.session.execute(
            select(Contact.organization_id, Contact.first_name, Contact.last_name)
        ):
            self.contacts[org_id].add(fold(f"{first} {last}"))
            self.contacts[org_id].add(fold(f"{last} {first}"))

    def register(self, target: _Target, vat: str | None, comune: str | None) -> None:
        if vat:
            self.by_vat.setdefault(vat, target)
        if comune:
            self.by_key.setdefault((target.key, comune), target)
            self.blocks[comune].add(target)

    def find(self, row: ParsedRow) -> _Target | None:
        """The organization the row is, by Partita IVA or by name and comune."""
        vat = row.values.get("vat_number")
        comune = row.values.get("comune_code")
        if vat and vat in self.by_vat:
            return self.by_vat[vat]
        if comune:
            target = self.by_key.get((row.key, comune))
            # Same name and comune, different Partite IVA: two organizations (a chain's branches).
            if target is not None and not (vat and target.has_vat):
                return target
        return None

    def similar(self, row: ParsedRow) -> tuple[_Target, float] | None:
        comune = row.values.get("comune_code")
        if not comune or comune not in self.blocks:
            return None
        return self.blocks[comune].best(row.key, with_vat_too=not row.values.get("vat_number"))

    def plan_update(self, target: _Target, row: ParsedRow) -> _Update:
        assert target.org_id is not None
        current = self.current[target.org_id]
        changes: dict[str, Any] = {}
        for name, value in row.values.items():
            if current.get(name) == value:
                continue
            if name == "legal_name" and name_key(value) == target.key:
                continue  # "ROSSI SRL" for "Rossi S.r.l.": the same name, spelt worse
            changes[name] = value
        known_tags = self.tags.get(target.org_id, set())
        new_tags = [t for t in row.tags if t.casefold() not in known_tags]
        contact = row.contact
        if contact is not None and fold(f"{contact[0]} {contact[1]}") in self.contacts.get(
            target.org_id, set()
        ):
            contact = None
        return _Update(target, row, changes, new_tags, contact)


# --- The import -----------------------------------------------------------------------------------


def validate_mapping(headers: Sequence[str], mapping: Sequence[str | None]) -> list[str | None]:
    """Check a mapping chosen by a person (or the automatic one).

    :raises InvalidMappingError: wrong length, unknown field, or a field chosen for two columns.
    :raises MissingNameColumnError: when no column is the organization's name.
    """
    mapping = [m or None for m in mapping]
    if len(mapping) != len(headers):
        raise InvalidMappingError("one field per column expected")
    chosen = [m for m in mapping if m is not None]
    unknown = [m for m in chosen if m not in FIELDS]
    if unknown:
        raise InvalidMappingError(f"unknown fields: {', '.join(unknown)}")
    twice = sorted({m for m in chosen if chosen.count(m) > 1})
    if twice:
        raise InvalidMappingError(f"chosen for more than one column: {', '.join(twice)}")
    if "legal_name" not in chosen:
        raise MissingNameColumnError("no column holds the organization's name")
    return mapping


def import_table(
    table: Table,
    *,
    file_name: str,
    mapping: Sequence[str | None] | None = None,
    user: User | None = None,
    dry_run: bool = False,
    source: str = "cli",
    region: str = "IT",
    decisions: Mapping[int, int | None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import the rows of ``table``; on a dry run, work everything out and write nothing.

    Everything is written in one transaction at the end: an interruption leaves nothing behind.

    :param mapping: the field of each column (None: ignore it); the automatic one if not given.
    :param decisions: what a person decided for rows flagged as possible duplicates: line → the
        id of the organization the row is (update it), or None (it is a new organization).
    :param user: who imports: the author in the change history and of the run (None from a script).
    :param progress: called as ``progress(rows_read, rows_in_table)`` while rows are checked.
    :raises MissingNameColumnError: when no column is the organization's name.
    :raises InvalidMappingError: when ``mapping`` does not fit the file.
    """
    started = time.perf_counter()
    mapping = validate_mapping(table.headers, auto_mapping(table.headers) if mapping is None else mapping)
    result = ImportResult(
        file_name=file_name,
        file_format=table.format,
        dry_run=dry_run,
        columns=list(table.headers),
        mapping=list(mapping),
        unmapped=unmapped_headers(table.headers, mapping),
    )
    matcher = _Matcher()
    matcher.load()
    new_targets: list[_Target] = []
    updates: list[_Update] = []

    total = len(table.rows)
    for row in parse_rows(table, mapping, region=region):
        result.total_rows += 1
        _classify(row, matcher, result, new_targets, updates, decisions or {})
        if progress is not None and result.total_rows % 200 == 0:
            progress(result.total_rows, total)

    if not dry_run:
        user_id = user.id if user is not None else None
        with acting_as(user_id):
            run = ImportRun(
                user_id=user_id,
                source=source,
                file_name=file_name[:255],
                file_format=table.format,
                sheet_name=table.sheet,
                encoding=table.encoding,
                delimiter=table.delimiter,
                columns=list(table.headers),
                mapping=list(mapping),
            )
            db.session.add(run)
            db.session.flush()
            tag_ids = _ensure_tags(
                [t for n in new_targets if n.row for t in n.row.tags]
                + [t for u in updates for t in u.new_tags]
            )
            _insert_new(new_targets, result, tag_ids, user_id)
            _apply_updates(updates, result, tag_ids)
            _count(result, new_targets, updates)
            result.organization_ids = {
                **{t.line: t.org_id for t in new_targets if t.line is not None and t.org_id},
                **{u.row.line: u.target.org_id for u in updates if u.target.org_id},
            }
            _record_rows(run, result)
            for name in COUNTS:
                setattr(run, name, getattr(result, name))
            result.seconds = time.perf_counter() - started
            run.duration_ms = int(result.seconds * 1000)
            db.session.commit()
            result.run_id = run.id
        # The matcher holds every organization known before the file.
        if grew_enough(len(matcher.current), result.imported + result.updated):
            refresh_planner_statistics(db.engine, IMPORTED_TABLES)
    else:
        _count(result, new_targets, updates)
        result.seconds = time.perf_counter() - started
    return result


def import_file(
    path: str | Path,
    *,
    sheet: str | None = None,
    **kwargs: Any,
) -> ImportResult:
    """Read ``path`` (CSV or XLSX) and import it: see :func:`import_table`.

    :raises crm.imports.parsing.ImportFileError: when the file cannot be read.
    """
    table = read_table(path, sheet=sheet)
    kwargs.setdefault("file_name", Path(path).name)
    return import_table(table, **kwargs)


def _classify(
    row: ParsedRow,
    matcher: _Matcher,
    result: ImportResult,
    new_targets: list[_Target],
    updates: list[_Update],
    decisions: Mapping[int, int | None],
) -> None:
    """Decide what becomes of one row; nothing is written yet."""
    if row.errors:
        _reject(result, row, row.errors)
        return
    target = matcher.find(row)
    decided = row.line in decisions
    if target is None and decided and decisions[row.line] is not None:
        target = matcher.by_id.get(decisions[row.line])  # type: ignore[arg-type]
        if target is None:
            _reject(result, row, [Issue("organization_gone")])
            return
    if target is not None:
        if target.line is not None:
            _reject(result, row, [Issue("same_as_line", {"line": target.line})])
            return
        target.line = row.line
        if target.org_id is None:  # pragma: no cover - targets this file creates always have a line
            return
        plan = matcher.plan_update(target, row)
        updates.append(plan)
        if row.warnings:
            result.rows.append(
                RowResult(row.line, RowOutcome.WARNING, row.name, row.warnings, target=target)
            )
        return
    similar = None if decided else matcher.similar(row)
    if similar is not None:
        other, score = similar
        issue = Issue("possible_duplicate", {"name": other.name, "score": round(score)})
        result.duplicates += 1
        result.rows.append(
            RowResult(
                row.line,
                RowOutcome.DUPLICATE,
                row.name,
                [issue, *row.warnings],
                cells=row.cells,
                target=other,
            )
        )
        return
    comune = row.values.get("comune_code")
    if not comune:
        _reject(result, row, [row.comune_issue or Issue("missing_comune")])
        return
    target = _Target(None, row.name, row.key, bool(row.values.get("vat_number")), row.line, row)
    matcher.register(target, row.values.get("vat_number"), comune)
    new_targets.append(target)
    if row.warnings:
        result.rows.append(RowResult(row.line, RowOutcome.WARNING, row.name, row.warnings, target=target))


def resolve_duplicate(row: ImportRow, *, same_as: int | None, by: User) -> ImportResult:
    """Settle a row flagged as a possible duplicate, as a person decided.

    The row is imported again from its stored cells with the run's mapping: as a new organization
    (``same_as=None``) or as an update of organization ``same_as``. The flagged row then records
    the decision and the organization it led to.

    :raises ImportServiceError: when the row is not an open possible duplicate.
    """
    if row.outcome is not RowOutcome.DUPLICATE or row.cells is None:
        raise ImportServiceError("only an open possible duplicate can be resolved")
    run = row.run
    table = Table(
        format=run.file_format,
        headers=list(run.columns),
        rows=[SourceRow(row.line, list(row.cells))],
        encoding=run.encoding,
        delimiter=run.delimiter,
        sheet=run.sheet_name,
    )
    result = import_table(
        table,
        file_name=run.file_name,
        mapping=run.mapping,
        user=by,
        source="web",
        decisions={row.line: same_as},
    )
    organization_id = result.organization_ids.get(row.line)
    if organization_id is not None:
        row.outcome = RowOutcome.RESOLVED
        row.organization_id = organization_id
        run.duplicates = max(0, run.duplicates - 1)
        db.session.commit()
    return result


def _reject(result: ImportResult, row: ParsedRow, reasons: list[Issue]) -> None:
    result.rejected += 1
    result.rows.append(RowResult(row.line, RowOutcome.REJECTED, row.name or None, reasons, row.cells))


def _count(result: ImportResult, new_targets: list[_Target], updates: list[_Update]) -> None:
    """The final counts; rows the database refused at the last moment count as rejected only."""
    refused = {r.line for r in result.rows if r.outcome is RowOutcome.REJECTED}
    result.rows = [
        r for r in result.rows if not (r.outcome is RowOutcome.WARNING and r.line in refused)
    ]
    result.rows.sort(key=lambda r: r.line)
    result.rejected = len(refused)
    result.imported = sum(1 for t in new_targets if t.line not in refused)
    changed = [u for u in updates if u.changes or u.new_tags or u.contact]
    result.updated = sum(1 for u in changed if u.row.line not in refused)
    result.unchanged = len(updates) - len(changed)
    result.warnings = sum(1 for r in result.rows if r.outcome is RowOutcome.WARNING)


# --- Writing --------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _ensure_tags(names: Iterable[str]) -> dict[str, int]:
    """Tag id by folded name; missing tags are created (existing ones reused, ignoring case)."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(name.casefold(), name)
    if not wanted:
        return {}
    ids: dict[str, int] = {}
    for tag_id, tag_name in db.session.execute(select(Tag.id, Tag.name)):
        ids.setdefault(tag_name.casefold(), tag_id)
    missing = [{"name": name} for key, name in wanted.items() if key not in ids]
    if missing:
        db.session.execute(insert(Tag.__table__), missing)
        for tag_id, tag_name in db.session.execute(
            select(Tag.id, Tag.name).where(Tag.name.in_([m["name"] for m in missing]))
        ):
            ids.setdefault(tag_name.casefold(), tag_id)
    return ids


def _organization_row(target: _Target, user_id: int | None, now: Any) -> dict[str, Any]:
    row = target.row
    assert row is not None
    values = dict(row.values)
    values.setdefault("kind", row.derived_kind)
    values.setdefault("status", OrganizationStatus.PROSPECT)
    record: dict[str, Any] = {name: values.get(name) for name in ORGANIZATION_FIELDS}
    placement = gazetteer_placement(record["cap"], record["comune_code"])
    contact = []
    if row.contact:
        first, last, role = row.contact
        contact = [SimpleNamespace(first_name=first, last_name=last, role=role, email=None)]
    record.update(
        latitude=placement.latitude if placement else None,
        longitude=placement.longitude if placement else None,
        geo_precision=placement.precision if placement else None,
        owner_id=None,
        created_by_id=user_id,
        # The same text refresh_search_text computes, contact included (it is inserted below).
        search_text=build_search_text(
            legal_name=record["legal_name"],
            trade_name=record["trade_name"],
            vat_number=record["vat_number"],
            tax_code=record["tax_code"],
            notes=record["notes"],
            address=record["address"],
            email=record["email"],
            contacts=contact,
        ),
        version=1,
        created_at=now,
        updated_at=now,
    )
    return record


_AUDITED = (*ORGANIZATION_FIELDS, "latitude", "longitude", "geo_precision", "owner_id", "created_by_id")


def _insert_new(
    targets: list[_Target], result: ImportResult, tag_ids: Mapping[str, int], user_id: int | None
) -> None:
    """Insert the new organizations in batches, with their contact, tags and history entry."""
    table = Organization.__table__
    now = utcnow()
    for start in range(0, len(targets), BATCH_SIZE):
        chunk = targets[start : start + BATCH_SIZE]
        records = [_organization_row(t, user_id, now) for t in chunk]
        try:
            with db.session.begin_nested():
                ids: list[int | None] = list(_insert_returning_ids(table, records))
        except IntegrityError:
            ids = _insert_one_by_one(table, chunk, records, result)
        inserted: list[tuple[_Target, dict[str, Any]]] = []
        for target, record, org_id in zip(chunk, records, ids, strict=True):
            if org_id is not None:
                target.org_id = org_id
                inserted.append((target, record))
        _insert_related(inserted, tag_ids, user_id, now)


def _insert_returning_ids(table: Any, records: list[dict[str, Any]]) -> list[int]:
    """Insert ``records`` in one multi-row statement and return their ids, in order.

    ``INSERT … RETURNING`` in parameter order makes SQLite send one statement per row; taking the ids
    first and inserting them explicitly keeps it one statement per batch. On SQLite the transaction
    already holds the write lock (the import run was flushed), so ``max(id) + n`` cannot be taken by
    anyone else; on PostgreSQL the ids come from the table's own sequence.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(records)))
    elif dialect == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        ids = list(
            db.session.scalars(
                select(func.nextval(sequence)).select_from(func.generate_series(1, len(records)))
            )
        )
    else:  # pragma: no cover - the app runs on SQLite and PostgreSQL
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(db.session.execute(statement, records).scalars())
    for record, new_id in zip(records, ids, strict=True):
        record["id"] = new_id
    db.session.execute(insert(table), records)
    return ids


def _insert_one_by_one(
    table: Any, chunk: list[_Target], records: list[dict[str, Any]], result: ImportResult
) -> list[int | None]:
    """A batch the database refused: each row alone, rejecting only the ones it still refuses."""
    statement = insert(table).returning(table.c.id)
    ids: list[int | None] = []
    for target, record in zip(chunk, records, strict=True):
        record.pop("id", None)
        try:
            with db.session.begin_nested():
                ids.append(db.session.execute(statement, [record]).scalar_one())
        except IntegrityError as exc:
            ids.append(None)
            row = target.row
            assert row is not None
            detail = str(exc.orig).splitlines()[0][:200] if exc.orig else "integrity"
            issue = Issue("database_error", {"detail": detail})
            result.rows.append(RowResult(row.line, RowOutcome.REJECTED, row.name, [issue], row.cells))
    return ids


def _insert_related(
    inserted: list[tuple[_Target, dict[str, Any]]],
    tag_ids: Mapping[str, int],
    user_id: int | None,
    now: Any,
) -> None:
    contacts: list[dict[str, Any]] = []
    links: list[dict[str, int]] = []
    history: list[dict[str, Any]] = []
    for target, record in inserted:
        row = target.row
        assert row is not None and target.org_id is not None
        changes = {k: [None, _plain(record[k])] for k in _AUDITED if record.get(k) is not None}
        tags = sorted({tag_ids[t.casefold()]: t for t in row.tags}.items())
        if tags:
            changes["tags"] = [[], sorted(name for _id, name in tags)]
            links += [{"organization_id": target.org_id, "tag_id": tag_id} for tag_id, _name in tags]
        history.append(_history(target.org_id, "organization", changes, user_id, now))
        if row.contact:
            first, last, role = row.contact
            contacts.append(
                {
                    "organization_id": target.org_id,
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "is_primary": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if links:
        db.session.execute(insert(organization_tag), links)
    if contacts:
        contact_ids = _insert_returning_ids(Contact.__table__, contacts)
        for contact_id, contact in zip(contact_ids, contacts, strict=True):
            changes = {
                k: [None, contact[k]]
                for k in ("organization_id", "first_name", "last_name", "role", "is_primary")
                if contact[k] is not None
            }
            history.append(_history(contact_id, "contact", changes, user_id, now))
    if history:
        db.session.execute(insert(ChangeLog.__table__), history)


def _history(
    entity_id: int, entity_type: str, changes: dict[str, Any], user_id: int | None, now: Any
) -> dict[str, Any]:
    return {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": ChangeAction.CREATE.value,
        "changes": changes,
        "user_id": user_id,
        "created_at": now,
    }


def _apply_updates(updates: list[_Update], result: ImportResult, tag_ids: Mapping[str, int]) -> None:
    """Change the organizations through the ORM, so the version moves and the history records it."""
    changed = [u for u in updates if u.changes or u.new_tags or u.contact]
    for start in range(0, len(changed), BATCH_SIZE):
        chunk = changed[start : start + BATCH_SIZE]
        try:
            with db.session.begin_nested():
                orgs = _load([u.target.org_id for u in chunk])
                for plan in chunk:
                    _apply_update(orgs[plan.target.org_id], plan, tag_ids)  # type: ignore[index]
                db.session.flush()
        except (IntegrityError, StaleDataError):
            for plan in chunk:
                try:
                    with db.session.begin_nested():
                        org = _load([plan.target.org_id])[plan.target.org_id]  # type: ignore[index]
                        _apply_update(org, plan, tag_ids)
                        db.session.flush()
                except (IntegrityError, StaleDataError) as exc:
                    detail = type(exc).__name__
                    if isinstance(exc, IntegrityError) and exc.orig is not None:
                        detail = str(exc.orig).splitlines()[0][:200]
                    result.rows.append(
                        RowResult(
                            plan.row.line,
                            RowOutcome.REJECTED,
                            plan.row.name,
                            [Issue("database_error", {"detail": detail})],
                            plan.row.cells,
                        )
                    )



def _load(ids: list[int | None]) -> dict[int, Organization]:
    orgs = db.session.scalars(
        select(Organization)
        .where(Organization.id.in_([i for i in ids if i is not None]))
        .options(selectinload(Organization.contacts), selectinload(Organization.tags))
        .execution_options(populate_existing=True)
    )
    return {org.id: org for org in orgs}


def _apply_update(org: Organization, plan: _Update, tag_ids: Mapping[str, int]) -> None:
    with db.session.no_autoflush:
        for name, value in plan.changes.items():
            setattr(org, name, value)
        place = {"comune_code", "cap"} & plan.changes.keys()
        if not org.has_coordinates or (place and org.geo_precision in (*IMPROVABLE, None)):
            placement = gazetteer_placement(org.cap, org.comune_code)
            if placement is not None:
                org.latitude, org.longitude = placement.latitude, placement.longitude
                org.geo_precision = placement.precision
        for name in plan.new_tags:
            tag = db.session.get(Tag, tag_ids[name.casefold()])
            if tag is not None and tag not in org.tags:
                org.tags.append(tag)
        if plan.new_tags and not plan.changes:
            org.updated_at = utcnow()  # tags live in another table: move the version with them
        if plan.contact is not None:
            first, last, role = plan.contact
            org.contacts.append(
                Contact(
                    first_name=first,
                    last_name=last,
                    role=role,
                    is_primary=not any(c.is_primary for c in org.contacts),
                )
            )
        refresh_search_text(org)


def _record_rows(run: ImportRun, result: ImportResult) -> None:
    """The run's rejects, duplicates and warnings, inserted in bulk."""
    records = [
        {
            "run_id": run.id,
            "line": r.line,
            "outcome": r.outcome.value,
            "name": (r.name or None) and r.name[:200],  # type: ignore[index]
            "reasons": [issue.as_json() for issue in r.reasons],
            "cells": r.cells,
            "organization_id": r.resolve(),
        }
        for r in result.rows
    ]
    for start in range(0, len(records), BATCH_SIZE):
        db.session.execute(insert(ImportRow.__table__), records[start : start + BATCH_SIZE])


# --- Reading runs back ----------------------------------------------------------------------------


def recent_runs(limit: int = 50) -> list[ImportRun]:
    return list(
        db.session.scalars(
            select(ImportRun)
            .options(selectinload(ImportRun.user))
            .order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
            .limit(limit)
        )
    )


def run_rows(run: ImportRun, outcome: RowOutcome) -> list[ImportRow]:
    return list(
        db.session.scalars(
            select(ImportRow)
            .where(ImportRow.run_id == run.id, ImportRow.outcome == outcome)
            .options(selectinload(ImportRow.organization))
            .order_by(ImportRow.line)
        )
    )


def count_runs() -> int:
    return db.session.scalar(select(func.count()).select_from(ImportRun)) or 0


def rejects_csv(
    columns: Sequence[str],
    rows: Iterable[Any],
    *,
    describe: Callable[[list[Any]], str],
    delimiter: str = ";",
) -> bytes:
    """The rejected rows as a CSV to fix and import again: the original columns, ``line``, ``reason``.

    UTF-8 with a BOM, so that Excel opens it with the accents right. Columns named ``line`` or
    ``reason`` (from an earlier rejects file) are replaced, not repeated.

    :param rows: objects with ``line``, ``cells`` and ``reasons`` (as JSON ``[code, params]``).
    :param describe: the reasons as one sentence.
    """
    keep = [i for i, h in enumerate(columns) if fold_header(h) not in IGNORED_HEADERS]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([columns[i] for i in keep] + ["line", "reason"])
    for row in rows:
        cells = list(row.cells or [])
        cells += [""] * (len(columns) - len(cells))
        # The rejected cells come from someone else's file: keep a formula in them inert.
        writer.writerow([*neutralise_row([cells[i] for i in keep]), row.line, describe(row.reasons)])
    return buffer.getvalue().encode("utf-8-sig")


# --- Uploads between preview and import -----------------------------------------------------------

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class PendingUpload:
    """A file uploaded for a preview, waiting in ``instance/imports`` for the user to confirm."""

    token: str
    file_name: str
    file_format: str
    user_id: int | None
    path: Path


def safe_display_name(name: str | None) -> str:
    """The uploaded file's name for display only: no folders, no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if c.isprintable()).strip()
    return base[:255] or "upload"


def save_upload(
    stream: IO[bytes],
    file_name: str | None,
    *,
    folder: Path,
    max_bytes: int,
    user_id: int | None,
) -> PendingUpload:
    """Store an uploaded file under a random name; the user's file name is kept only to display it.

    :raises crm.imports.parsing.ImportFileError: ``unknown_format`` unless it is a CSV or XLSX file.
    :raises UploadTooLargeError: beyond ``max_bytes``.
    """
    display = safe_display_name(file_name)
    kind = file_format(display)
    folder.mkdir(parents=True, exist_ok=True)
    clean_stale_uploads(folder)
    token = secrets.token_hex(16)
    path = folder / f"{token}.{kind}"
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(1 << 16):
            size += len(chunk)
            if size > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise UploadTooLargeError(max_bytes)
            out.write(chunk)
    meta = {"file_name": display, "format": kind, "user_id": user_id, "saved_at": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return PendingUpload(token, display, kind, user_id, path)


def pending_upload(token: str, *, folder: Path, user_id: int | None) -> PendingUpload | None:
    """The upload ``token`` names, if it exists and belongs to ``user_id``."""
    if not _TOKEN.match(token or ""):
        return None
    meta_path = folder / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id or meta.get("format") not in ("csv", "xlsx"):
        return None
    path = folder / f"{token}.{meta['format']}"
    if not path.is_file():
        return None
    return PendingUpload(token, str(meta.get("file_name") or "upload"), meta["format"], user_id, path)


def discard_upload(upload: PendingUpload) -> None:
    upload.path.unlink(missing_ok=True)
    upload.path.with_suffix(".json").unlink(missing_ok=True)


def clean_stale_uploads(folder: Path, *, max_age_seconds: float = 24 * 3600) -> None:
    """Delete uploads nobody confirmed or cancelled within a day."""
    limit = time.time() - max_age_seconds
    for path in folder.glob("*.*"):
        if _TOKEN.match(path.stem) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
