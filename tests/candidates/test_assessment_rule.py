"""The documented readiness rule."""

from __future__ import annotations

import pytest

from crm.candidates.assessment import InvalidScoresError, readiness_band
from crm.candidates.models import ReadinessBand


def scores(**changes: int) -> dict[str, int]:
    base = dict(professional_skills=3, work_experience=3, motivation=3, autonomy=3, constraints=3, support=3)
    return base | changes


@pytest.mark.parametrize(
    ("given", "band"),
    [
        (scores(), ReadinessBand.READY),
        (scores(support=2, professional_skills=4, work_experience=4, constraints=4), ReadinessBand.READY),
        (scores(support=2), ReadinessBand.READY_WITH_SUPPORT),
        (
            scores(motivation=2, professional_skills=4, work_experience=4, support=4),
            ReadinessBand.READY_WITH_SUPPORT,
        ),
        (
            scores(constraints=1, professional_skills=4, work_experience=4, support=4),
            ReadinessBand.NEEDS_PREPARATION,
        ),
        ({k: 2 for k in scores()}, ReadinessBand.NEEDS_PREPARATION),
        (
            scores(
                professional_skills=2, work_experience=2, support=2, constraints=2, motivation=3, autonomy=2
            ),
            ReadinessBand.READY_WITH_SUPPORT,
        ),
    ],
)
def test_readiness_band_follows_the_rule(given, band):
    """Any 1 or a total ≤ 12 → preparation; all ≥ 3, or ≥ 20 with motivation and autonomy ≥ 3 → ready."""
    assert readiness_band(given) is band


@pytest.mark.parametrize("bad", [scores(motivation=0), scores(motivation=5), {"motivation": 3}])
def test_readiness_band_refuses_bad_scores(bad):
    """Scores outside 1–4 or missing dimensions are refused."""
    with pytest.raises(InvalidScoresError):
        readiness_band(bad)
