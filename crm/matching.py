"""Matching candidates and openings: pure scoring over plain data (no Flask, no database).

A match scores 0–100 from five parts, each explained by a :class:`Reason`:

====================  ======  ===========================================================
part                  points  how
====================  ======  ===========================================================
required skills       35      share of the opening's required skills the person has
desirable skills      10      share of desirable skills and free terms covered
sector interest       10      the opening's ATECO section is among the person's sectors
commute               15      full marks next door, half at the person's maximum; 0 beyond
availability          15      10 for the hours a week, 5 for the shifts
readiness             15      by band, with supported contracts (tirocinio, art. 14, Law
                              68) suiting people who are ready with support
====================  ======  ===========================================================

Problems (too far, too few hours, no common shift, not assessed) are reasons with ``ok=False``: the
candidate stays in the list, flagged, so a coordinator can judge (a lift may solve a commute).
Commuting times come in precomputed (see :mod:`crm.openings.commute`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

REQUIRED_POINTS = 35
DESIRABLE_POINTS = 10
SECTOR_POINTS = 10
COMMUTE_POINTS = 15
HOURS_POINTS = 10
SHIFT_POINTS = 5
READINESS_POINTS = {"ready": 15, "ready_with_support": 10, "needs_preparation": 3}
#: Contracts designed for people who need support: readiness counts less against them.
SUPPORTED_CONTRACTS = frozenset({"tirocinio", "art14", "law68"})
SUPPORTED_READINESS_POINTS = {"ready": 15, "ready_with_support": 14, "needs_preparation": 8}
UNKNOWN_READINESS_POINTS = 5


@dataclass(frozen=True)
class CandidateFacts:
    id: int
    code: str
    skill_ids: frozenset[int] = frozenset()
    #: Folded names of skills and free terms, to meet an opening's free terms.
    terms: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    max_commute_minutes: int = 45
    shifts: frozenset[str] = frozenset()
    hours_per_week: int | None = None
    band: str | None = None
    operator_id: int | None = None


@dataclass(frozen=True)
class OpeningFacts:
    id: int
    title: str
    required_skill_ids: frozenset[int] = frozenset()
    desirable_skill_ids: frozenset[int] = frozenset()
    terms: frozenset[str] = frozenset()
    sector: str | None = None
    hours_per_week: int | None = None
    shifts: frozenset[str] = frozenset()
    contract: str = "fixed_term"
    organization_name: str = ""


@dataclass(frozen=True)
class Reason:
    """One part of the score: ``ok`` True (a plus), False (a problem) or None (neutral/unknown)."""

    code: str
    ok: bool | None
    points: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    candidate: CandidateFacts
    opening: OpeningFacts
    score: int
    reasons: tuple[Reason, ...]
    commute_minutes: int | None

    @property
    def problems(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.ok is False)

    @property
    def too_far(self) -> bool:
        return any(r.code == "commute" and r.ok is False for r in self.reasons)


def _skills(c: CandidateFacts, o: OpeningFacts) -> list[Reason]:
    reasons = []
    if o.required_skill_ids:
        covered = c.skill_ids & o.required_skill_ids
        share = len(covered) / len(o.required_skill_ids)
        reasons.append(
            Reason(
                "required_skills",
                share == 1 if share in (0, 1) else None,
                REQUIRED_POINTS * share,
                {
                    "covered": len(covered),
                    "total": len(o.required_skill_ids),
                    "missing_ids": sorted(o.required_skill_ids - c.skill_ids),
                },
            )
        )
    else:
        reasons.append(Reason("required_skills", None, REQUIRED_POINTS, {"covered": 0, "total": 0}))
    wanted = len(o.desirable_skill_ids) + len(o.terms)
    if wanted:
        got = len(c.skill_ids & o.desirable_skill_ids) + len(c.terms & o.terms)
        reasons.append(
            Reason(
                "desirable_skills",
                True if got else None,
                DESIRABLE_POINTS * got / wanted,
                {"covered": got, "total": wanted},
            )
        )
    else:
        reasons.append(Reason("desirable_skills", None, DESIRABLE_POINTS / 2, {"covered": 0, "total": 0}))
    return reasons


def _sector(c: CandidateFacts, o: OpeningFacts) -> Reason:
    if o.sector is None or not c.sectors:
        return Reason("sector", None, SECTOR_POINTS / 2, {"sector": o.sector})
    if o.sector in c.sectors:
        return Reason("sector", True, SECTOR_POINTS, {"sector": o.sector})
    return Reason("sector", None, 0, {"sector": o.sector})


def _commute(c: CandidateFacts, minutes: int | None) -> Reason:
    limit = max(1, c.max_commute_minutes)
    if minutes is None:
        return Reason("commute", None, COMMUTE_POINTS / 2, {"minutes": None, "limit": limit})
    if minutes > limit:
        return Reason("commute", False, 0, {"minutes": minutes, "limit": limit})
    return Reason(
        "commute", True, COMMUTE_POINTS * (1 - 0.5 * minutes / limit), {"minutes": minutes, "limit": limit}
    )


def _availability(c: CandidateFacts, o: OpeningFacts) -> list[Reason]:
    reasons = []
    if c.hours_per_week is None or o.hours_per_week is None:
        reasons.append(
            Reason(
                "hours", None, HOURS_POINTS / 2, {"available": c.hours_per_week, "needed": o.hours_per_week}
            )
        )
    elif c.hours_per_week >= o.hours_per_week:
        reasons.append(
            Reason("hours", True, HOURS_POINTS, {"available": c.hours_per_week, "needed": o.hours_per_week})
        )
    else:
        share = c.hours_per_week / o.hours_per_week
        reasons.append(
            Reason(
                "hours",
                None if share >= 0.8 else False,
                HOURS_POINTS * share,
                {"available": c.hours_per_week, "needed": o.hours_per_week},
            )
        )
    if not o.shifts or not c.shifts:
        reasons.append(Reason("shifts", None, SHIFT_POINTS / 2, {"common": sorted(o.shifts & c.shifts)}))
    else:
        common = o.shifts & c.shifts
        reasons.append(
            Reason(
                "shifts",
                bool(common),
                SHIFT_POINTS * len(common) / len(o.shifts),
                {"common": sorted(common), "needed": sorted(o.shifts)},
            )
        )
    return reasons


def _readiness(c: CandidateFacts, o: OpeningFacts) -> Reason:
    if c.band is None:
        return Reason("readiness", False, UNKNOWN_READINESS_POINTS, {"band": None})
    table = SUPPORTED_READINESS_POINTS if o.contract in SUPPORTED_CONTRACTS else READINESS_POINTS
    points = table.get(c.band, 0)
    ok: bool | None = True if c.band == "ready" else None
    if c.band == "needs_preparation" and o.contract not in SUPPORTED_CONTRACTS:
        ok = False
    return Reason("readiness", ok, points, {"band": c.band, "supported": o.contract in SUPPORTED_CONTRACTS})


def score_match(candidate: CandidateFacts, opening: OpeningFacts, commute_minutes: int | None) -> Match:
    """Score one candidate for one opening, with the reasons."""
    reasons = (
        *_skills(candidate, opening),
        _sector(candidate, opening),
        _commute(candidate, commute_minutes),
        *_availability(candidate, opening),
        _readiness(candidate, opening),
    )
    score = round(sum(r.points for r in reasons))
    return Match(candidate, opening, max(0, min(100, score)), tuple(reasons), commute_minutes)


def rank(matches: Iterable[Match]) -> list[Match]:
    """Best first; ties by fewer problems, then by code or title (stable, reproducible)."""
    return sorted(matches, key=lambda m: (-m.score, len(m.problems), m.candidate.code, m.opening.id))
