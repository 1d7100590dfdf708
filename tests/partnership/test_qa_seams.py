"""Seams found by the QA pass between the partnership pages and the rest of the app."""

from __future__ import annotations

from datetime import date, timedelta

from crm.auth.models import Role
from crm.partnership.services import add_action


def test_followups_board_hides_plan_items_from_admins(client, auth, operator, make_user, make_candidate,
                                                      make_plan):
    """An admin viewing an operator's board sees no plan actions: they link to plans admins may not open."""
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)
    add_action(
        plan,
        {"description": "Chiamare il CPI", "owner_kind": "hub", "owner_user_id": operator.id,
         "due_on": date.today() - timedelta(days=1)},
        by=operator,
    )
    auth.login(make_user(Role.ADMIN))
    response = client.get(f"/follow-ups/?assignee={operator.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Chiamare il CPI" not in page
    assert f"/partnership/candidates/{candidate.id}/plan" not in page


def test_plan_version_page_formats_dates(client, auth, operator, make_candidate, make_plan):
    """A version's snapshot keeps dates as ISO strings: the page shows them formatted, not 2026-05-31."""
    candidate = make_candidate(operator)
    make_plan(candidate, operator)
    auth.login(operator)
    response = client.get(f"/partnership/candidates/{candidate.id}/plan/versions/1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2026-05-31" not in page and "2026-06-15" not in page
    assert "May 31, 2026" in page and "Jun 15, 2026" in page
