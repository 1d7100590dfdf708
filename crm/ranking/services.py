"""The outreach ranking: columns from a few SQL queries, scored with numpy, cached per data state.

Computing the factor values for the whole population is the expensive part (about a second at
50,000 organizations on SQLite); applying weights to them is not (milliseconds). So the factor table
is cached per process, keyed by everything it depends on: the settings' parameters, the point the
distances are measured from, the day, and a *stamp* of the data (row counts and last-change times of
the tables the factors read). Any change to an organization, an interaction, an opening, a pipeline
entry, a placement, a boost or a candidate changes the stamp, and the next request recomputes.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    event,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from crm.auth.models import Role, User
from crm.candidates.models import Candidate, CandidateStatus
from crm.db_types import utcnow
from crm.extensions import db
from crm.followups.services import local_today
from crm.interactions.models import Interaction, InteractionKind, InteractionOutcome, InteractionStatus
from crm.offices.models import Office
from crm.openings.models import Opening, OpeningStatus, PipelineEntry, Placement
from crm.organizations.models import Organization, OrganizationKind, OrganizationStatus
from crm.organizations.services import OrganizationFilters, filter_conditions
from crm.ranking import scoring
from crm.ranking.models import RankingBoost, RankingSettings
from crm.reference.ateco import section_title
from crm.reference.places import comune_name

MAX_BOOST = 50
MAX_BOOST_DAYS = 366
#: Factor tables kept per process (one per parameters × reference point × day × data state).
CACHE_SIZE = 4


class RankingError(Exception):
    """Base of this module's errors; the message is meant for the user."""


class RankingSettingsError(RankingError):
    pass


class BoostError(RankingError):
    pass


# --- Settings (versioned) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveSettings:
    """The weights and parameters in force; ``version`` 0 is the built-in defaults."""

    version: int
    weights: dict[str, int]
    params: dict[str, Any]
    row: RankingSettings | None = None


def current_settings() -> EffectiveSettings:
    row = db.session.scalars(select(RankingSettings).order_by(RankingSettings.id.desc()).limit(1)).first()
    if row is None:
        return EffectiveSettings(0, dict(scoring.DEFAULT_WEIGHTS), dict(scoring.DEFAULT_PARAMS))
    return EffectiveSettings(row.id, _clean_weights(row.weights), _clean_params(row.params), row)


def settings_version(version: int) -> EffectiveSettings | None:
    if version == 0:
        return EffectiveSettings(0, dict(scoring.DEFAULT_WEIGHTS), dict(scoring.DEFAULT_PARAMS))
    row = db.session.get(RankingSettings, version)
    if row is None:
        return None
    return EffectiveSettings(row.id, _clean_weights(row.weights), _clean_params(row.params), row)


def settings_history(limit: int = 50) -> list[RankingSettings]:
    return list(db.session.scalars(select(RankingSettings).order_by(RankingSettings.id.desc()).limit(limit)))


def _clean_weights(raw: Mapping[str, Any] | None) -> dict[str, int]:
    raw = raw or {}
    return {f: int(raw.get(f, scoring.DEFAULT_WEIGHTS[f]) or 0) for f in scoring.FACTORS}


def _clean_params(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    params = dict(scoring.DEFAULT_PARAMS)
    params.update({k: v for k, v in (raw or {}).items() if k in scoring.DEFAULT_PARAMS})
    params["sectors"] = sorted({str(s).upper() for s in params.get("sectors") or []})
    return params


def save_settings(
    weights: Mapping[str, Any], params: Mapping[str, Any], *, by: User | None, note: str | None = None
) -> RankingSettings:
    """Store a new settings version (rows are never updated).

    :raises RankingSettingsError: a weight outside 0-100, or all weights zero.
    """
    clean = {}
    for factor in scoring.FACTORS:
        try:
            value = int(weights.get(factor, 0) or 0)
        except (TypeError, ValueError):
            raise RankingSettingsError(_("Every weight must be a whole number from 0 to 100.")) from None
        if not 0 <= value <= 100:
            raise RankingSettingsError(_("Every weight must be a whole number from 0 to 100."))
        clean[factor] = value
    if not any(clean.values()):
        raise RankingSettingsError(_("At least one weight must be above zero."))
    row = RankingSettings(
        weights=clean,
        params=_clean_params(params),
        note=(note or "").strip()[:200] or None,
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


def reset_settings(*, by: User | None) -> RankingSettings:
    return save_settings(
        scoring.DEFAULT_WEIGHTS, scoring.DEFAULT_PARAMS, by=by, note=_("Reset to the defaults")
    )


# --- Boosts ------------------------------------------------------------------------------------------


def boost_for(organization_id: int) -> RankingBoost | None:
    return db.session.scalars(
        select(RankingBoost).where(RankingBoost.organization_id == organization_id)
    ).first()


def set_boost(
    organization: Organization, *, points: int, reason: str, expires_on: date, by: User | None
) -> RankingBoost:
    """Give ``organization`` a boost (replacing any earlier one).

    :raises BoostError: points zero or beyond ±50, no reason, an expiry in the past or over a year away.
    """
    today = local_today()
    reason = (reason or "").strip()
    if not points or abs(points) > MAX_BOOST:
        raise BoostError(_("The boost must be between -%(max)d and %(max)d points, not 0.", max=MAX_BOOST))
    if not reason:
        raise BoostError(_("Say why: the reason is shown with the score."))
    if expires_on < today:
        raise BoostError(_("The expiry date is in the past."))
    if expires_on > today + timedelta(days=MAX_BOOST_DAYS):
        raise BoostError(_("A boost lasts at most a year."))
    boost = boost_for(organization.id)
    if boost is None:
        boost = RankingBoost(organization_id=organization.id)
        db.session.add(boost)
    boost.points = int(points)
    boost.reason = reason[:300]
    boost.expires_on = expires_on
    boost.created_by_id = by.id if by is not None else None
    db.session.commit()
    return boost


def remove_boost(organization: Organization) -> bool:
    boost = boost_for(organization.id)
    if boost is None:
        return False
    db.session.delete(boost)
    db.session.commit()
    return True


# --- Where distances are measured from -----------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    key: str  # "office:3", "operator:7" or "" (nothing located)
    label: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def reference_choices() -> list[tuple[str, str]]:
    """Offices with a location, then operators (their area: where their organizations are)."""
    choices = [
        (f"office:{o.id}", o.name)
        for o in db.session.scalars(
            select(Office)
            .where(Office.latitude.is_not(None), Office.longitude.is_not(None))
            .order_by(Office.name)
        )
    ]
    operators = db.session.scalars(
        select(User).where(User.active.is_(True), User.role == Role.OPERATOR).order_by(User.full_name)
    )
    choices += [(f"operator:{u.id}", _("Area of %(name)s", name=u.full_name)) for u in operators]
    return choices


def resolve_reference(key: str | None, user: User | None = None) -> Reference:
    """The point named by ``key``; by default the user's office, else the first located office."""
    kind, _sep, raw = (key or "").partition(":")
    if kind == "office" and raw.isdigit():
        office = db.session.get(Office, int(raw))
        if office is not None and office.latitude is not None and office.longitude is not None:
            return Reference(f"office:{office.id}", office.name, office.latitude, office.longitude)
    if kind == "operator" and raw.isdigit():
        operator = db.session.get(User, int(raw))
        if operator is not None:
            lat, lon = db.session.execute(
                select(func.avg(Organization.latitude), func.avg(Organization.longitude)).where(
                    Organization.owner_id == operator.id,
                    Organization.latitude.is_not(None),
                    Organization.longitude.is_not(None),
                )
            ).one()
            if lat is not None and lon is not None:
                return Reference(
                    f"operator:{operator.id}",
                    _("the area of %(name)s", name=operator.full_name),
                    float(lat),
                    float(lon),
                )
            if operator.office is not None and operator.office.latitude is not None:
                office = operator.office
                return Reference(f"office:{office.id}", office.name, office.latitude, office.longitude)
    offices = list(
        db.session.scalars(
            select(Office)
            .where(Office.latitude.is_not(None), Office.longitude.is_not(None))
            .order_by(Office.id)
        )
    )
    preferred = next(
        (o for o in offices if user is not None and o.id == getattr(user, "office_id", None)), None
    )
    office = preferred or (offices[0] if offices else None)
    if office is None:
        return Reference("", "")
    return Reference(f"office:{office.id}", office.name, office.latitude, office.longitude)


# --- Columns from the database ------------------------------------------------------------------------


def day_number(column: Any) -> ColumnElement[float]:
    """Days since 1970-01-01 (fractional) of a timestamp or date column, in SQL."""
    if db.engine.dialect.name == "sqlite":
        return func.julianday(column) - 2440587.5
    # extract() gives a numeric (Decimal) on PostgreSQL: a float is all the ranking needs.
    return cast(func.extract("epoch", column), Float) / 86400.0


def _now_day() -> float:
    return utcnow().timestamp() / 86400.0


@dataclass
class Population:
    """Per-organization columns, rows in ascending id order."""

    ids: np.ndarray
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.ids.shape[0])


_ORG_COLUMNS = (
    "kind",
    "employees",
    "subject",
    "declared",
    "section",
    "latitude",
    "longitude",
    "comune",
    "owner_id",
    "last_contact_day",
)


def _org_statement(where: Sequence[Any], *, contactable_only: bool = True) -> Select[Any]:
    # type_coerce: plain strings and numbers, without the enum and boolean result processors
    # (they cost more than the query at 50,000 rows).
    return (
        select(
            Organization.id,
            type_coerce(Organization.kind, String),
            Organization.employees,
            type_coerce(Organization.law68_subject, Integer),
            Organization.law68_protected_employed,
            Organization.ateco_section,
            Organization.latitude,
            Organization.longitude,
            Organization.comune_code,
            Organization.owner_id,
            type_coerce(day_number(Organization.last_interaction_at), Float),
        )
        .where(*where)
        .where(*([Organization.status != OrganizationStatus.DO_NOT_CONTACT] if contactable_only else []))
        .order_by(Organization.id)
    )


def _rows(stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """Plain tuples through Core (no ORM row processing)."""
    return [tuple(r) for r in db.session.connection().execute(stmt).all()]


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[np.ndarray]:
    if not rows:
        return [np.empty(0, dtype=object) for _ in range(width)]
    table = np.array(rows, dtype=object).reshape(len(rows), width)
    return [table[:, k] for k in range(width)]


def _float_column(values: np.ndarray) -> np.ndarray:
    return np.array(values.tolist(), dtype=np.float64)  # None becomes NaN


def _text_column(values: np.ndarray) -> np.ndarray:
    out = values.copy()
    out[np.equal(out, None)] = ""
    return out


def load_population(ids: Sequence[int] | None = None) -> Population:
    """The organizations that may be contacted (all, or those of ``ids``) and their aggregates."""
    where: list[Any] = [] if ids is None else [Organization.id.in_(list(ids))]
    cols = _columns(_rows(_org_statement(where)), 11)
    columns: dict[str, np.ndarray] = {
        "kind": _text_column(cols[1]),
        "employees": _float_column(cols[2]),
        "subject": _float_column(cols[3]),
        "declared": _float_column(cols[4]),
        "section": _text_column(cols[5]),
        "latitude": _float_column(cols[6]),
        "longitude": _float_column(cols[7]),
        "comune": _text_column(cols[8]),
        "owner_id": _float_column(cols[9]),
        "last_contact_day": _float_column(cols[10]),
    }
    population = Population(np.array(cols[0].tolist(), dtype=np.int64), columns)
    _add_aggregates(population, None if ids is None else list(ids))
    return population


def _scatter(
    population: Population, rows: Sequence[Sequence[Any]], names: Sequence[str], fill: float
) -> None:
    """Put per-organization aggregate rows (id first) into columns aligned with the population."""
    n = len(population)
    for name in names:
        population.columns[name] = np.full(n, fill, dtype=np.float64)
    if not rows or n == 0:
        return
    cols = _columns(rows, len(names) + 1)
    ids = np.array(cols[0].tolist(), dtype=np.int64)
    pos = np.searchsorted(population.ids, ids)
    pos = np.clip(pos, 0, n - 1)
    found = population.ids[pos] == ids
    for name, values in zip(names, cols[1:], strict=True):
        arr = _float_column(values)
        population.columns[name][pos[found]] = arr[found]


def _add_aggregates(population: Population, ids: list[int] | None) -> None:
    def limit(stmt: Select[Any], column: Any) -> Select[Any]:
        return stmt if ids is None else stmt.where(column.in_(ids))

    done = Interaction.status == InteractionStatus.DONE
    occurred = day_number(Interaction.occurred_at)
    # Only the rows that matter for these aggregates: outcomes and planned visits (not all notes).
    interactions = limit(
        select(
            Interaction.organization_id,
            func.max(case((and_(done, Interaction.outcome == InteractionOutcome.POSITIVE), occurred))),
            func.max(case((and_(done, Interaction.outcome == InteractionOutcome.NEGATIVE), occurred))),
            func.max(
                case(
                    (
                        and_(
                            Interaction.status == InteractionStatus.PLANNED,
                            Interaction.kind == InteractionKind.VISIT,
                            Interaction.occurred_at >= utcnow() - timedelta(hours=12),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(
            (Interaction.outcome.in_([InteractionOutcome.POSITIVE, InteractionOutcome.NEGATIVE]))
            | (Interaction.status == InteractionStatus.PLANNED)
        )
        .group_by(Interaction.organization_id),
        Interaction.organization_id,
    )
    _scatter(
        population,
        _rows(interactions),
        ("positive_day", "negative_day", "visit_planned"),
        np.nan,
    )
    population.columns["visit_planned"] = np.nan_to_num(population.columns["visit_planned"], nan=0.0)
    openings = limit(
        select(
            Opening.organization_id,
            func.sum(case((Opening.status == OpeningStatus.OPEN, 1), else_=0)),
            func.max(day_number(Opening.created_at)),
        ).group_by(Opening.organization_id),
        Opening.organization_id,
    )
    _scatter(population, _rows(openings), ("open_openings", "opening_day"), np.nan)
    population.columns["open_openings"] = np.nan_to_num(population.columns["open_openings"], nan=0.0)
    placements = limit(
        select(Opening.organization_id, func.max(day_number(Placement.start_date)))
        .join(PipelineEntry, PipelineEntry.id == Placement.entry_id)
        .join(Opening, Opening.id == PipelineEntry.opening_id)
        .group_by(Opening.organization_id),
        Opening.organization_id,
    )
    _scatter(population, _rows(placements), ("placement_day",), np.nan)
    today = local_today()
    boosts = limit(
        select(RankingBoost.organization_id, RankingBoost.points).where(RankingBoost.expires_on >= today),
        RankingBoost.organization_id,
    )
    _scatter(population, _rows(boosts), ("boost",), 0.0)


_interest_cache: dict[tuple[Any, ...], Counter[str]] = {}


def candidate_interest() -> Counter[str]:
    """How many active candidates name each ATECO section among their interests (counts only: no
    candidate is identified); the number of active candidates is under the key ``""``.

    Cached until a candidate is added, changed or removed."""
    stamp = (
        str(db.engine.url),
        # Separate subqueries so that each reads an index (see organizations_version).
        *db.session.execute(
            select(
                select(func.count()).select_from(Candidate).scalar_subquery(),
                select(func.max(Candidate.updated_at)).scalar_subquery(),
            )
        ).one(),
    )
    cached = _interest_cache.get(stamp)
    if cached is not None:
        return Counter(cached)
    counts = _count_interest()
    _interest_cache.clear()
    _interest_cache[stamp] = counts
    return Counter(counts)


def _count_interest() -> Counter[str]:
    counts: Counter[str] = Counter()
    stmt = select(type_coerce(Candidate.sectors, String)).where(Candidate.status == CandidateStatus.ACTIVE)
    total = 0
    for (raw,) in _rows(stmt):
        total += 1
        sectors = json.loads(raw) if isinstance(raw, str) else raw
        counts.update({str(s).upper() for s in sectors or [] if s})
    counts[""] = total
    return counts


def uncovered_by_comune(comunes: Iterable[str] | None = None) -> dict[str, int]:
    """Uncovered Law 68 positions of the companies of each comune (for type-B cooperatives)."""
    stmt = select(
        Organization.comune_code,
        Organization.employees,
        Organization.law68_subject,
        Organization.law68_protected_employed,
    ).where(
        Organization.kind == OrganizationKind.COMPANY,
        Organization.employees >= 15,
        Organization.comune_code.is_not(None),
    )
    if comunes is not None:
        wanted = sorted(set(comunes) - {""})
        if not wanted:
            return {}
        stmt = stmt.where(Organization.comune_code.in_(wanted))
    rows = db.session.execute(stmt).all()
    if not rows:
        return {}
    comune, employees, subject, declared = zip(*rows, strict=True)
    _req, uncovered, _known = scoring.uncovered_quota(
        np.array(employees, dtype=np.float64),
        np.array(declared, dtype=np.float64),
        np.array([None if s is None else int(s) for s in subject], dtype=np.float64),
    )
    return _sum_by(np.array(comune, dtype=object), uncovered)


def _lookup(keys: np.ndarray, mapping: Mapping[str, float], default: float = 0.0) -> np.ndarray:
    """``mapping[key]`` for every row, looked up once per distinct key."""
    if keys.size == 0:
        return np.zeros(0)
    unique, inverse = np.unique(keys.astype(str), return_inverse=True)
    values = np.array([float(mapping.get(str(k), default)) for k in unique], dtype=np.float64)
    return values[inverse.reshape(-1)]


def _sum_by(keys: np.ndarray, values: np.ndarray) -> dict[str, int]:
    if keys.size == 0:
        return {}
    unique, inverse = np.unique(keys.astype(str), return_inverse=True)
    sums = np.bincount(inverse, weights=values.astype(np.float64), minlength=unique.size)
    return {str(k): int(v) for k, v in zip(unique, sums, strict=True) if v}


# --- Factor table ---------------------------------------------------------------------------------


@dataclass
class FactorTable:
    """Factor values (n × factors) and the facts behind them, for a population."""

    ids: np.ndarray
    values: np.ndarray
    columns: dict[str, np.ndarray]
    params: dict[str, Any]
    reference: Reference
    seconds: float = 0.0
    # Points, scores and order per set of weights (JSON), filled by apply_weights.
    weighted: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    # Sentences already written (Ranking.reasons), by weights, language, row and boost.
    explained: dict[tuple[Any, ...], tuple[scoring.Reason, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def factor_table(
    population: Population,
    *,
    params: Mapping[str, Any],
    reference: Reference,
    interest: Mapping[str, int],
    pool: Mapping[str, int] | None = None,
    now_day: float | np.ndarray | None = None,
) -> FactorTable:
    """Compute every factor for ``population`` (vectorised; no database access).

    :param pool: uncovered quota per comune; by default summed over ``population`` itself.
    :param now_day: the day (days since 1970) the facts are measured from; one per row for the
        history of past contacts.
    """
    c = population.columns
    now_day = _now_day() if now_day is None else now_day
    required, uncovered, known = scoring.uncovered_quota(c["employees"], c["declared"], c["subject"])
    company = c["kind"] == OrganizationKind.COMPANY.value
    if pool is None:
        pool = _sum_by(
            c["comune"][company & (c["employees"] >= 15)], uncovered[company & (c["employees"] >= 15)]
        )
    coop_b = c["kind"] == OrganizationKind.COOP_B.value
    pool_uncovered = _lookup(c["comune"], pool) * coop_b
    law68 = np.maximum(
        np.where(known, scoring.law68_factor(uncovered), 0.0), scoring.art14_factor(pool_uncovered) * coop_b
    )

    sectors = set(params.get("sectors") or [])
    supported = _lookup(c["section"], dict.fromkeys(sectors, 1.0)) > 0
    interested = _lookup(c["section"], {k: v for k, v in interest.items() if k})
    pool_size = max(int(interest.get("", 0)), 1)
    sector = np.where(c["section"] != "", scoring.sector_factor(supported, interested / pool_size), 0.0)

    days_since_opening = now_day - c["opening_day"]
    openings = scoring.openings_factor(
        c["open_openings"], days_since_opening, int(params["recent_opening_days"])
    )

    days_contact = now_day - c["last_contact_day"]
    days_positive = now_day - c["positive_day"]
    days_negative = now_day - c["negative_day"]
    days_placement = now_day - c["placement_day"]
    relationship, state = scoring.relationship_factor(
        days_contact,
        days_positive,
        days_negative,
        days_placement,
        c["visit_planned"] > 0,
        cooldown_days=int(params["cooldown_days"]),
        warm_days=int(params["warm_days"]),
    )
    size = scoring.size_factor(c["employees"])
    if reference.located:
        km = scoring.haversine_km(
            c["latitude"], c["longitude"], reference.latitude or 0.0, reference.longitude or 0.0
        )
    else:
        km = np.full(len(population), np.nan)
    distance = scoring.distance_factor(km, float(params["max_distance_km"]))
    values = (
        np.column_stack([law68, sector, openings, relationship, size, distance])
        if len(population)
        else np.zeros((0, len(scoring.FACTORS)))
    )
    columns = dict(c)
    columns.update(
        required=required.astype(np.float64),
        uncovered=uncovered.astype(np.float64),
        pool_uncovered=pool_uncovered,
        supported=supported,
        interested=interested,
        days_since_opening=days_since_opening,
        days_since_contact=days_contact,
        days_since_positive=days_positive,
        days_since_negative=days_negative,
        days_since_placement=days_placement,
        state=state,
        km=km,
    )
    return FactorTable(population.ids, values, columns, dict(params), reference)


# --- Ranking -------------------------------------------------------------------------------------------


@dataclass
class Ranking:
    """A factor table with weights applied: scores, points and the order, best first."""

    table: FactorTable
    settings: EffectiveSettings
    score: np.ndarray
    points: np.ndarray
    order: np.ndarray
    cached: bool = False
    seconds: float = 0.0
    _position: np.ndarray | None = field(default=None, repr=False)

    @property
    def ids(self) -> np.ndarray:
        return self.table.ids

    def __len__(self) -> int:
        return len(self.table)

    def index_of(self, organization_id: int) -> int | None:
        i = int(np.searchsorted(self.ids, organization_id))
        if i < len(self) and int(self.ids[i]) == organization_id:
            return i
        return None

    def rank_of(self, organization_id: int) -> int | None:
        """1-based place in the whole ranking."""
        i = self.index_of(organization_id)
        if i is None:
            return None
        if self._position is None:
            self._position = np.empty(len(self), dtype=np.int64)
            self._position[self.order] = np.arange(len(self))
        return int(self._position[i]) + 1

    def ordered(self, ids: np.ndarray | None = None) -> np.ndarray:
        """Row indices best first, limited to the organizations of ``ids`` when given."""
        if ids is None:
            return self.order
        mask = np.isin(self.ids, ids)
        return self.order[mask[self.order]]

    def row(self, i: int) -> dict[str, Any]:
        """The facts of row ``i`` as plain Python values, for :func:`scoring.explain`."""
        c = self.table.columns
        out: dict[str, Any] = {}
        for name, arr in c.items():
            value = arr[i]
            out[name] = value.item() if hasattr(value, "item") else value
        section = out.get("section") or ""
        out["section_title"] = section_title(section, _locale()) if section else ""
        out["comune"] = comune_name(out.get("comune") or None) if out.get("comune") else ""
        out["place"] = self.table.reference.label
        out["cooldown_days"] = int(self.table.params["cooldown_days"])
        return out

    def factor_points(self, i: int) -> dict[str, float]:
        return {f: float(self.points[i, k]) for k, f in enumerate(scoring.FACTORS)}

    def reasons(self, i: int, boost: RankingBoost | None = None) -> list[scoring.Reason]:
        """The sentences of row ``i``'s score. Kept with the table, which is replaced when the
        data changes: the first pages of the list are written once, not on every view."""
        boost_key = None if boost is None else (boost.id, boost.reason, boost.expires_on)
        key = (json.dumps(self.settings.weights, sort_keys=True), _locale(), int(i), boost_key)
        cached = self.table.explained.get(key)
        if cached is None:
            row = self.row(i)
            if boost is not None and row.get("boost"):
                from flask_babel import format_date

                row["boost_reason"] = boost.reason
                row["boost_until"] = format_date(boost.expires_on, "short")
            cached = tuple(scoring.explain(row, self.factor_points(i)))
            if len(self.table.explained) >= EXPLAINED_ROWS:
                self.table.explained.clear()
            self.table.explained[key] = cached
        return list(cached)


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "it")


#: Explained rows kept per factor table (a few pages in two languages and several weightings).
EXPLAINED_ROWS = 2000

_cache: OrderedDict[tuple[Any, ...], FactorTable] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
    _interest_cache.clear()
    _stamp_state["changed"] = True


def data_stamp() -> tuple[Any, ...]:
    """Counts and last-change times of every table the factors read: changes when the data does."""
    parts: list[Any] = []
    for model, changed in (
        (Organization, Organization.updated_at),
        (Interaction, Interaction.updated_at),
        (Opening, Opening.updated_at),
        (PipelineEntry, PipelineEntry.updated_at),
        (Placement, Placement.id),
        (RankingBoost, RankingBoost.updated_at),
        (Candidate, Candidate.updated_at),
    ):
        parts.append(select(func.count(literal_column("1"))).select_from(model).scalar_subquery())
        parts.append(select(func.max(changed)).scalar_subquery())
    row = db.session.execute(select(*parts)).one()
    return tuple(str(v) for v in row)


#: How long a data stamp is trusted without asking the database again, unless this process committed
#: a change to the data the ranking reads (then the next ranking asks at once). Changes committed by
#: other processes (other web workers, commands) are seen at most this late.
STAMP_SECONDS = 5.0
_WATCHED = (Organization, Interaction, Opening, PipelineEntry, Placement, RankingBoost, Candidate)
_stamp_state: dict[str, Any] = {"changed": True, "at": 0.0, "url": None, "stamp": None}


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    if any(isinstance(o, _WATCHED) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info["ranking_data_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: Any) -> None:
    if not state.is_select:  # bulk UPDATE/DELETE/INSERT, or raw SQL: assume the data changed
        state.session.info["ranking_data_changed"] = True


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    if session.info.pop("ranking_data_changed", False):
        _stamp_state["changed"] = True


@event.listens_for(Session, "after_rollback")
def _forget_flush(session: Session) -> None:
    session.info.pop("ranking_data_changed", None)


def current_stamp() -> tuple[Any, ...]:
    """:func:`data_stamp`, asked again when this process changed the data or after a few seconds."""
    url = str(db.engine.url)
    now = time.monotonic()
    state = _stamp_state
    if state["changed"] or state["url"] != url or now - state["at"] > STAMP_SECONDS:
        state["changed"] = False  # before the query: a commit meanwhile sets it again
        state["stamp"] = data_stamp()
        state["at"], state["url"] = now, url
    return tuple(state["stamp"])


def build_ranking(
    settings: EffectiveSettings | None = None,
    reference: Reference | None = None,
    *,
    use_cache: bool = True,
) -> Ranking:
    """Score every organization that may be contacted (do-not-contact ones are never ranked)."""
    started = time.perf_counter()
    settings = settings or current_settings()
    reference = reference or resolve_reference(None)
    key = _cache_key(settings, reference)
    table = None
    if use_cache:
        with _cache_lock:
            table = _cache.get(key)
            if table is not None:
                _cache.move_to_end(key)
    cached = table is not None
    if table is None:
        population = load_population()
        # The pool of type-B cooperatives counts every company's uncovered quota, also those we do
        # not contact (they are not in the population): the same figure score_organizations gives.
        table = factor_table(
            population,
            params=settings.params,
            reference=reference,
            interest=candidate_interest(),
            pool=uncovered_by_comune(),
        )
        table.seconds = time.perf_counter() - started
        if use_cache:
            with _cache_lock:
                _cache[key] = table
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
    ranking = apply_weights(table, settings)
    ranking.cached = cached
    ranking.seconds = time.perf_counter() - started
    return ranking


def _cache_key(
    settings: EffectiveSettings, reference: Reference, stamp: tuple[Any, ...] | None = None
) -> tuple[Any, ...]:
    return (
        str(db.engine.url),
        json.dumps(settings.params, sort_keys=True),
        reference.key,
        reference.latitude,
        reference.longitude,
        local_today().isoformat(),
        stamp if stamp is not None else current_stamp(),
    )


def _known_stamp() -> tuple[Any, ...] | None:
    """:func:`current_stamp` if it can be answered without asking the database, else None."""
    state = _stamp_state
    if state["changed"] or state["url"] != str(db.engine.url):
        return None
    if time.monotonic() - state["at"] > STAMP_SECONDS or state["stamp"] is None:
        return None
    return tuple(state["stamp"])


def cached_ranking(settings: EffectiveSettings, reference: Reference) -> Ranking | None:
    """The whole ranking if this process already holds it for the current data.

    Never builds it, and never asks the database whether the data changed (its counts read whole
    indexes): without a recent answer to that it returns None."""
    stamp = _known_stamp()
    if stamp is None:
        return None
    with _cache_lock:
        table = _cache.get(_cache_key(settings, reference, stamp))
    if table is None:
        return None
    ranking = apply_weights(table, settings)
    ranking.cached = True
    return ranking


def apply_weights(table: FactorTable, settings: EffectiveSettings) -> Ranking:
    """Points, scores and order for ``settings``' weights (kept with the table: weights are few)."""
    key = json.dumps(settings.weights, sort_keys=True)
    cached = table.weighted.get(key)
    if cached is None:
        pts = scoring.points(table.values, settings.weights)
        score = np.clip(pts.sum(axis=1) + table.columns.get("boost", np.zeros(len(table))), 0.0, 100.0)
        cached = (pts, score, scoring.ranking_order(score, table.ids))
        table.weighted[key] = cached
    pts, score, order = cached
    return Ranking(table, settings, score, pts, order)


def score_organizations(
    ids: Sequence[int], settings: EffectiveSettings | None = None, reference: Reference | None = None
) -> Ranking:
    """The same scores for a few organizations without ranking the whole population."""
    settings = settings or current_settings()
    reference = reference or resolve_reference(None)
    population = load_population(ids)
    coop_b = population.columns["kind"] == OrganizationKind.COOP_B.value
    pool = uncovered_by_comune(population.columns["comune"][coop_b]) if coop_b.any() else {}
    table = factor_table(
        population, params=settings.params, reference=reference, interest=candidate_interest(), pool=pool
    )
    return apply_weights(table, settings)


def filtered_ids(filters: OrganizationFilters) -> np.ndarray | None:
    """The ids the organization list shows with ``filters`` (None: no filter, everything)."""
    conditions = filter_conditions(filters)
    if not conditions:
        return None
    rows = _rows(select(Organization.id).where(*conditions))
    return np.array([r[0] for r in rows], dtype=np.int64)


@dataclass(frozen=True)
class RankedRow:
    rank: int
    organization: Organization
    score: float
    reasons: list[scoring.Reason]
    top: list[scoring.Reason]
    movement: int | None = None  # places gained (+) or lost (-) since the previous settings version


def ranked_rows(
    ranking: Ranking, indices: Sequence[int], *, ranks: Sequence[int], previous: Ranking | None = None
) -> list[RankedRow]:
    """Load the organizations of some rows (one query) and explain their scores."""
    ids = [int(ranking.ids[i]) for i in indices]
    if not ids:
        return []
    orgs = {o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(ids)))}
    boosts = {
        b.organization_id: b
        for b in db.session.scalars(select(RankingBoost).where(RankingBoost.organization_id.in_(ids)))
    }
    rows = []
    for i, rank in zip(indices, ranks, strict=True):
        org_id = int(ranking.ids[i])
        org = orgs.get(org_id)
        if org is None:
            continue
        reasons = ranking.reasons(int(i), boosts.get(org_id))
        movement = None
        if previous is not None:
            before = previous.rank_of(org_id)
            now = ranking.rank_of(org_id)
            if before is not None and now is not None:
                movement = before - now
        rows.append(
            RankedRow(rank, org, float(ranking.score[i]), reasons, scoring.top_reasons(reasons), movement)
        )
    return rows


def previous_ranking(ranking: Ranking) -> Ranking | None:
    """The same factor table under the version before the current one, when its parameters match
    (then only the weights changed and the list's movement can be shown without recomputing)."""
    version = ranking.settings.version
    if version == 0:
        return None
    row = db.session.scalars(
        select(RankingSettings)
        .where(RankingSettings.id < version)
        .order_by(RankingSettings.id.desc())
        .limit(1)
    ).first()
    before = (
        EffectiveSettings(0, dict(scoring.DEFAULT_WEIGHTS), dict(scoring.DEFAULT_PARAMS))
        if row is None
        else EffectiveSettings(row.id, _clean_weights(row.weights), _clean_params(row.params), row)
    )
    if before.params != ranking.table.params:
        return None
    return apply_weights(ranking.table, before)


# --- Visit planning -------------------------------------------------------------------------------------


def stop_priority(score: float) -> int:
    """A visit stop's priority (1-100, what the planner keeps when not everything fits) from a score."""
    return int(np.clip(round(float(score)), 1, 100))


def stop_priorities(ids: Sequence[int]) -> dict[int, int]:
    """The stop priority of each of ``ids`` from its current score (do-not-contact ones are absent)."""
    if not ids:
        return {}
    ranking = score_organizations(list(ids))
    return {int(org_id): stop_priority(s) for org_id, s in zip(ranking.ids, ranking.score, strict=True)}


def ranked_for_visits(limit: int, *, exclude: Iterable[int] = ()) -> list[tuple[int, int]]:
    """The ``limit`` best-ranked organizations that have a location, skipping ``exclude``:
    ``(organization id, stop priority)`` pairs, best first."""
    if limit <= 0:
        return []
    ranking = build_ranking()
    order = ranking.order
    located = ~np.isnan(ranking.table.columns["latitude"]) & ~np.isnan(ranking.table.columns["longitude"])
    keep = located[order]
    excluded = np.fromiter(exclude, dtype=np.int64)
    if excluded.size:
        keep &= ~np.isin(ranking.ids[order], excluded)
    chosen = order[keep][:limit]
    return [(int(ranking.ids[i]), stop_priority(ranking.score[i])) for i in chosen]
