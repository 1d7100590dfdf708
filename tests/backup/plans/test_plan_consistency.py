"""A plan acceptance failing half way (the process dies, the database refuses a row) leaves no visit
behind and the plan still solved, ready to be accepted again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.interactions.models import Interaction
from crm.visits import services as visit_services
from crm.visits.models import PlanStatus, VisitPlan


def _count(model: type) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_plan_acceptance_failing_half_way_leaves_the_plan_solved(
    field_staff, orgs, make_request, coordinator, monkeypatch
):
    """An error after some visits are written: no visit remains and the plan can still be accepted."""
    plan = visit_services.create_plan(make_request(field_staff, orgs), by=coordinator)
    visit_services.submit_plan(plan)
    db.session.refresh(plan)
    assert plan.status is PlanStatus.SOLVED
    plan_id = plan.id
    real = visit_services.local_instant
    calls = {"n": 0}

    def fail_on_third(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            db.session.flush()  # the first visits are in the transaction
            raise RuntimeError("process died")
        return real(*args, **kwargs)

    monkeypatch.setattr(visit_services, "local_instant", fail_on_third)
    with pytest.raises(RuntimeError):
        visit_services.accept_plan(plan, by=coordinator)
    db.session.rollback()  # what the request's teardown does
    assert _count(Interaction) == 0
    plan = db.session.get(VisitPlan, plan_id)
    assert plan.status is PlanStatus.SOLVED and plan.accepted_at is None

    monkeypatch.setattr(visit_services, "local_instant", real)
    assert visit_services.accept_plan(plan, by=coordinator) == len(orgs)
    assert _count(Interaction) == len(orgs)
