"""Hub pages of the plan, the referral form, notifications through a fake mail transport, timeliness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.auth.models import Role
from crm.candidates.models import Candidate, ConsentPurpose
from crm.db_types import utcnow
from crm.extensions import db
from crm.openings.models import ContractType, Opening, PipelineEntry, PipelineStage
from crm.partnership.models import NotificationKind, PartnershipNotification, Plan, PlanAction, Referral
from crm.partnership.notifications import collect_events, send_notifications
from crm.partnership.services import add_action
from crm.partnership.timeliness import CaseDates, summarise, timeliness_rows


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list = []

    def send(self, messages) -> None:
        self.sent.extend(messages)


@pytest.fixture
def mailbox(app):
    fake = FakeTransport()
    app.extensions["partnership_mail"] = fake
    yield fake
    app.extensions.pop("partnership_mail", None)


def test_operator_writes_plan_and_candidate_page_shows_it(client, auth, operator, make_candidate):
    """The plan form saves goals and supports; the candidate page shows the plan beside the rest."""
    candidate = make_candidate(operator)
    auth.login(operator)
    assert client.get(f"/partnership/candidates/{candidate.id}/plan/new").status_code == 200
    response = client.post(
        f"/partnership/candidates/{candidate.id}/plan/new",
        data={
            "goals-0-text": "Primo colloquio entro marzo",
            "goals-0-status": "open",
            "goals-1-text": "",
            "supports-0-kind": "childcare",
            "supports-0-detail": "Nido comunale",
            "next_review_on": "2026-06-01",
        },
    )
    assert response.status_code == 302
    plan = db.session.scalars(db.select(Plan)).one()
    assert [g.text for g in plan.goals] == ["Primo colloquio entro marzo"]
    assert plan.supports[0]["kind"] == "childcare"
    page = client.get(f"/candidates/{candidate.id}").get_data(as_text=True)
    assert "Primo colloquio entro marzo" in page and "Tailored plan" in page
    assert client.get(f"/partnership/candidates/{candidate.id}/plan").status_code == 200


def test_plan_form_without_goal_rerenders_with_error(client, auth, operator, make_candidate):
    candidate = make_candidate(operator)
    auth.login(operator)
    response = client.post(
        f"/partnership/candidates/{candidate.id}/plan/new",
        data={"goals-0-text": "", "next_review_on": "2026-06-01"},
    )
    assert response.status_code == 200 and "Write at least one goal." in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Plan)).first() is None


def test_print_pdf_and_signature(client, auth, operator, make_candidate, make_plan):
    """The printable plan and the PDF carry the goals and signature lines; signing records a consent."""
    candidate = make_candidate(operator)
    make_plan(candidate, operator)
    auth.login(operator)
    html = client.get(f"/partnership/candidates/{candidate.id}/plan/print").get_data(as_text=True)
    assert "Ottenere il patentino del muletto" in html and "data-print" in html and "<script>" not in html
    pdf = client.get(f"/partnership/candidates/{candidate.id}/plan.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert b"Ottenere il patentino del muletto" in pdf.data and b"Signatures" in pdf.data
    response = client.post(
        f"/partnership/candidates/{candidate.id}/plan/sign",
        data={"signed_on": "2026-03-20", "document": "Prot. 5"},
    )
    assert response.status_code == 302
    assert any(c.purpose is ConsentPurpose.PLAN_AGREEMENT for c in candidate.consents)


def test_followups_page_lists_overdue_plan_actions(client, auth, operator, make_candidate, make_plan):
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)
    add_action(
        plan,
        {
            "description": "Telefonare al centro per l'impiego",
            "owner_kind": "hub",
            "owner_user_id": operator.id,
            "due_on": date.today() - timedelta(days=3),
        },
        by=operator,
    )
    auth.login(operator)
    page = client.get("/follow-ups/").get_data(as_text=True)
    assert "Telefonare al centro per l&#39;impiego" in page and candidate.code in page and "overdue" in page


def test_referrer_refers_a_person(client, auth, make_referrer):
    """The referral form creates the candidate, the referral and the consents; missing consent is refused."""
    referrer = make_referrer()
    auth.login(referrer)
    data = {
        "first_name": "Giulia",
        "last_name": "Nuova",
        "reasons": "Cerca lavoro part-time",
        "consent_on": "2026-03-01",
        "consent_document": "Prot. 7",
    }
    response = client.post("/partnership/portal/refer", data=data)
    assert response.status_code == 200 and "signed consent" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Referral)).first() is None
    response = client.post("/partnership/portal/refer", data={**data, "consent": "y"})
    assert response.status_code == 302
    referral = db.session.scalars(db.select(Referral)).one()
    candidate = db.session.get(Candidate, referral.candidate_id)
    assert referral.referrer_id == referrer.id and candidate.operator_id is None
    assert {c.purpose for c in candidate.consents} == {
        ConsentPurpose.DATA_PROCESSING,
        ConsentPurpose.SHARING_WITH_SOCIAL_SERVICES,
    }
    assert "Giulia" in client.get("/partnership/portal/").get_data(as_text=True)


def _present(candidate, make_org, when=None):
    org = make_org(legal_name="Ditta Segreta S.p.A.")
    opening = Opening(organization=org, title="Addetto pulizie", contract=ContractType.PERMANENT)
    db.session.add(opening)
    db.session.flush()
    entry = PipelineEntry(
        opening_id=opening.id,
        candidate_id=candidate.id,
        stage=PipelineStage.PRESENTED,
        presented_at=when or utcnow(),
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def test_notifications_carry_a_link_and_no_personal_data(app, mailbox, make_referrer, refer, make_org):
    """A presentation becomes one notification, e-mailed once, with a link and no name, code or employer."""
    referrer = make_referrer()
    referral = refer(referrer)
    _present(referral.candidate, make_org)
    assert collect_events() == 1
    assert collect_events() == 0  # once per event
    report = send_notifications()
    assert report.emails == 1 and report.notifications == 1
    (message,) = mailbox.sent
    assert message.to == referrer.email
    assert f"/partnership/portal/cases/{referral.candidate_id}" in message.body
    for private in ("Nome", "Riferito", referral.candidate.code, "Ditta Segreta", "Addetto pulizie"):
        assert private not in message.body and private not in message.subject
    assert send_notifications().emails == 0
    note = db.session.scalars(db.select(PartnershipNotification)).one()
    assert note.kind is NotificationKind.PRESENTED and note.sent_at is not None


def test_digest_groups_a_referrers_news(app, mailbox, make_referrer, refer, make_org):
    from crm.partnership.models import NotifyMode, Referrer

    referrer = make_referrer()
    db.session.scalars(db.select(Referrer)).one().notify = NotifyMode.DIGEST
    db.session.commit()
    for _ in range(2):
        _present(refer(referrer).candidate, make_org)
    collect_events()
    assert send_notifications().emails == 0  # instant run: digest users wait
    report = send_notifications(digest=True)
    assert report.emails == 1 and report.notifications == 2
    assert mailbox.sent[0].body.count("/partnership/portal/cases/") == 2


def test_notify_cli_without_mail_server_fails_clearly(app, runner, make_referrer, refer, make_org):
    referral = refer(make_referrer())
    _present(referral.candidate, make_org)
    result = runner.invoke(args=["partnership", "notify"])
    assert result.exit_code != 0 and "CRM_MAIL_SERVER" in result.output
    assert db.session.scalars(db.select(PartnershipNotification)).one().sent_at is None


def test_summarise_medians_per_office():
    """Medians of days from the referral, per office, counting the cases that reached each step."""
    day = date(2026, 1, 1)
    figures = summarise(
        [
            CaseDates("A", day, first_contact=day + timedelta(days=2), plan=day + timedelta(days=10)),
            CaseDates("A", day, first_contact=day + timedelta(days=4)),
            CaseDates("A", day, first_contact=day + timedelta(days=9), hire=day + timedelta(days=60)),
            CaseDates("B", day),
        ]
    )
    a, b = figures
    assert (a.office, a.referrals, b.referrals) == ("A", 3, 1)
    assert a.steps["first_contact"].median_days == 4 and a.steps["first_contact"].count == 3
    assert a.steps["plan"].median_days == 10 and a.steps["hire"].count == 1
    assert a.steps["presentation"].median_days is None and b.steps["plan"].count == 0


def test_timeliness_dashboard(client, auth, coordinator, operator, make_referrer, refer, make_plan, make_org):
    referral = refer(make_referrer())
    referral.candidate.operator_id = operator.id
    referral.first_contact_on = date(2026, 3, 5)
    db.session.commit()
    _present(referral.candidate, make_org, when=datetime(2026, 3, 20, 10, tzinfo=UTC))
    rows = timeliness_rows()
    assert rows[0].first_contact == date(2026, 3, 5) and rows[0].presentation == date(2026, 3, 20)
    auth.login(coordinator)
    page = client.get("/partnership/timeliness").get_data(as_text=True)
    assert "18 days" in page and "3 days" in page
    auth.logout()
    auth.login(operator)
    assert client.get("/partnership/timeliness").status_code == 403


def test_referrer_accounts_are_created_by_coordinators(client, auth, coordinator, make_office):
    office = make_office()
    auth.login(coordinator)
    response = client.post(
        "/partnership/referrers/new",
        data={
            "full_name": "Anna Servizi",
            "email": "anna@comune.fi.it",
            "office_id": str(office.id),
            "notify": "digest",
            "password": "password-lunga-1",
        },
    )
    assert response.status_code == 302
    from crm.auth.models import User

    user = db.session.scalars(db.select(User).where(User.email == "anna@comune.fi.it")).one()
    assert user.role is Role.REFERRER


def test_candidate_list_filters_by_referring_office(
    client, auth, coordinator, make_office, make_referrer, refer
):
    """The candidates list narrows to the people one referring office sent."""
    first, second = make_office(), make_office()
    a = refer(make_referrer(first)).candidate
    b = refer(make_referrer(second)).candidate
    auth.login(coordinator)
    page = client.get(f"/candidates/?office={first.id}").get_data(as_text=True)
    assert a.code in page and b.code not in page


def test_first_contact_is_recorded_for_timeliness(client, auth, operator, make_referrer, refer):
    referral = refer(make_referrer())
    referral.candidate.operator_id = operator.id
    db.session.commit()
    auth.login(operator)
    response = client.post(
        f"/partnership/candidates/{referral.candidate_id}/first-contact",
        data={"first_contact_on": "2026-03-04"},
    )
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.first_contact_on == date(2026, 3, 4)
    page = client.get(f"/partnership/candidates/{referral.candidate_id}/plan").get_data(as_text=True)
    assert "Disoccupata da due anni" in page  # the follower reads the referral's reasons (logged)


def test_referrer_chooses_the_digest(client, auth, make_referrer):
    from crm.partnership.models import NotifyMode, Referrer

    referrer = make_referrer()
    auth.login(referrer)
    assert client.post("/partnership/portal/notifications", data={"notify": "digest"}).status_code == 302
    assert db.session.scalars(db.select(Referrer)).one().notify is NotifyMode.DIGEST
    assert client.post("/partnership/portal/notifications", data={"notify": "weekly"}).status_code == 302
    assert db.session.scalars(db.select(Referrer)).one().notify is NotifyMode.DIGEST


def test_review_and_actions_through_the_pages(client, auth, operator, make_candidate, make_plan):
    """Review form keeps goal ids, adds a version; actions are added, edited and closed from the plan."""
    candidate = make_candidate(operator)
    plan = make_plan(candidate, operator)
    goal = plan.goals[0]
    auth.login(operator)
    form = client.get(f"/partnership/candidates/{candidate.id}/plan/review").get_data(as_text=True)
    assert f'value="{goal.id}"' in form
    response = client.post(
        f"/partnership/candidates/{candidate.id}/plan/review",
        data={
            "achieved": "Patentino ottenuto",
            "goals-0-goal_id": str(goal.id),
            "goals-0-text": goal.text,
            "goals-0-status": "achieved",
            "goals-1-text": "Colloquio in magazzino",
            "goals-1-status": "open",
            "next_review_on": "2026-09-01",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert plan.version == 2 and plan.goals[0].id == goal.id and plan.goals[0].status.value == "achieved"
    response = client.post(
        f"/partnership/candidates/{candidate.id}/plan/actions",
        data={
            "description": "Chiamare il magazzino",
            "owner_kind": "hub",
            "owner_user_id": str(operator.id),
            "due_on": "2026-04-01",
        },
    )
    assert response.status_code == 302
    action = plan.actions[0] if plan.actions else db.session.scalars(db.select(PlanAction)).one()
    response = client.post(
        f"/partnership/actions/{action.id}/edit",
        data={
            "description": "Chiamare il magazzino Nord",
            "owner_kind": "external",
            "owner_name": "",
            "due_on": "2026-04-02",
        },
    )
    assert response.status_code == 200 and "Choose who does it" in response.get_data(as_text=True)
    assert client.post(f"/partnership/actions/{action.id}/status", data={"status": "done"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PlanAction, action.id).status.value == "done"
    page = client.get(f"/partnership/candidates/{candidate.id}/plan/versions/1").get_data(as_text=True)
    assert "Due settimane di tirocinio in logistica" in page  # the old goal, kept in version 1
    assert client.get(f"/partnership/candidates/{candidate.id}/plan/versions/9").status_code == 404


def test_other_operator_cannot_change_the_plan(client, auth, operator, make_user, make_candidate, make_plan):
    candidate = make_candidate(operator)
    make_plan(candidate, operator)
    auth.login(make_user(Role.OPERATOR))
    assert client.get(f"/partnership/candidates/{candidate.id}/plan").status_code == 200  # read: pseudonymous
    assert client.get(f"/partnership/candidates/{candidate.id}/plan/review").status_code == 403
    assert client.get(f"/partnership/candidates/{candidate.id}/plan.pdf").status_code == 403


def test_portal_lists_news_of_own_cases_only(
    app, client, auth, mailbox, coordinator, make_office, make_referrer, refer, make_org
):
    """News shows on the portal; after a transfer the old social worker no longer sees it."""
    from crm.partnership.models import Referrer
    from crm.partnership.services import assign_referrer

    office = make_office()
    old, new = make_referrer(office), make_referrer(office)
    referral = refer(old)
    _present(referral.candidate, make_org)
    collect_events()
    auth.login(old)
    assert "presented to an employer" in client.get("/partnership/portal/").get_data(as_text=True)
    target = db.session.scalars(db.select(Referrer).where(Referrer.user_id == new.id)).one()
    assign_referrer(referral.candidate, target, by=coordinator, reason="cambio")
    assert "presented to an employer" not in client.get("/partnership/portal/").get_data(as_text=True)
