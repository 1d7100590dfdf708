"""The pure score arithmetic: Law 68 quotas, factor values, points, explanations (no database)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from flask import Flask
from flask_babel import force_locale

from crm.ranking import scoring
from crm.ranking.scoring import (
    COOLDOWN,
    DORMANT,
    NEVER,
    PLANNED,
    RECENT,
    WARM_PLACEMENT,
    WARM_POSITIVE,
    Quota,
    explain,
    law68_quota,
    top_reasons,
    uncovered_quota,
)


@pytest.fixture
def english(app: Flask) -> Iterator[None]:
    with app.test_request_context(), force_locale("en"):
        yield


# --- Law 68 quota ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employees", "art3", "art18"),
    [
        (0, 0, 0),
        (14, 0, 0),  # below the threshold
        (15, 1, 0),  # art. 3: one from 15
        (35, 1, 0),
        (36, 2, 0),  # two from 36
        (50, 2, 0),
        (51, 4, 1),  # 7 % of 51 = 3.57 → 4; art. 18: one from 51
        (100, 7, 1),
        (150, 10, 1),  # 7 % of 150 = 10.50: not above .50, stays 10
        (151, 11, 2),  # 10.57 → 11; 1 % of 151 = 1.51 → 2
        (200, 14, 2),
        (250, 17, 2),  # 17.50 → 17; 2.50 → 2
        (1000, 70, 10),
    ],
)
def test_law68_quota_thresholds(employees, art3, art18):
    """Art. 3 and art. 18 c. 2 quotas at every threshold, fractions above .50 counting as one."""
    assert law68_quota(employees) == Quota(art3, art18)
    assert law68_quota(employees).total == art3 + art18


def test_law68_quota_unknown_employees():
    """A missing head count gives no quota at all (not zero)."""
    assert law68_quota(None) is None
    art3, _art18, known = scoring.law68_quota_arrays([np.nan, 20])
    assert known.tolist() == [False, True]
    assert art3.tolist() == [0, 1]


def test_law68_quota_arrays_match_scalars():
    """The vectorised quotas equal the one-by-one ones over a range of sizes."""
    sizes = np.arange(0, 400)
    art3, art18, _known = scoring.law68_quota_arrays(sizes)
    for e in sizes:
        q = law68_quota(int(e))
        assert (q.art3, q.art18) == (art3[e], art18[e])


def test_uncovered_quota_declared_missing_and_exempt():
    """Declared workers cover the quota; undeclared counts as none; exempt employers owe nothing."""
    required, uncovered, known = uncovered_quota(
        [14, 15, 36, 60, 60, np.nan, 60], [np.nan, 0, 1, 2, 9, np.nan, np.nan], [1, 1, 1, 1, 1, 1, 0]
    )
    assert required.tolist() == [0, 1, 2, 5, 5, 0, 0]
    assert uncovered.tolist() == [0, 1, 1, 3, 0, 0, 0]
    assert known.tolist() == [True, True, True, True, True, False, True]


# --- Factors ------------------------------------------------------------------------------------------


def test_law68_factor_grows_with_uncovered_positions():
    """0 without an uncovered position; each one brings it halfway closer to 1."""
    assert scoring.law68_factor([0, 1, 2, 3]).tolist() == [0.0, 0.5, 0.75, 0.875]


def test_sector_and_openings_factors():
    """Supported sector and candidates' interest add up; open openings beat recent ones."""
    values = scoring.sector_factor([0, 1, 0, 1], [0, 0, 0.1, 0.1])
    assert values[0] == 0 and values[1] == pytest.approx(0.4)
    assert values[2] == pytest.approx(0.3) and values[3] == pytest.approx(0.7)
    op = scoring.openings_factor([0, 0, 1, 3, 0], [np.nan, 30, 10, 10, 400], 180)
    assert op.tolist()[:2] == [0.0, 0.4]
    assert op[2] == pytest.approx(0.7) and op[3] > op[2] and op[4] == 0


def test_relationship_states():
    """Never, recent, dormant, warm (positive or placement), cool-down and planned visits."""
    nan = np.nan
    value, state = scoring.relationship_factor(
        [nan, 10, 400, 20, 20, 20, 20, 20],
        [nan, nan, nan, 20, nan, nan, 5, nan],
        [nan, nan, nan, nan, nan, 30, 30, nan],
        [nan, nan, nan, nan, 50, nan, nan, nan],
        [False, False, False, False, False, False, False, True],
        cooldown_days=180,
        warm_days=365,
    )
    assert state.tolist() == [
        NEVER,
        RECENT,
        DORMANT,
        WARM_POSITIVE,
        WARM_PLACEMENT,
        COOLDOWN,
        WARM_POSITIVE,
        PLANNED,
    ]
    assert value[0] == pytest.approx(0.7)
    assert value[1] == 0.0  # contacted ten days ago: nothing to gain yet
    assert 0 < value[2] < 0.8
    assert value[3] > 0.9 and value[4] > 0.85
    assert value[5] == 0.0 and value[7] == 0.0


def test_refusal_after_cooldown_no_longer_cools():
    """A refusal older than the cool-down leaves a dormant organization dormant."""
    value, state = scoring.relationship_factor(
        [400], [np.nan], [400], [np.nan], [False], cooldown_days=180, warm_days=365
    )
    assert state.tolist() == [DORMANT] and value[0] > 0


def test_size_and_distance_factors():
    """Size on a log scale (unknown 0); distance linear to the maximum (unknown 0)."""
    size = scoring.size_factor([np.nan, 0, 10, 250, 5000])
    assert size[0] == 0 and size[1] == 0 and 0.3 < size[2] < 0.5 and size[3] == 1 and size[4] == 1
    assert scoring.distance_factor([0, 20, 40, 60, np.nan], 40).tolist() == [1.0, 0.5, 0.0, 0.0, 0.0]


def test_haversine_km():
    """Firenze to Empoli is about 30 km; a missing coordinate gives NaN."""
    km = scoring.haversine_km([43.7196, np.nan], [10.9464, 11.0], 43.7696, 11.2558)
    assert 24 < km[0] < 27
    assert math.isnan(km[1])


# --- Weights, points, scores -------------------------------------------------------------------------


def test_points_scale_weights_to_100():
    """Points are values times weights scaled to add up to 100; the boost is added; 0..100."""
    values = np.array([[1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]], dtype=float)
    weights = {"law68": 60, "sector": 20, "openings": 20, "relationship": 0, "size": 0, "distance": 0}
    pts = scoring.points(values, weights)
    assert pts[0].sum() == pytest.approx(100)
    assert pts[2, 0] == pytest.approx(60)
    assert scoring.scores(values, weights, [20, 15, -80]).tolist() == [100.0, 15.0, 0.0]
    assert scoring.normalised_weights({f: 0 for f in scoring.FACTORS}).sum() == 0


def test_ranking_order_breaks_ties_by_id():
    """Best first; equal scores by ascending id, so the order is stable."""
    order = scoring.ranking_order(np.array([50.0, 80.0, 50.0]), np.array([9, 5, 3]))
    assert order.tolist() == [1, 2, 0]


# --- Explanations -------------------------------------------------------------------------------------


def _row(**facts):
    base = {
        "kind": "company",
        "employees": 40.0,
        "required": 2.0,
        "uncovered": 2.0,
        "declared": 0.0,
        "subject": 1.0,
        "section": "I",
        "section_title": "Accommodation and food",
        "supported": True,
        "interested": 3.0,
        "open_openings": 0.0,
        "days_since_opening": float("nan"),
        "state": NEVER,
        "days_since_contact": float("nan"),
        "km": 7.04,
        "place": "Sportello Firenze",
        "cooldown_days": 180,
        "boost": 0.0,
    }
    base.update(facts)
    return base


def _texts(row, pts=None):
    return {r.factor: r.text for r in explain(row, pts or {})}


def test_explanations_in_words(english):
    """Every factor explained in a sentence, with the numbers in it."""
    texts = _texts(_row())
    assert texts["law68"] == "Uncovered Law 68 quota: 2 positions (required: 2, declared: 0)"
    assert (
        texts["sector"]
        == "3 candidates interested in this sector (Accommodation and food), a sector the hub supports"
    )
    assert texts["openings"] == "No openings seen yet"
    assert texts["relationship"] == "Never contacted"
    assert texts["size"] == "40 employees"
    assert texts["distance"] == "7.0 km from Sportello Firenze"


def test_explanations_use_singular_and_plural(english):
    """ngettext: one position, one candidate, one opening, one month, one employee."""
    texts = _texts(
        _row(
            uncovered=1.0,
            required=1.0,
            employees=1.0,
            interested=1.0,
            open_openings=1.0,
            state=DORMANT,
            days_since_contact=31 * 14,
        )
    )
    assert texts["law68"].startswith("Uncovered Law 68 quota: 1 position ")
    assert texts["sector"].startswith("1 candidate interested")
    assert texts["openings"] == "1 open opening"
    assert texts["relationship"] == "Not contacted for 14 months"
    assert texts["size"] == "1 employee"


def test_explanations_of_missing_and_exempt_facts(english):
    """Unknown employees, no declaration, exemption, under 15, no location, no office."""
    assert _texts(_row(employees=float("nan")))["law68"].startswith("Employee count unknown")
    assert _texts(_row(employees=float("nan")))["size"] == "Employee count unknown"
    assert "no protected workers declared" in _texts(_row(declared=float("nan")))["law68"]
    assert _texts(_row(subject=0.0))["law68"] == "Declared not subject to Law 68"
    assert _texts(_row(employees=14.0, required=0.0, uncovered=0.0))["law68"].startswith("Fewer than 15")
    assert "covered" in _texts(_row(uncovered=0.0))["law68"]
    assert _texts(_row(km=float("nan")))["distance"] == "No location: distance unknown"
    assert _texts(_row(place=""))["distance"].startswith("No office")


def test_explanations_of_type_b_cooperatives(english):
    """A type-B cooperative is relevant to the uncovered quota of the companies of its comune."""
    row = _row(kind="coop_b", pool_uncovered=12.0, comune="Firenze", uncovered=0.0, required=0.0)
    text = _texts(row)["law68"]
    assert text.startswith("Type-B cooperative: 12 uncovered Law 68 positions at companies in Firenze")
    assert "art. 14" in text


def test_relationship_sentences_and_cautions(english):
    """Warm contacts, refusals with the days of cool-down left, planned visits as cautions."""
    warm = explain(_row(state=WARM_POSITIVE, days_since_positive=45.0), {})
    assert any(r.text == "Positive outcome 45 days ago: a warm contact" for r in warm)
    placed = _texts(_row(state=WARM_PLACEMENT, days_since_placement=0.2))
    assert placed["relationship"] == "Placement today: a warm contact"
    cool = next(
        r for r in explain(_row(state=COOLDOWN, days_since_negative=179.5), {}) if r.factor == "relationship"
    )
    assert cool.caution and cool.text == "Refused 5 months ago: cooling down for 1 more day"
    planned = next(r for r in explain(_row(state=PLANNED), {}) if r.factor == "relationship")
    assert planned.caution and planned.text == "A visit is already planned"
    assert (
        _texts(_row(state=RECENT, days_since_contact=3.0))["relationship"]
        == "Contacted recently (3 days ago)"
    )


def test_reasons_sorted_by_points_and_boost(english):
    """Highest points first; the boost shows its sign, reason and date; top reasons keep cautions."""
    row = _row(
        boost=-10.0,
        boost_reason="Chiuso per ferie",
        boost_until="31/08/30",
        state=COOLDOWN,
        days_since_negative=10.0,
    )
    reasons = explain(row, {"law68": 20.0, "sector": 5.0, "size": 9.0})
    assert [r.factor for r in reasons[:3]] == ["law68", "size", "sector"]
    boost = next(r for r in reasons if r.factor == "boost")
    assert boost.text == "Manual boost -10: Chiuso per ferie (until 31/08/30)" and boost.caution
    top = top_reasons(reasons, 2)
    assert [r.factor for r in top[:2]] == ["law68", "size"]
    assert {r.factor for r in top[2:]} == {"relationship", "boost"}


def test_art14_factor_stays_below_an_own_obligation():
    """A type-B cooperative's relevance grows with the quota nearby but stays under 0.75."""
    values = scoring.art14_factor([0, 10, 60, 10_000])
    assert values[0] == 0 and values[1] == pytest.approx(0.3)
    assert values[1] < values[2] < values[3] <= 0.6 < scoring.law68_factor([2])[0]


def test_type_b_cooperative_with_its_own_quota(english):
    """When a cooperative's own uncovered quota counts more, that is what the sentence says."""
    text = _texts(_row(kind="coop_b", pool_uncovered=3.0, comune="Firenze", uncovered=2.0))["law68"]
    assert text.startswith("Uncovered Law 68 quota: 2 positions")
