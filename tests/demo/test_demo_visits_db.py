"""The demo's visit plans in the database: the CRM reads them as its own accepted plans, and the
outcomes dashboard gets its kilometres from them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.demo.generator import DEMO_PASSWORD, OPERATOR_IDS, generate
from crm.demo.services import load_demo_data
from crm.extensions import db
from crm.interactions.models import Interaction, InteractionStatus
from crm.outcomes import services as outcomes
from crm.outcomes.cli import report_data
from crm.visits import services as visits
from crm.visits.models import PlanStatus, VisitPlan

TODAY = date(2026, 3, 11)


@pytest.fixture
def demo(app):
    data = generate(seed=4, scale=150, today=TODAY)
    load_demo_data(data)
    return data


def test_loaded_plans_are_accepted_feasible_and_linked_to_their_visits(demo):
    """Every plan is accepted, passes the CRM's own check, and owns exactly its visits."""
    plans = db.session.scalars(select(VisitPlan).order_by(VisitPlan.id)).all()
    assert len(plans) == len(demo.visit_plans) > 0
    for plan in plans:
        assert plan.status is PlanStatus.ACCEPTED
        assert visits.check(plan) == []
        view = visits.plan_view(plan)
        linked = db.session.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.visit_plan_id == plan.id)
        )
        assert view is not None and view.visits == linked > 0
    # Accepting again changes nothing (the CRM sees them as accepted already).
    assert visits.accept_plan(plans[0], by=None) == 0


def test_outcomes_kilometres_come_from_the_demo_plans(demo):
    """The dashboard's kilometres are the routes' distances, no longer 0."""
    start, end = TODAY - timedelta(weeks=13), TODAY - timedelta(days=1)
    board = outcomes.dashboard(start, end, as_of=TODAY)
    expected = 0.0
    for plan in demo.visit_plans:
        for route in plan["result"]["routes"]:
            if start <= date.fromordinal(route["day"]) <= end:
                expected += sum(s.get("distance") or 0 for s in route["steps"]) / 1000
    assert board.outputs.km > 0
    assert board.outputs.km == pytest.approx(round(expected, 1), abs=0.11)
    assert report_data(start, end)["outputs"]["km"] == board.outputs.km
    one = outcomes.dashboard(start, end, outcomes.calc.Filters(operator_id=OPERATOR_IDS[0]), as_of=TODAY)
    assert 0 < one.outputs.km < board.outputs.km


def test_operator_agenda_of_a_past_week_shows_the_round(demo):
    """An operator's agenda of a past week lists the plan's done visits."""
    plan = demo.visit_plans[-4]  # a past week
    first, last = visits.week_of(plan["first_day"])
    staff = {
        int(r["staff_id"]) for r in plan["result"]["routes"] if any(s["type"] == "job" for s in r["steps"])
    }
    user_id = min(staff)
    days = visits.agenda(user_id, first, last)
    rows = [x for _day, xs in days for x in xs if x.visit_plan_id == plan["id"]]
    assert rows and all(x.status is InteractionStatus.DONE for x in rows)


def test_plan_page_renders_for_the_coordinator(demo, client, auth):
    """The coordinator opens a demo plan: its routes, kilometres and visits are on the page."""
    from crm.auth.models import User

    coordinator = db.session.scalar(select(User).where(User.email == "coordinatore@demo.local"))
    auth.login(coordinator, DEMO_PASSWORD)
    plan = db.session.scalars(select(VisitPlan).order_by(VisitPlan.id.desc())).first()
    response = client.get(f"/visits/plans/{plan.id}")
    assert response.status_code == 200
    assert "km" in response.get_data(as_text=True)
