"""The outreach score, as plain arithmetic over numpy columns: no database, no Flask request.

Every factor is a number from 0 to 1 per organization; a factor's *points* are its value times its
weight, the weights scaled so that they add up to 100; the score is the sum of the points plus a
coordinator's manual boost, kept between 0 and 100. The same functions score one organization (arrays
of length one) and the whole population (50,000 rows in a few milliseconds), so the breakdown shown on
an organization is exactly what placed it in the list.

Law 68/1999 quota (the hiring obligation towards people with disabilities and other protected
categories), with the rounding rule of D.P.R. 333/2000 art. 3 c. 5 (fractions above 0.50 count as one):

* art. 3: 1 worker from 15 to 35 employees, 2 from 36 to 50, 7 % of the employees above 50;
* art. 18 c. 2 (orphans and spouses of people who died at work, refugees…): 1 from 51 to 150
  employees, 1 % of the employees above 150.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The factors, in the order of the columns of a values matrix.
FACTORS: tuple[str, ...] = ("law68", "sector", "openings", "relationship", "size", "distance")

FACTOR_LABELS: dict[str, Any] = {
    "law68": _l("Hiring obligation (Law 68)"),
    "sector": _l("Sector fit"),
    "openings": _l("Openings"),
    "relationship": _l("Relationship"),
    "size": _l("Size"),
    "distance": _l("Distance"),
}

DEFAULT_WEIGHTS: dict[str, int] = {
    "law68": 30,
    "sector": 15,
    "openings": 15,
    "relationship": 20,
    "size": 10,
    "distance": 10,
}

#: Sectors (ATECO 2025 sections) the hub places people in, until the coordinator says otherwise:
#: manufacturing, trade, transport and storage, accommodation and food, support services (cleaning,
#: facility), health and social work.
DEFAULT_SECTORS: tuple[str, ...] = ("C", "G", "H", "I", "N", "Q")

DEFAULT_PARAMS: dict[str, Any] = {
    "sectors": list(DEFAULT_SECTORS),
    "max_distance_km": 40,  # beyond this the distance factor is 0
    "cooldown_days": 180,  # a refusal keeps the relationship factor at 0 this long
    "warm_days": 365,  # a positive outcome or a placement keeps the organization warm this long
    "recent_opening_days": 180,  # an opening seen this recently counts even when closed
}

#: Relationship states (one per organization), in the order their sentences are chosen.
NEVER, RECENT, DORMANT, WARM_POSITIVE, WARM_PLACEMENT, COOLDOWN, PLANNED = range(7)

#: Days after which a contact is "dormant" and after which dormancy scores fully.
DORMANT_FROM_DAYS = 90
DORMANT_FULL_DAYS = 720
#: Employees at which the size factor reaches 1 (log scale below).
SIZE_FULL = 250


# --- Law 68/1999 -----------------------------------------------------------------------------------


def _percent_units(employees: IntArray, percent: int) -> IntArray:
    """``percent`` % of ``employees`` in whole workers: a fraction above 0.50 counts as one."""
    hundredths = employees * percent
    return hundredths // 100 + (hundredths % 100 > 50).astype(np.int64)


def law68_quota_arrays(employees: ArrayLike) -> tuple[IntArray, IntArray, NDArray[np.bool_]]:
    """The art. 3 and art. 18 c. 2 quotas for each head count; ``known`` is False where it is missing.

    :param employees: head counts, NaN (or None) where unknown.
    """
    raw = np.asarray(employees, dtype=np.float64)
    known = ~np.isnan(raw)
    e = np.where(known, raw, 0).astype(np.int64)
    art3 = np.select([e < 15, e <= 35, e <= 50], [0, 1, 2], default=_percent_units(e, 7))
    art18 = np.select([e <= 50, e <= 150], [0, 1], default=_percent_units(e, 1))
    art3 = np.where(known, art3, 0).astype(np.int64)
    art18 = np.where(known, art18, 0).astype(np.int64)
    return art3, art18, known


@dataclass(frozen=True)
class Quota:
    art3: int
    art18: int

    @property
    def total(self) -> int:
        return self.art3 + self.art18


def law68_quota(employees: int | None) -> Quota | None:
    """The protected workers an employer of ``employees`` must employ, or None if unknown."""
    art3, art18, known = law68_quota_arrays([np.nan if employees is None else employees])
    if not known[0]:
        return None
    return Quota(int(art3[0]), int(art18[0]))


def uncovered_quota(
    employees: ArrayLike, declared: ArrayLike, subject: ArrayLike | None = None
) -> tuple[IntArray, IntArray, NDArray[np.bool_]]:
    """Required workers, uncovered positions and whether the count is known, per organization.

    :param declared: protected workers declared as employed (NaN when not declared: counted as 0).
    :param subject: ``law68_subject`` (1, 0, NaN unknown): 0 means declared exempt, no obligation.
    """
    art3, art18, known = law68_quota_arrays(employees)
    required = art3 + art18
    if subject is not None:
        exempt = np.asarray(subject, dtype=np.float64) == 0
        required = np.where(exempt, 0, required)
    have = np.nan_to_num(np.asarray(declared, dtype=np.float64), nan=0.0).astype(np.int64)
    uncovered = np.maximum(required - have, 0)
    return required, uncovered, known


# --- Factor values (0..1) ----------------------------------------------------------------------------


def law68_factor(uncovered: ArrayLike) -> FloatArray:
    """Each uncovered position halves the distance to 1: 1 → 0.5, 2 → 0.75, 3 → 0.875."""
    u = np.asarray(uncovered, dtype=np.float64)
    return 1.0 - np.power(0.5, np.maximum(u, 0))


def art14_factor(uncovered_nearby: ArrayLike) -> FloatArray:
    """A type-B cooperative's relevance from the uncovered quota of the companies of its comune,
    which could be covered in part by work orders to it (art. 14 D.Lgs. 276/2003): up to 0.6, less
    than a company's own obligation of two positions (10 positions nearby give 0.3)."""
    n = np.asarray(uncovered_nearby, dtype=np.float64)
    return 0.6 * (1.0 - np.power(0.5, np.maximum(n, 0) / 10.0))


def sector_factor(supported: ArrayLike, interested_share: ArrayLike) -> FloatArray:
    """0.4 for a sector the hub supports, up to 0.6 more by the share of the active candidates
    interested in it (a tenth of the pool gives half of that, a fifth three quarters)."""
    s = np.asarray(supported, dtype=np.float64)
    share = np.clip(np.asarray(interested_share, dtype=np.float64), 0.0, 1.0)
    return 0.4 * s + 0.6 * (1.0 - np.power(0.5, share / 0.1))


def openings_factor(open_count: ArrayLike, days_since_opening: ArrayLike, recent_days: int) -> FloatArray:
    """0.7 for one open opening, towards 1 for more; 0.4 for an opening seen recently."""
    n = np.asarray(open_count, dtype=np.float64)
    days = np.asarray(days_since_opening, dtype=np.float64)
    recent = ~np.isnan(days) & (np.nan_to_num(days, nan=np.inf) <= recent_days)
    open_value = 0.7 + 0.3 * (1.0 - np.power(0.5, np.maximum(n - 1, 0)))
    return np.where(n > 0, open_value, np.where(recent, 0.4, 0.0))


def relationship_factor(
    days_since_contact: ArrayLike,
    days_since_positive: ArrayLike,
    days_since_negative: ArrayLike,
    days_since_placement: ArrayLike,
    visit_planned: ArrayLike,
    *,
    cooldown_days: int,
    warm_days: int,
) -> tuple[FloatArray, IntArray]:
    """The relationship value and state per organization (NaN days: never happened).

    Never contacted 0.7; dormant from 0 at three months to 0.8 at two years; a positive outcome or a
    placement within ``warm_days`` 0.6-1 (fading); a refusal within ``cooldown_days`` that no positive
    outcome followed, or a visit already planned, 0.
    """
    contact = np.asarray(days_since_contact, dtype=np.float64)
    positive = np.asarray(days_since_positive, dtype=np.float64)
    negative = np.asarray(days_since_negative, dtype=np.float64)
    placement = np.asarray(days_since_placement, dtype=np.float64)
    planned = np.asarray(visit_planned, dtype=bool)
    inf = np.inf
    pos = np.nan_to_num(positive, nan=inf)
    neg = np.nan_to_num(negative, nan=inf)
    plc = np.nan_to_num(placement, nan=inf)

    never = np.isnan(contact)
    dormancy = (
        np.clip(
            (np.nan_to_num(contact, nan=0.0) - DORMANT_FROM_DAYS) / (DORMANT_FULL_DAYS - DORMANT_FROM_DAYS),
            0.0,
            1.0,
        )
        * 0.8
    )
    warm_since = np.minimum(pos, plc)
    warm = warm_since <= warm_days
    warm_value = 1.0 - 0.4 * np.clip(warm_since / max(warm_days, 1), 0.0, 1.0)
    # A refusal cools the organization down unless a positive outcome came after it.
    cool = (neg <= cooldown_days) & (neg < warm_since)

    value = np.where(never, 0.7, dormancy)
    state = np.where(never, NEVER, np.where(contact >= DORMANT_FROM_DAYS, DORMANT, RECENT))
    value = np.where(warm & ~cool, np.maximum(value, warm_value), value)
    state = np.where(warm & ~cool, np.where(plc <= pos, WARM_PLACEMENT, WARM_POSITIVE), state)
    value = np.where(cool, 0.0, value)
    state = np.where(cool, COOLDOWN, state)
    value = np.where(planned, 0.0, value)
    state = np.where(planned, PLANNED, state)
    return value.astype(np.float64), state.astype(np.int64)


def size_factor(employees: ArrayLike) -> FloatArray:
    """Log scale: 10 employees 0.43, 50 0.71, 250 and more 1; unknown 0."""
    e = np.asarray(employees, dtype=np.float64)
    value = np.log1p(np.maximum(np.nan_to_num(e, nan=0.0), 0)) / np.log1p(SIZE_FULL)
    return np.clip(value, 0.0, 1.0)


def distance_factor(km: ArrayLike, max_km: float) -> FloatArray:
    """1 at the reference point, 0 at ``max_km`` or beyond, or where the distance is unknown."""
    d = np.asarray(km, dtype=np.float64)
    return np.clip(1.0 - np.nan_to_num(d, nan=np.inf) / max(max_km, 0.1), 0.0, 1.0)


def haversine_km(lat: ArrayLike, lon: ArrayLike, lat0: float, lon0: float) -> FloatArray:
    """Great-circle distances in km from one point (NaN where a coordinate is missing)."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    la0, lo0 = np.radians(lat0), np.radians(lon0)
    a = np.sin((la - la0) / 2) ** 2 + np.cos(la) * np.cos(la0) * np.sin((lo - lo0) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# --- Weights and points --------------------------------------------------------------------------


def normalised_weights(weights: Mapping[str, float]) -> FloatArray:
    """The weights in :data:`FACTORS` order, scaled to add up to 100 (all zero: all zero)."""
    w = np.array([max(float(weights.get(f, 0) or 0), 0.0) for f in FACTORS], dtype=np.float64)
    total = w.sum()
    return w * (100.0 / total) if total > 0 else w


def points(values: FloatArray, weights: Mapping[str, float]) -> FloatArray:
    """Points per organization and factor: values (n × factors) times the normalised weights."""
    return np.asarray(values, dtype=np.float64) * normalised_weights(weights)


def scores(values: FloatArray, weights: Mapping[str, float], boost: ArrayLike | None = None) -> FloatArray:
    """Sum of the points plus the boost, between 0 and 100."""
    total = points(values, weights).sum(axis=1)
    if boost is not None:
        total = total + np.asarray(boost, dtype=np.float64)
    return np.clip(total, 0.0, 100.0)


def ranking_order(score: FloatArray, ids: IntArray) -> IntArray:
    """Row indices best first; equal scores by id, so the order is stable between runs."""
    return np.lexsort((ids, -np.round(score, 6))).astype(np.int64)


# --- Explanations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One sentence of a breakdown: its factor (or "boost"), the points it brings and the words."""

    factor: str
    points: float
    text: str
    caution: bool = False  # something that holds the organization back (a refusal, a planned visit)


def _ago(days: float) -> str:
    if days < 1:
        return _("today")
    if days < 60:
        n = max(int(days), 0)
        return ngettext("%(num)d day ago", "%(num)d days ago", n)
    n = int(days // 30.4375)
    return ngettext("%(num)d month ago", "%(num)d months ago", n)


def _months(days: float) -> int:
    return int(days // 30.4375)


def _nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def explain(row: Mapping[str, Any], factor_points: Mapping[str, float]) -> list[Reason]:
    """The sentences that explain one organization's score, highest points first.

    :param row: the organization's raw facts as computed for the ranking (see
        :meth:`crm.ranking.services.Ranking.row`): ``employees``, ``required``, ``uncovered``,
        ``declared``, ``subject``, ``kind``, ``comune``, ``pool_uncovered``, ``section``,
        ``section_title``, ``supported``, ``interested``, ``open_openings``, ``days_since_opening``,
        ``state``, ``days_since_contact``, ``days_since_positive``, ``days_since_negative``,
        ``days_since_placement``, ``cooldown_days``, ``km``, ``place``, ``boost``, ``boost_reason``,
        ``boost_until``.
    :param factor_points: points per factor name.
    """
    reasons = [
        _law68_reason(row, factor_points.get("law68", 0.0)),
        _sector_reason(row, factor_points.get("sector", 0.0)),
        _openings_reason(row, factor_points.get("openings", 0.0)),
        _relationship_reason(row, factor_points.get("relationship", 0.0)),
        _size_reason(row, factor_points.get("size", 0.0)),
        _distance_reason(row, factor_points.get("distance", 0.0)),
    ]
    boost = row.get("boost") or 0
    if boost:
        reasons.append(
            Reason(
                "boost",
                float(boost),
                _(
                    "Manual boost %(points)s: %(reason)s (until %(date)s)",
                    points=f"{int(boost):+d}",
                    reason=row.get("boost_reason") or "",
                    date=row.get("boost_until") or "",
                ),
                caution=boost < 0,
            )
        )
    return sorted(reasons, key=lambda r: (-r.points, FACTOR_ORDER.get(r.factor, 99)))


FACTOR_ORDER = {name: i for i, name in enumerate((*FACTORS, "boost"))}


def top_reasons(reasons: Sequence[Reason], n: int = 3) -> list[Reason]:
    """The ``n`` reasons that bring the most points, plus any caution (why it is held back)."""
    best = [r for r in reasons if r.points >= 0.5][:n]
    cautions = [r for r in reasons if r.caution and r not in best]
    return best + cautions


def _law68_reason(row: Mapping[str, Any], pts: float) -> Reason:
    uncovered = int(row.get("uncovered") or 0)
    if row.get("kind") == "coop_b":
        pool = int(row.get("pool_uncovered") or 0)
        # The sentence of whichever counted: the cooperative's own quota or the companies' nearby.
        if pool and art14_factor(pool) > law68_factor(uncovered):
            text = ngettext(
                "Type-B cooperative: %(num)d uncovered Law 68 position at companies in %(comune)s "
                "could be partly covered with work orders to it (art. 14 D.Lgs. 276/2003)",
                "Type-B cooperative: %(num)d uncovered Law 68 positions at companies in %(comune)s "
                "could be partly covered with work orders to it (art. 14 D.Lgs. 276/2003)",
                pool,
                comune=row.get("comune") or "—",
            )
            return Reason("law68", pts, text)
    if _nan(row.get("employees")):
        return Reason("law68", pts, _("Employee count unknown: the Law 68 quota cannot be computed"))
    if row.get("subject") == 0:
        return Reason("law68", pts, _("Declared not subject to Law 68"))
    required = int(row.get("required") or 0)
    if required == 0:
        return Reason("law68", pts, _("Fewer than 15 employees: no Law 68 obligation"))
    if uncovered:
        if _nan(row.get("declared")):
            text = ngettext(
                "Uncovered Law 68 quota: %(num)d position (no protected workers declared)",
                "Uncovered Law 68 quota: %(num)d positions (no protected workers declared)",
                uncovered,
            )
        else:
            text = ngettext(
                "Uncovered Law 68 quota: %(num)d position (required: %(required)d, declared: %(declared)d)",
                "Uncovered Law 68 quota: %(num)d positions (required: %(required)d, declared: %(declared)d)",
                uncovered,
                required=required,
                declared=int(row["declared"]),
            )
        return Reason("law68", pts, text)
    return Reason(
        "law68",
        pts,
        ngettext(
            "Law 68 quota covered (%(num)d position required)",
            "Law 68 quota covered (%(num)d positions required)",
            required,
        ),
    )


def _sector_reason(row: Mapping[str, Any], pts: float) -> Reason:
    section = row.get("section")
    if not section:
        return Reason("sector", pts, _("ATECO section unknown"))
    title = row.get("section_title") or section
    interested = int(row.get("interested") or 0)
    if interested:
        text = ngettext(
            "%(num)d candidate interested in this sector (%(sector)s)",
            "%(num)d candidates interested in this sector (%(sector)s)",
            interested,
            sector=title,
        )
        if row.get("supported"):
            text = _("%(candidates)s, a sector the hub supports", candidates=text)
        return Reason("sector", pts, text)
    if row.get("supported"):
        return Reason("sector", pts, _("A sector the hub supports (%(sector)s)", sector=title))
    return Reason("sector", pts, _("No candidate interested in this sector (%(sector)s)", sector=title))


def _openings_reason(row: Mapping[str, Any], pts: float) -> Reason:
    n = int(row.get("open_openings") or 0)
    if n:
        return Reason("openings", pts, ngettext("%(num)d open opening", "%(num)d open openings", n))
    days = row.get("days_since_opening")
    if not _nan(days):
        return Reason("openings", pts, _("Last opening seen %(ago)s", ago=_ago(float(days))))
    return Reason("openings", pts, _("No openings seen yet"))


def _relationship_reason(row: Mapping[str, Any], pts: float) -> Reason:
    state = int(row.get("state", NEVER))
    if state == NEVER:
        return Reason("relationship", pts, _("Never contacted"))
    if state == PLANNED:
        return Reason("relationship", pts, _("A visit is already planned"), caution=True)
    if state == COOLDOWN:
        days = float(row.get("days_since_negative") or 0)
        left = max(int(row.get("cooldown_days", 0) - days), 1)
        text = ngettext(
            "Refused %(ago)s: cooling down for %(num)d more day",
            "Refused %(ago)s: cooling down for %(num)d more days",
            left,
            ago=_ago(days),
        )
        return Reason("relationship", pts, text, caution=True)
    if state == WARM_PLACEMENT:
        return Reason(
            "relationship",
            pts,
            _("Placement %(ago)s: a warm contact", ago=_ago(float(row["days_since_placement"]))),
        )
    if state == WARM_POSITIVE:
        return Reason(
            "relationship",
            pts,
            _("Positive outcome %(ago)s: a warm contact", ago=_ago(float(row["days_since_positive"]))),
        )
    days = float(row.get("days_since_contact") or 0)
    if state == DORMANT:
        months = _months(days)
        return Reason(
            "relationship",
            pts,
            ngettext("Not contacted for %(num)d month", "Not contacted for %(num)d months", months),
        )
    return Reason("relationship", pts, _("Contacted recently (%(ago)s)", ago=_ago(days)))


def _size_reason(row: Mapping[str, Any], pts: float) -> Reason:
    employees = row.get("employees")
    if _nan(employees):
        return Reason("size", pts, _("Employee count unknown"))
    n = int(employees)
    return Reason("size", pts, ngettext("%(num)d employee", "%(num)d employees", n))


def _distance_reason(row: Mapping[str, Any], pts: float) -> Reason:
    km = row.get("km")
    place = row.get("place")
    if not place:
        return Reason("distance", pts, _("No office with a location to measure the distance from"))
    if _nan(km):
        return Reason("distance", pts, _("No location: distance unknown"))
    from flask_babel import format_decimal

    return Reason(
        "distance",
        pts,
        _("%(km)s km from %(place)s", km=format_decimal(round(float(km), 1), "#,##0.0"), place=place),
    )
