"""Learning from outcomes: how did the factors look at each past contact, and what followed?

Every call, e-mail, visit or meeting marked done is a *contact*. It *succeeded* when an opening at the
same organization was recorded, or a placement there started, within the horizon after it. For each
contact the factors are rebuilt as they stood on that day where the history allows it (the
relationship from the earlier interactions, the openings and placements before it); the facts that have
no history (employees, Law 68 declarations, sector, location, the candidates' interests) are taken as
they are today. Contacts more recent than the horizon are left out: their outcome is not known yet.

The report sets each factor's value against the success rate; the suggestion fits an L2-regularised
logistic regression (scikit-learn) of success on the factor values and turns its coefficients into
weights (negative ones become 0, the rest scaled to add up to 100).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Float, String, select, type_coerce

from crm.interactions.models import Interaction, InteractionKind, InteractionOutcome, InteractionStatus
from crm.openings.models import Opening, PipelineEntry, Placement
from crm.organizations.models import Organization
from crm.ranking import scoring
from crm.ranking.services import (
    EffectiveSettings,
    Population,
    Reference,
    _columns,
    _float_column,
    _now_day,
    _rows,
    _text_column,
    candidate_interest,
    day_number,
    factor_table,
    uncovered_by_comune,
)

CONTACT_KINDS = (InteractionKind.CALL, InteractionKind.EMAIL, InteractionKind.VISIT, InteractionKind.MEETING)
#: Fewer contacts (or successes, or failures) than this and no weights are suggested.
MIN_CONTACTS = 40
MIN_CLASS = 8
#: Regularisation strength of the logistic regression (scikit-learn's C: smaller is stronger).
REGULARISATION_C = 1.0
BINS = ((0.0, 0.0), (0.0, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 1.0))


@dataclass
class History:
    values: np.ndarray  # contacts × factors
    success: np.ndarray  # bool per contact
    organization_ids: np.ndarray
    horizon_days: int

    def __len__(self) -> int:
        return int(self.success.shape[0])

    @property
    def successes(self) -> int:
        return int(self.success.sum())


def _keyed(org: np.ndarray, day: np.ndarray) -> np.ndarray:
    """One sortable number per (organization, day): organizations far apart on the line."""
    return org.astype(np.float64) * 1e6 + day


def _last_before(
    event_org: np.ndarray, event_day: np.ndarray, org: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """For each event, the latest ``day`` of the same organization strictly before it (NaN: none)."""
    out = np.full(event_org.shape[0], np.nan)
    if org.size == 0 or event_org.size == 0:
        return out
    keys = _keyed(org, day)
    order = np.argsort(keys, kind="stable")
    keys, org_s, day_s = keys[order], org[order], day[order]
    pos = np.searchsorted(keys, _keyed(event_org, event_day), side="left") - 1
    ok = pos >= 0
    same = np.zeros_like(ok)
    same[ok] = org_s[pos[ok]] == event_org[ok]
    out[same] = day_s[pos[same]]
    return out


def _count_between(
    event_org: np.ndarray, start: np.ndarray, end: np.ndarray, org: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """For each event, how many ``day`` of the same organization fall in (start, end]."""
    if org.size == 0 or event_org.size == 0:
        return np.zeros(event_org.shape[0])
    keys = np.sort(_keyed(org, day))
    hi = np.searchsorted(keys, _keyed(event_org, end), side="right")
    lo = np.searchsorted(keys, _keyed(event_org, start), side="right")
    return (hi - lo).astype(np.float64)


def contact_history(
    settings: EffectiveSettings, reference: Reference, horizon_days: int, *, now_day: float | None = None
) -> History:
    """Every past contact whose horizon has passed, its factor values then, and whether it succeeded."""
    now_day = _now_day() if now_day is None else now_day
    cutoff = now_day - horizon_days
    day = type_coerce(day_number(Interaction.occurred_at), Float)
    rows = _rows(
        select(
            Interaction.organization_id,
            day,
            type_coerce(Interaction.kind, String),
            type_coerce(Interaction.outcome, String),
        ).where(Interaction.status == InteractionStatus.DONE)
    )
    i_org, i_day, i_kind, i_outcome = _columns(rows, 4)
    i_org = np.array(i_org.tolist(), dtype=np.int64)
    i_day = _float_column(i_day)
    i_kind = _text_column(i_kind).astype(str)
    i_outcome = _text_column(i_outcome).astype(str)
    contact = np.isin(i_kind, [k.value for k in CONTACT_KINDS])
    events = contact & (i_day <= cutoff)
    e_org, e_day = i_org[events], i_day[events]

    o_org, o_day = _pairs(select(Opening.organization_id, type_coerce(day_number(Opening.created_at), Float)))
    p_org, p_day = _pairs(
        select(Opening.organization_id, type_coerce(day_number(Placement.start_date), Float))
        .join(PipelineEntry, PipelineEntry.id == Placement.entry_id)
        .join(Opening, Opening.id == PipelineEntry.opening_id)
    )
    later = _count_between(e_org, e_day, e_day + horizon_days, o_org, o_day) + _count_between(
        e_org, e_day, e_day + horizon_days, p_org, p_day
    )
    success = later > 0

    static = _static_columns(np.unique(e_org))
    pos = np.searchsorted(static.ids, e_org)
    pos = np.clip(pos, 0, max(len(static) - 1, 0))
    keep = (static.ids[pos] == e_org) if len(static) else np.zeros(e_org.shape[0], dtype=bool)
    e_org, e_day, success, pos = e_org[keep], e_day[keep], success[keep], pos[keep]
    columns = {name: arr[pos] for name, arr in static.columns.items()}
    positive = i_outcome == InteractionOutcome.POSITIVE.value
    negative = i_outcome == InteractionOutcome.NEGATIVE.value
    recent_days = float(settings.params["recent_opening_days"])
    columns.update(
        last_contact_day=_last_before(e_org, e_day, i_org[contact], i_day[contact]),
        positive_day=_last_before(e_org, e_day, i_org[positive], i_day[positive]),
        negative_day=_last_before(e_org, e_day, i_org[negative], i_day[negative]),
        placement_day=_last_before(e_org, e_day, p_org, p_day),
        opening_day=_last_before(e_org, e_day, o_org, o_day),
        # Openings do not record when they closed: "open then" is "found in the recent window".
        open_openings=_count_between(e_org, e_day - recent_days, e_day - 1e-6, o_org, o_day),
        visit_planned=np.zeros(e_org.shape[0]),
        boost=np.zeros(e_org.shape[0]),
    )
    population = Population(e_org, columns)
    table = factor_table(
        population,
        params=settings.params,
        reference=reference,
        interest=candidate_interest(),
        pool=uncovered_by_comune(),
        now_day=e_day,  # each contact measured on its own day
    )
    return History(table.values, success, e_org, horizon_days)


def _pairs(stmt: Any) -> tuple[np.ndarray, np.ndarray]:
    org, day = _columns(_rows(stmt), 2)
    day_f = _float_column(day)
    org_i = np.array(org.tolist(), dtype=np.int64)
    ok = ~np.isnan(day_f)
    return org_i[ok], day_f[ok]


def _static_columns(ids: np.ndarray) -> Population:
    """Today's facts of the organizations contacted, including those now marked do-not-contact."""
    from crm.ranking.services import _org_statement

    stmt = _org_statement([Organization.id.in_(ids.tolist())], contactable_only=False)
    cols = _columns(_rows(stmt), 11)
    population = Population(
        np.array(cols[0].tolist(), dtype=np.int64),
        {
            "kind": _text_column(cols[1]),
            "employees": _float_column(cols[2]),
            "subject": _float_column(cols[3]),
            "declared": _float_column(cols[4]),
            "section": _text_column(cols[5]),
            "latitude": _float_column(cols[6]),
            "longitude": _float_column(cols[7]),
            "comune": _text_column(cols[8]),
            "owner_id": _float_column(cols[9]),
        },
    )
    return population


# --- Report ------------------------------------------------------------------------------------------


@dataclass
class Band:
    low: float
    high: float
    contacts: int
    successes: int

    @property
    def rate(self) -> float | None:
        return self.successes / self.contacts if self.contacts else None


@dataclass
class FactorReport:
    factor: str
    bands: list[Band]
    auc: float | None  # how well this factor alone orders successes before failures (0.5: not at all)


@dataclass
class Report:
    contacts: int
    successes: int
    horizon_days: int
    factors: list[FactorReport]
    score_bands: list[Band]
    auc: float | None
    suggestion: Suggestion | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.successes / self.contacts if self.contacts else None


@dataclass
class Suggestion:
    weights: dict[str, int]
    coefficients: dict[str, float]
    auc_current: float | None
    auc_suggested: float | None
    auc_cross_validated: float | None


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    if y.size == 0 or y.all() or not y.any():
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def report(history: History, weights: dict[str, int]) -> Report:
    """Success rate by factor band and by score fifth; the ordering power (AUC) of each."""
    y = history.success
    factors = []
    for k, factor in enumerate(scoring.FACTORS):
        v = history.values[:, k] if len(history) else np.zeros(0)
        bands = []
        for lo, hi in BINS:
            mask = (v == 0) if hi == 0 else (v > lo) & (v <= hi)
            bands.append(Band(lo, hi, int(mask.sum()), int(y[mask].sum())))
        factors.append(FactorReport(factor, bands, _auc(y, v)))
    score = scoring.scores(history.values, weights) if len(history) else np.zeros(0)
    score_bands = []
    for lo, hi in ((0, 20), (20, 40), (40, 60), (60, 80), (80, 101)):
        mask = (score >= lo) & (score < hi)
        score_bands.append(Band(lo, min(hi, 100), int(mask.sum()), int(y[mask].sum())))
    return Report(len(history), history.successes, history.horizon_days, factors, score_bands, _auc(y, score))


def enough_history(history: History) -> bool:
    return len(history) >= MIN_CONTACTS and MIN_CLASS <= history.successes <= len(history) - MIN_CLASS


def suggest_weights(history: History, current: dict[str, int], *, seed: int = 0) -> Suggestion:
    """Fit an L2-regularised logistic regression of success on the factor values.

    :raises ValueError: when :func:`enough_history` is False.
    """
    if not enough_history(history):
        raise ValueError("not enough history")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    X, y = history.values, history.success.astype(int)
    model = LogisticRegression(C=REGULARISATION_C, max_iter=1000)
    model.fit(X, y)
    coefficients = {f: float(c) for f, c in zip(scoring.FACTORS, model.coef_[0], strict=True)}
    weights = coefficients_to_weights(coefficients)
    folds = min(5, int(y.sum()), int((1 - y).sum()))
    cv = None
    if folds >= 2:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        cv = float(
            np.mean(
                cross_val_score(
                    LogisticRegression(C=REGULARISATION_C, max_iter=1000),
                    X,
                    y,
                    cv=splitter,
                    scoring="roc_auc",
                )
            )
        )
    return Suggestion(
        weights=weights,
        coefficients=coefficients,
        auc_current=_auc(history.success, scoring.scores(X, current)),
        auc_suggested=_auc(history.success, scoring.scores(X, weights)) if any(weights.values()) else None,
        auc_cross_validated=cv,
    )


def coefficients_to_weights(coefficients: dict[str, float]) -> dict[str, int]:
    """Positive coefficients scaled to whole weights adding up to 100 (largest remainders)."""
    raw = np.array([max(coefficients.get(f, 0.0), 0.0) for f in scoring.FACTORS])
    if raw.sum() <= 0:
        return {f: 0 for f in scoring.FACTORS}
    share = raw / raw.sum() * 100
    whole = np.floor(share).astype(int)
    for k in np.argsort(-(share - whole))[: 100 - int(whole.sum())]:
        whole[k] += 1
    return {f: int(w) for f, w in zip(scoring.FACTORS, whole, strict=True)}
