from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.interactions.models import Interaction, InteractionKind
from crm.main.services import dashboard_for, greeting_key
from crm.organizations.models import OrganizationStatus

TODAY = date(2025, 6, 11)


def _follow_up(user, due, **fields):
    follow_up = FollowUp(
        title=fields.pop("title", f"Task {due}"), due_date=due, assignee_id=user.id,
        created_by_id=user.id, **fields,
    )
    db.session.add(follow_up)
    db.session.commit()
    return follow_up


@contextmanager
def _count_queries():
    statements: list[str] = []

    def _before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", _before)


def _populate(user, make_org, n):
    for i in range(n):
        org = make_org(owner=user, status=list(OrganizationStatus)[i % len(OrganizationStatus)])
        _follow_up(user, TODAY - timedelta(days=i % 2), organization_id=org.id)
        db.session.add(Interaction(organization_id=org.id, user_id=user.id,
                                   kind=InteractionKind.CALL, subject=f"Call {i}"))
    db.session.commit()


def test_greeting_follows_the_hour():
    """Morning until one o'clock, afternoon until six, then evening."""
    assert [greeting_key(h) for h in (8, 13, 19, 2)] == ["morning", "afternoon", "evening", "evening"]


def test_dashboard_data(operator, make_user, make_org):
    """My overdue and due-today tasks, my organizations by status, my recent interactions."""
    other = make_user(Role.OPERATOR)
    late = _follow_up(operator, TODAY - timedelta(days=2))
    now = _follow_up(operator, TODAY)
    _follow_up(operator, TODAY + timedelta(days=1))
    _follow_up(operator, TODAY - timedelta(days=1), status=FollowUpStatus.DONE)
    _follow_up(other, TODAY)
    make_org(owner=operator)
    make_org(owner=operator, status=OrganizationStatus.ACTIVE_PARTNER)
    make_org(owner=other)
    data = dashboard_for(operator, today=TODAY)
    assert data["overdue"] == [late]
    assert data["due_today"] == [now]
    assert data["organizations_by_status"][OrganizationStatus.PROSPECT] == 1
    assert data["organizations_by_status"][OrganizationStatus.ACTIVE_PARTNER] == 1
    assert data["organizations_by_status"][OrganizationStatus.DORMANT] == 0
    assert data["my_organizations"] == 2
    assert data["team"] == []


def test_team_totals_for_coordinators(coordinator, operator):
    """Coordinators see open and overdue follow-ups per colleague."""
    _follow_up(operator, TODAY - timedelta(days=1))
    _follow_up(operator, TODAY + timedelta(days=3))
    team = {row.user.id: (row.open, row.overdue) for row in dashboard_for(coordinator, today=TODAY)["team"]}
    assert team[operator.id] == (2, 1)
    assert team[coordinator.id] == (0, 0)


def test_dashboard_queries_are_bounded(coordinator, make_org):
    """The number of queries does not grow with the data."""
    _populate(coordinator, make_org, 2)
    db.session.expire_all()
    with _count_queries() as few:
        dashboard_for(coordinator, today=TODAY)
    _populate(coordinator, make_org, 12)
    db.session.expire_all()
    with _count_queries() as many:
        dashboard_for(coordinator, today=TODAY)
    assert len(many) == len(few) <= 12


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.REFERRER])
def test_home_page_renders_for_each_role(client, auth, make_user, make_org, role):
    """Every role gets its home page with its tasks and complete buttons."""
    user = make_user(role, full_name="Chiara Neri")
    org = make_org(owner=user)
    _follow_up(user, date.today() - timedelta(days=5), title="Richiamare la cooperativa",
               organization_id=org.id)
    auth.login(user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Chiara" in html
    assert "Richiamare la cooperativa" in html
    assert "/complete" in html
    assert f"owner={user.id}" in html
    assert ("Chiara Neri</a>" in html) == user.is_coordinator  # the team table


def test_home_page_renders_empty(client, auth, operator):
    """A new user with nothing yet gets friendly empty states."""
    auth.login(operator)
    assert client.get("/").status_code == 200
