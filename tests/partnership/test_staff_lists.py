"""Social workers are users, but not hub staff: they appear in no list of colleagues."""

from __future__ import annotations

from datetime import date

from crm.auth.models import Role


def test_referrers_own_no_organizations(make_user):
    """The owner choices of an organization list hub staff only."""
    from crm.organizations.services import owner_candidates

    staff = make_user(Role.OPERATOR, full_name="Anna Operatrice")
    make_user(Role.REFERRER, full_name="Bruno Assistente")
    assert [u.id for u in owner_candidates()] == [staff.id]


def test_referrers_are_not_in_the_team_workload(make_user):
    """The home page's team table counts hub staff's follow-ups, never social workers'."""
    from crm.main.services import team_workload

    staff = make_user(Role.COORDINATOR, full_name="Carla Coordinatrice")
    make_user(Role.REFERRER, full_name="Dario Assistente")
    assert [row.user.id for row in team_workload(date(2026, 11, 25))] == [staff.id]
