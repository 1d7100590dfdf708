"""The demo holds visits logged from the field: results that agree with the outcomes, arrival and
departure times, next steps with follow-ups, and one *opening found* linked to its opening."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.demo.field import FIELD_DAYS
from crm.demo.generator import generate
from crm.extensions import db
from crm.field.services import OUTCOME_OF
from crm.followups.models import FollowUp
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus, VisitResult
from crm.openings.models import Opening

TODAY = date(2026, 3, 11)


@pytest.fixture(scope="module")
def demo():
    return generate(seed=2025, scale=400, today=TODAY)


def _logged(data):
    return [x for x in data.interactions if x["visit_result"] is not None]


def test_recent_visits_are_logged_with_results_and_times(demo):
    """Done visits of the last weeks carry a result matching their outcome and plausible times."""
    logged = _logged(demo)
    assert len(logged) >= 10
    assert len({x["visit_result"] for x in logged}) >= 4
    for visit in logged:
        assert visit["kind"] is InteractionKind.VISIT and visit["status"] is InteractionStatus.DONE
        assert OUTCOME_OF[visit["visit_result"]] is visit["outcome"]
        assert visit["arrived_at"] == visit["occurred_at"]
        assert visit["arrived_at"] < visit["left_at"] <= visit["arrived_at"] + timedelta(hours=2)
        assert visit["created_at"] <= visit["updated_at"]
        assert visit["left_at"] <= visit["updated_at"]
        assert visit["left_at"].date() < TODAY
    # Only visits are logged from the field; older visits were not (field mode is recent).
    others = [x for x in demo.interactions if x["visit_result"] is None]
    assert all(x["arrived_at"] is None and x["left_at"] is None for x in others)
    since = TODAY - timedelta(days=FIELD_DAYS)
    opening_visit = next(x for x in logged if x["visit_result"] is VisitResult.OPENING_FOUND)
    assert all(x["occurred_at"].date() >= since for x in logged if x is not opening_visit)


def test_one_opening_found_with_its_opening(demo):
    """Exactly one visit is logged as "opening found", and an opening of its organization is linked to it."""
    found = [x for x in _logged(demo) if x["visit_result"] is VisitResult.OPENING_FOUND]
    assert len(found) == 1
    (visit,) = found
    openings = [o for o in demo.openings if o["interaction_id"] == visit["id"]]
    assert openings and openings[0]["organization_id"] == visit["organization_id"]
    assert visit["next_step"]


def test_next_steps_have_their_follow_up(demo):
    """Every logged next step has a follow-up on the visit, titled by it, for the visit's operator."""
    with_step = [x for x in _logged(demo) if x["next_step"]]
    assert with_step
    by_visit = {}
    for f in demo.follow_ups:
        by_visit.setdefault(f["interaction_id"], []).append(f)
    for visit in with_step:
        titles = {f["title"] for f in by_visit.get(visit["id"], [])}
        assert visit["next_step"] in titles
        follow_up = next(f for f in by_visit[visit["id"]] if f["title"] == visit["next_step"])
        assert follow_up["due_date"] >= visit["occurred_at"].date()
    ids = [f["id"] for f in demo.follow_ups]
    assert ids == list(range(1, len(ids) + 1))


def test_field_logs_are_deterministic():
    """Same seed, scale and day: the same logs; another seed: others."""
    a = _logged(generate(seed=7, scale=120, today=TODAY))
    b = _logged(generate(seed=7, scale=120, today=TODAY))
    c = _logged(generate(seed=8, scale=120, today=TODAY))
    assert a == b and a
    assert [x["id"] for x in a] != [x["id"] for x in c]


def test_demo_loads_the_field_logs(runner, client):
    """``demo-data`` writes the logs: the opening found is linked, the follow-ups are on their visits."""
    result = runner.invoke(
        args=["demo-data", "--seed", "2025", "--scale", "400", "--today", TODAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    logged = db.session.scalars(select(Interaction).where(Interaction.visit_result.is_not(None))).all()
    assert len(logged) >= 10 and all(x.left_at > x.arrived_at for x in logged)
    (found,) = [x for x in logged if x.visit_result is VisitResult.OPENING_FOUND]
    assert db.session.scalars(select(Opening).where(Opening.interaction_id == found.id)).first() is not None
    steps = [x for x in logged if x.next_step]
    titles = {
        (f.interaction_id, f.title)
        for f in db.session.scalars(
            select(FollowUp).where(FollowUp.interaction_id.in_([x.id for x in steps]))
        )
    }
    assert all((x.id, x.next_step) in titles for x in steps)
