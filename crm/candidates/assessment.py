"""The readiness rule of the employability assessment: plain functions, no Flask, no database.

Each of the six dimensions (:data:`crm.candidates.models.ASSESSMENT_DIMENSIONS`) is scored from 1 (a
serious obstacle) to 4 (a strength). The band is:

* **needs a preparatory path first** when any dimension scores 1 (one blocking obstacle is enough),
  or the total is 12 or less (on average an obstacle everywhere);
* **ready** when every dimension scores at least 3, or the total is at least 20 with motivation and
  autonomy both at least 3 (strengths make up for a single weaker area);
* **ready with support** otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from crm.candidates.models import ASSESSMENT_DIMENSIONS, ReadinessBand

MIN_SCORE, MAX_SCORE = 1, 4
PREPARATION_TOTAL = 12
READY_TOTAL = 20


class InvalidScoresError(ValueError):
    """A dimension is missing or scored outside 1–4."""


def readiness_band(scores: Mapping[str, int]) -> ReadinessBand:
    """The readiness band for the six scores (see the module's documentation for the rule).

    :raises InvalidScoresError: when a dimension is missing or out of range.
    """
    values: dict[str, int] = {}
    for name in ASSESSMENT_DIMENSIONS:
        value = scores.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not MIN_SCORE <= value <= MAX_SCORE:
            raise InvalidScoresError(f"{name} must be scored {MIN_SCORE}–{MAX_SCORE}")
        values[name] = value
    total = sum(values.values())
    if min(values.values()) == MIN_SCORE or total <= PREPARATION_TOTAL:
        return ReadinessBand.NEEDS_PREPARATION
    if min(values.values()) >= 3 or (
        total >= READY_TOTAL and values["motivation"] >= 3 and values["autonomy"] >= 3
    ):
        return ReadinessBand.READY
    return ReadinessBand.READY_WITH_SUPPORT
