"""The demo data holds two referring offices with social workers who log in and follow their people."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.auth.models import Role, User
from crm.demo.generator import generate
from crm.demo.partnership import PARTNERSHIP_ACCOUNTS, PORTAL_OFFICES
from crm.extensions import db
from crm.partnership.models import Plan, PlanVersion, Referral, Referrer


def test_demo_rows_have_two_portal_offices_with_plans():
    data = generate(seed=5, scale=400, today=date(2026, 11, 25))
    rows = data.partnership
    offices = {o["id"]: o["name"] for o in rows["referring_offices"]}
    with_referrers = {offices[r["office_id"]] for r in rows["referrers"]}
    assert with_referrers == set(PORTAL_OFFICES)
    followed = [r for r in rows["referrals"] if r["referrer_id"] is not None]
    assert {r["referrer_id"] for r in followed} == {a.id for a in PARTNERSHIP_ACCOUNTS}
    planned = {p["candidate_id"] for p in rows["plans"]}
    assert any(r["candidate_id"] in planned for r in followed)
    assert len(rows["referrals"]) == len(data.candidates)
    # Every referrer's action belongs to a plan of one of their own cases.
    plan_case = {p["id"]: p["candidate_id"] for p in rows["plans"]}
    case_referrer = {r["candidate_id"]: r["referrer_id"] for r in rows["referrals"]}
    for action in rows["plan_actions"]:
        if action["owner_kind"].value == "referrer":
            assert case_referrer[plan_case[action["plan_id"]]] == action["owner_user_id"]
    # Versions never predate the referral's first contact.
    first_contact = {r["candidate_id"]: r["first_contact_on"] for r in rows["referrals"]}
    for version in rows["plan_versions"]:
        case = plan_case[version["plan_id"]]
        assert version["created_at"].date() >= first_contact[case]


def test_demo_loads_and_referrers_log_in(runner, client):
    """demo-data loads the partnership; --print-logins lists the social workers; one logs in."""
    result = runner.invoke(args=["demo-data", "--seed", "3", "--scale", "40", "--today", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Referrer)) == 3
    assert db.session.scalar(select(func.count()).select_from(Referral)) > 0
    assert db.session.scalar(select(func.count()).select_from(PlanVersion)) >= db.session.scalar(
        select(func.count()).select_from(Plan)
    )
    logins = runner.invoke(args=["demo-data", "--print-logins"]).output
    for account in PARTNERSHIP_ACCOUNTS:
        assert account.email in logins
    user = db.session.scalars(select(User).where(User.email == PARTNERSHIP_ACCOUNTS[0].email)).one()
    assert user.role is Role.REFERRER
    client.post("/login", data={"email": user.email, "password": "demo"})
    assert client.get("/partnership/portal/").status_code == 200
