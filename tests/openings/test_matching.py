"""Pure scoring: reasons, flags, ranking."""

from __future__ import annotations

from crm.matching import CandidateFacts, OpeningFacts, rank, score_match
from crm.openings.commute import commute_minutes

OPENING = OpeningFacts(
    id=1,
    title="Addetto pulizie",
    required_skill_ids=frozenset({1, 2}),
    desirable_skill_ids=frozenset({3}),
    sector="N",
    hours_per_week=30,
    shifts=frozenset({"morning"}),
    contract="fixed_term",
)


def person(**changes) -> CandidateFacts:
    base = dict(
        id=1,
        code="C-2026-0001",
        skill_ids=frozenset({1, 2, 3}),
        sectors=frozenset({"N"}),
        max_commute_minutes=40,
        shifts=frozenset({"morning"}),
        hours_per_week=30,
        band="ready",
    )
    return CandidateFacts(**(base | changes))


def test_a_perfect_fit_scores_high_with_only_positive_reasons():
    """All skills, the sector, a short commute, the hours and readiness: close to 100, no problems."""
    match = score_match(person(), OPENING, 10)
    assert match.score >= 90 and not match.problems
    assert {r.code for r in match.reasons} == {
        "required_skills",
        "desirable_skills",
        "sector",
        "commute",
        "hours",
        "shifts",
        "readiness",
    }


def test_too_far_is_flagged_not_hidden():
    """A commute beyond the person's maximum is a problem reason and scores 0 on that part."""
    near = score_match(person(), OPENING, 20)
    far = score_match(person(), OPENING, 75)
    assert far.too_far and not near.too_far
    assert far.score < near.score
    assert any(r.code == "commute" and r.ok is False and r.params["minutes"] == 75 for r in far.reasons)


def test_missing_skills_hours_and_shift_are_explained():
    """Missing required skills are named by id; fewer hours and no common shift are problems."""
    match = score_match(
        person(skill_ids=frozenset({1}), hours_per_week=15, shifts=frozenset({"evening"})), OPENING, 10
    )
    required = next(r for r in match.reasons if r.code == "required_skills")
    assert required.params["missing_ids"] == [2] and required.params["covered"] == 1
    assert {r.code for r in match.problems} == {"hours", "shifts"}


def test_supported_contracts_suit_people_who_need_support():
    """Readiness weighs less against a tirocinio than against a permanent job."""
    needs = person(band="needs_preparation")
    permanent = score_match(needs, OpeningFacts(**{**OPENING.__dict__, "contract": "permanent"}), 10)
    tirocinio = score_match(needs, OpeningFacts(**{**OPENING.__dict__, "contract": "tirocinio"}), 10)
    assert tirocinio.score > permanent.score
    assert any(r.code == "readiness" for r in permanent.problems)
    assert not any(r.code == "readiness" for r in tirocinio.problems)


def test_rank_orders_by_score_then_code():
    """Best first; equal scores in code order."""
    a = score_match(person(id=1, code="C-2026-0002"), OPENING, 10)
    b = score_match(person(id=2, code="C-2026-0001"), OPENING, 10)
    c = score_match(person(id=3, code="C-2026-0003", band=None), OPENING, 10)
    assert [m.candidate.code for m in rank([c, a, b])] == ["C-2026-0001", "C-2026-0002", "C-2026-0003"]


def test_commute_minutes_depend_on_mode_and_unknown_points():
    """Public transport is slower than a car over the same trip; unknown points give None."""
    firenze, empoli = (43.7696, 11.2558), (43.7189, 10.9467)
    car, bus, unknown = commute_minutes(
        [(firenze, empoli, "car"), (firenze, empoli, "public_transport"), (None, empoli, "car")]
    )
    assert car is not None and bus is not None and bus > car > 20
    assert unknown is None
    assert commute_minutes([(firenze, firenze, "walking")]) == [0]
