"""``flask visits plan``: routes printed, visits accepted on request, clear errors otherwise."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.auth.models import Role
from crm.extensions import db
from crm.interactions.models import Interaction, InteractionStatus
from crm.offices.models import Office
from tests.visits.conftest import DAY


def test_plan_prints_routes_and_left_out_organizations(runner, field_staff, orgs, make_org):
    """Each route lists operator, day, times and organizations; what is left out says why."""
    nowhere = make_org(legal_name="Senza Posto S.p.A.", latitude=None, longitude=None, geo_precision=None)
    ids = [arg for o in [*orgs, nowhere] for arg in ("--organization", str(o.id))]
    result = runner.invoke(args=["visits", "plan", "--date", DAY.isoformat(), "--seconds", "1", *ids])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Plan #" in out and DAY.isoformat() in out
    assert "Anna Operatrice" in out or "Bruno Operatore" in out
    assert all(o.legal_name in out for o in orgs)
    assert "(Firenze)" in out
    assert "Senza Posto S.p.A." in out and "no location" in out.lower()
    assert db.session.scalar(select(func.count(Interaction.id))) == 0


def test_plan_top_n_for_chosen_staff_and_accept(runner, field_staff, orgs):
    """--top picks organizations, --staff the people, --accept writes planned visits."""
    result = runner.invoke(
        args=[
            "visits", "plan", "--date", DAY.isoformat(), "--top", "3",
            "--staff", field_staff[0].email.upper(), "--accept",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Accepted: 3 planned visits written." in result.output
    visits = db.session.scalars(select(Interaction)).all()
    assert len(visits) == 3
    assert {v.user_id for v in visits} == {field_staff[0].id}
    assert {v.status for v in visits} == {InteractionStatus.PLANNED}


def test_plan_rejects_bad_input(runner, make_user, orgs, office):
    """Bad date, unknown staff, no operators, no office with coordinates, nothing to visit."""
    bad_date = runner.invoke(args=["visits", "plan", "--date", "2030-02-30", "--top", "2"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    nobody = runner.invoke(args=["visits", "plan", "--date", DAY.isoformat(), "--top", "2"])
    assert nobody.exit_code == 1 and "no active operators" in nobody.output
    make_user(Role.OPERATOR, office_id=office.id)
    unknown = runner.invoke(args=["visits", "plan", "--date", DAY.isoformat(), "--staff", "who@x.it"])
    assert unknown.exit_code == 1 and "Unknown staff member: who@x.it" in unknown.output
    nothing = runner.invoke(args=["visits", "plan", "--date", DAY.isoformat()])
    assert nothing.exit_code == 1 and "Nothing to visit" in nothing.output
    office.latitude = office.longitude = None
    db.session.commit()
    no_office = runner.invoke(args=["visits", "plan", "--date", DAY.isoformat(), "--top", "2"])
    assert no_office.exit_code == 1 and "No office has coordinates" in no_office.output
    assert db.session.scalar(select(func.count(Office.id))) == 1


def test_plan_reports_stops_that_cannot_be_planned(runner, field_staff, make_org):
    """An organization open only outside working hours is named with the reason."""
    evening = make_org(legal_name="Serale S.r.l.", opening_hours={"tue": [["19:00", "23:00"]]})
    result = runner.invoke(
        args=["visits", "plan", "--date", DAY.isoformat(), "--organization", str(evening.id)]
    )
    assert result.exit_code == 1
    assert "Serale S.r.l." in result.output and "opening hours" in result.output
