"""The ranking over the database: columns, filters, versions, boosts, cache, visit planning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pytest
from flask import Flask
from flask_babel import force_locale

from crm.candidates.models import Candidate, CandidateStatus
from crm.extensions import db
from crm.followups.services import local_today
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus
from crm.openings.models import ContractType, Opening, OpeningStatus
from crm.organizations.models import OrganizationKind, OrganizationStatus
from crm.organizations.services import OrganizationFilters
from crm.ranking import scoring
from crm.ranking.models import RankingSettings
from crm.ranking.services import (
    BoostError,
    RankingSettingsError,
    build_ranking,
    current_settings,
    filtered_ids,
    ranked_for_visits,
    remove_boost,
    reset_settings,
    resolve_reference,
    save_settings,
    score_organizations,
    set_boost,
    settings_history,
    stop_priorities,
)
from crm.visits.services import visit_priority_candidates
from tests.ranking.conftest import EMPOLI


@pytest.fixture(autouse=True)
def _english(app: Flask) -> Iterator[None]:
    """Messages in English, as staff with an English interface read them."""
    with app.test_request_context(), force_locale("en"):
        yield


def _ids(ranking):
    return [int(ranking.ids[i]) for i in ranking.order]


def test_ranking_orders_by_score_and_excludes_do_not_contact(office, org):
    """An uncovered Law 68 quota ranks first; do-not-contact organizations are never ranked."""
    covered = org(employees=60, law68_subject=True, law68_protected_employed=5)
    uncovered = org(employees=60, law68_subject=True, law68_protected_employed=1)
    excluded = org(employees=600, law68_subject=True, status=OrganizationStatus.DO_NOT_CONTACT)
    ranking = build_ranking()
    assert _ids(ranking) == [uncovered.id, covered.id]
    assert ranking.index_of(excluded.id) is None
    assert ranking.rank_of(uncovered.id) == 1


def test_ranking_without_office_scores_no_distance(org):
    """With no located office the distance factor is 0 and says why."""
    o = org(employees=20)
    ranking = build_ranking()
    i = ranking.index_of(o.id)
    assert ranking.points[i, scoring.FACTORS.index("distance")] == 0
    assert resolve_reference(None).key == ""


def test_changing_a_weight_moves_the_list(office, org, coord):
    """More weight on distance brings the near small company above the far large one."""
    far_big = org(
        employees=300, law68_subject=True, law68_protected_employed=0, latitude=43.72, longitude=10.95
    )
    near_small = org(employees=5, latitude=43.776, longitude=11.258)
    assert _ids(build_ranking())[0] == far_big.id
    weights = dict(scoring.DEFAULT_WEIGHTS, distance=100, law68=0, size=0)
    row = save_settings(weights, scoring.DEFAULT_PARAMS, by=coord, note="closer first")
    ranking = build_ranking()
    assert _ids(ranking)[0] == near_small.id
    assert ranking.settings.version == row.id


def test_settings_are_versioned_and_reset(coord):
    """Each save adds a version with its author; reset adds the defaults as a new version."""
    assert current_settings().version == 0
    first = save_settings(dict(scoring.DEFAULT_WEIGHTS, size=50), {"sectors": ["c", "G"]}, by=coord)
    second = reset_settings(by=coord)
    assert second.id > first.id
    assert current_settings().weights == scoring.DEFAULT_WEIGHTS
    history = settings_history()
    assert [r.id for r in history] == [second.id, first.id]
    assert history[1].created_by_id == coord.id and history[1].params["sectors"] == ["C", "G"]
    assert db.session.query(RankingSettings).count() == 2


@pytest.mark.parametrize(
    "weights", [{"law68": 101}, {"law68": -1}, {f: 0 for f in scoring.FACTORS}, {"size": "x"}]
)
def test_settings_refuse_bad_weights(coord, weights):
    """Weights outside 0-100, not numbers, or all zero are refused with a message."""
    with pytest.raises(RankingSettingsError):
        save_settings(
            dict(scoring.DEFAULT_WEIGHTS, **weights) if len(weights) == 1 else weights, {}, by=coord
        )


def test_boost_raises_the_score_until_it_expires(office, org, coord):
    """A boost adds its points with its reason; an expired one no longer counts."""
    a = org(employees=200)
    b = org(employees=5)
    assert _ids(build_ranking())[0] == a.id
    set_boost(
        b,
        points=50,
        reason="Nuovo direttore del personale",
        expires_on=local_today() + timedelta(days=5),
        by=coord,
    )
    ranking = build_ranking()
    assert _ids(ranking)[0] == b.id
    reasons = ranking.reasons(ranking.index_of(b.id), None)
    assert any(r.factor == "boost" and r.points == 50 for r in reasons)
    boost = set_boost(b, points=50, reason="Scade oggi", expires_on=local_today(), by=coord)
    boost.expires_on = local_today() - timedelta(days=1)
    db.session.commit()
    assert _ids(build_ranking())[0] == a.id
    assert remove_boost(b) and not remove_boost(b)


@pytest.mark.parametrize(
    ("points", "reason", "days", "message"),
    [
        (0, "x", 3, "between"),
        (51, "x", 3, "between"),
        (10, "  ", 3, "reason"),
        (10, "x", -1, "past"),
        (10, "x", 400, "year"),
    ],
)
def test_boost_validation(org, coord, points, reason, days, message):
    """Boosts need points within ±50, a reason and an expiry within a year."""
    with pytest.raises(BoostError, match=message):
        set_boost(
            org(), points=points, reason=reason, expires_on=local_today() + timedelta(days=days), by=coord
        )


def test_relationship_from_interactions(office, org, interaction):
    """A recent refusal cools down; a recent positive outcome is warm; a planned visit is noted."""
    refused = org(employees=20)
    interaction(refused, 10, InteractionOutcome.NEGATIVE)
    warm = org(employees=20)
    interaction(warm, 20, InteractionOutcome.POSITIVE)
    planned = org(employees=20)
    interaction(planned, -3, kind=InteractionKind.VISIT, status=InteractionStatus.PLANNED)
    ranking = build_ranking()
    states = {
        o.id: int(ranking.table.columns["state"][ranking.index_of(o.id)]) for o in (refused, warm, planned)
    }
    assert states == {
        refused.id: scoring.COOLDOWN,
        warm.id: scoring.WARM_POSITIVE,
        planned.id: scoring.PLANNED,
    }
    assert _ids(ranking)[0] == warm.id


def test_openings_and_candidate_interest(office, org, coord):
    """Open openings and candidates interested in the sector raise the score."""
    with_opening = org(ateco_section="I")
    without = org(ateco_section="I")
    db.session.add(
        Opening(
            organization_id=with_opening.id,
            title="Cuoco",
            contract=ContractType.FIXED_TERM,
            status=OpeningStatus.OPEN,
        )
    )
    db.session.add(
        Candidate(
            code="C-2030-0001",
            referral_year=2030,
            referral_number=1,
            status=CandidateStatus.ACTIVE,
            referred_on=date(2030, 1, 1),
            review_on=date(2031, 1, 1),
            sectors=["I"],
        )
    )
    db.session.commit()
    ranking = build_ranking()
    i, j = ranking.index_of(with_opening.id), ranking.index_of(without.id)
    assert ranking.table.columns["open_openings"][i] == 1
    assert ranking.table.columns["interested"][j] == 1
    assert ranking.score[i] > ranking.score[j]


def test_type_b_cooperative_scores_from_uncovered_quota_nearby(office, org):
    """A type-B cooperative gains the Law 68 factor from the companies of its comune only."""
    org(employees=100, law68_subject=True, law68_protected_employed=0)  # Firenze: 8 uncovered
    coop_here = org(kind=OrganizationKind.COOP_B, employees=12)
    coop_there = org(kind=OrganizationKind.COOP_B, employees=12, comune_code=EMPOLI)
    ranking = build_ranking()
    pool = ranking.table.columns["pool_uncovered"]
    assert pool[ranking.index_of(coop_here.id)] == 8 and pool[ranking.index_of(coop_there.id)] == 0
    assert ranking.score[ranking.index_of(coop_here.id)] > ranking.score[ranking.index_of(coop_there.id)]
    # Scoring the cooperative alone finds the same pool (a query limited to its comune).
    alone = score_organizations([coop_here.id])
    assert alone.score[0] == pytest.approx(ranking.score[ranking.index_of(coop_here.id)])


def test_type_b_pool_counts_companies_we_do_not_contact_in_the_list_as_on_the_page(office, org):
    """A company marked do-not-contact is out of the ranking but its quota is still uncovered: the
    cooperative's reason names the same total in the list and on its page (it named 8 and 16)."""
    org(employees=100, law68_subject=True, law68_protected_employed=0)
    not_contacted = OrganizationStatus.DO_NOT_CONTACT
    org(employees=100, law68_subject=True, law68_protected_employed=0, status=not_contacted)
    coop = org(kind=OrganizationKind.COOP_B, employees=12)
    ranking = build_ranking()
    i = ranking.index_of(coop.id)
    alone = score_organizations([coop.id])
    assert ranking.table.columns["pool_uncovered"][i] == alone.table.columns["pool_uncovered"][0] == 16
    assert ranking.reasons(i) == alone.reasons(0)


def test_single_organization_score_matches_the_ranking(office, org, interaction):
    """The breakdown on the organization page is exactly the score in the list."""
    orgs = [
        org(employees=e, law68_subject=True, law68_protected_employed=0, ateco_section="C")
        for e in (10, 40, 90)
    ]
    interaction(orgs[1], 400, InteractionOutcome.NEUTRAL)
    ranking = build_ranking()
    for o in orgs:
        alone = score_organizations([o.id])
        assert alone.score[0] == pytest.approx(ranking.score[ranking.index_of(o.id)])


def test_explanations_are_written_once_per_table_and_language(office, org, monkeypatch):
    """The list's sentences are kept with the cached table; another language writes its own."""
    o = org(employees=40, law68_subject=True, law68_protected_employed=0)
    written = []
    real = scoring.explain
    monkeypatch.setattr(scoring, "explain", lambda *a, **k: written.append(a) or real(*a, **k))
    ranking = build_ranking()
    i = ranking.index_of(o.id)
    english = ranking.reasons(i)
    assert build_ranking().reasons(i) == english and len(written) == 1
    with force_locale("it"):
        italian = ranking.reasons(i)
    assert len(written) == 2 and italian != english
    assert any("Legge 68" in r.text for r in italian), italian


def test_cache_follows_the_data(office, org):
    """A cached ranking is reused until the data changes."""
    a = org(employees=20)
    first = build_ranking()
    assert not first.cached and build_ranking().cached
    a.employees = 500
    db.session.commit()
    again = build_ranking()
    assert not again.cached
    assert again.table.columns["employees"][again.index_of(a.id)] == 500


def test_filtered_ids_reuse_the_list_filters(org):
    """The ranked list filters exactly like the organization list."""
    a = org(comune_code=EMPOLI)
    org()
    assert filtered_ids(OrganizationFilters()) is None
    assert filtered_ids(OrganizationFilters(comune_code=EMPOLI)).tolist() == [a.id]
    ranking = build_ranking()
    assert [int(ranking.ids[i]) for i in ranking.ordered(np.array([a.id]))] == [a.id]


def test_visit_candidates_come_from_the_ranking(office, org, interaction):
    """`visits plan --top N` takes the best-ranked located organizations not visited recently."""
    best = org(employees=300, law68_subject=True, law68_protected_employed=0)
    visited = org(employees=300, law68_subject=True, law68_protected_employed=0)
    interaction(visited, 10, kind=InteractionKind.VISIT)
    unlocated = org(employees=300, law68_subject=True, latitude=None, longitude=None)
    other = org(employees=5)
    chosen = visit_priority_candidates(3, today=local_today())
    assert [c.organization.id for c in chosen] == [best.id, other.id]
    ranking = build_ranking()
    assert chosen[0].priority == round(ranking.score[ranking.index_of(best.id)])
    assert unlocated.id not in [o for o, _p in ranked_for_visits(10)]
    assert set(stop_priorities([best.id, other.id])) == {best.id, other.id}
    assert visit_priority_candidates(0, today=local_today()) == []
