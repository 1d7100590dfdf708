"""From a visit to a hire: the opening, who fits, presenting, the placement and its follow-ups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.auth.models import Role
from crm.candidates.models import Candidate, CandidateStatus
from crm.candidates.services import add_assessment
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.interactions.models import Interaction, InteractionKind
from crm.openings.models import Opening, OpeningStatus, PipelineEntry, PipelineStage, Placement
from crm.privacy.models import AccessAction, AccessLog
from tests.candidates.conftest import FIRENZE, FIRENZUOLA

READY = dict(professional_skills=3, work_experience=3, motivation=4, autonomy=3, constraints=3, support=3)


def _visit(organization, user) -> Interaction:
    visit = Interaction(
        organization=organization, user_id=user.id, kind=InteractionKind.VISIT, subject="Visita"
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def _opening_form(skills, **changes):
    return {
        "title": "Addetto/a pulizie uffici",
        "job_family": "Pulizie e sanificazione",
        "ateco_section": "N",
        "contract": "fixed_term",
        "hours_per_week": "25",
        "shifts": ["morning"],
        "required_skill_ids": [str(skills["Pulizie"].id)],
        "desirable_skill_ids": [str(skills["Cassa"].id)],
        "positions": "1",
        "status": "open",
        **changes,
    }


def test_opening_from_a_visit_to_a_hire(
    client, auth, coordinator, operator, make_user, organization, skills, make_candidate
):
    """The coordinator's journey of the issue, step by step."""
    visit = _visit(organization, coordinator)
    near = make_candidate(operator, first_name="Vicina", skills=[skills["Pulizie"]], comune_code=FIRENZE)
    far = make_candidate(
        operator,
        first_name="Lontana",
        skills=[skills["Pulizie"]],
        comune_code=FIRENZUOLA,
        max_commute_minutes=30,
    )
    other = make_candidate(make_user(Role.OPERATOR), first_name="Terza", skills=[skills["Cassa"]])
    for c in (near, far, other):
        add_assessment(c, READY, by=coordinator)
    auth.login(coordinator)

    org_page = client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert f"/openings/new?organization_id={organization.id}&amp;interaction_id={visit.id}" in org_page
    response = client.post(
        f"/openings/new?organization_id={organization.id}&interaction_id={visit.id}",
        data=_opening_form(skills, interaction_id=str(visit.id)),
    )
    assert response.status_code == 302
    opening = db.session.scalars(select(Opening)).one()
    assert opening.interaction_id == visit.id and opening.comune_code == FIRENZE
    assert opening.latitude == organization.latitude
    assert [s.name for s in opening.required_skills] == ["Pulizie"]
    assert opening.title in client.get(f"/organizations/{organization.id}").get_data(as_text=True)

    matches = client.get(f"/openings/{opening.id}/matches").get_data(as_text=True)
    assert matches.index(near.code) < matches.index(far.code)
    assert "too far" in matches or "troppo" in matches.lower()
    assert "Vicina" not in matches and "Lontana" not in matches

    for c in (near, far):
        client.post(f"/openings/{opening.id}/shortlist", data={"candidate_id": str(c.id), "score": "80"})
    entries = {e.candidate_id: e for e in db.session.scalars(select(PipelineEntry))}
    assert {e.stage for e in entries.values()} == {PipelineStage.PROPOSED}

    for c in (near, far):
        entry = entries[c.id]
        client.post(f"/openings/pipeline/{entry.id}/stage", data={"stage": "presented"})
        profile = client.get(f"/openings/pipeline/{entry.id}/profile").get_data(as_text=True)
        assert c.code in profile and "Vicina" not in profile and "Lontana" not in profile
        assert client.get(f"/openings/pipeline/{entry.id}/profile.pdf").data.startswith(b"%PDF")
    presented = db.session.scalars(select(AccessLog).where(AccessLog.action == AccessAction.PRESENT)).all()
    assert len(presented) == 4

    client.post(f"/openings/pipeline/{entries[near.id].id}/stage", data={"stage": "interview"})
    refused = client.post(f"/openings/pipeline/{entries[far.id].id}/stage", data={"stage": "not_hired"})
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(PipelineEntry, entries[far.id].id).stage is PipelineStage.PRESENTED
    client.post(
        f"/openings/pipeline/{entries[far.id].id}/stage",
        data={"stage": "not_hired", "not_hired_reason": "employer_declined"},
    )
    hired = client.post(
        f"/openings/pipeline/{entries[near.id].id}/hire",
        data={"start_date": "2026-05-04", "contract": "fixed_term", "hours_per_week": "25"},
    )
    assert hired.status_code == 302

    db.session.expire_all()
    placement = db.session.scalars(select(Placement)).one()
    assert [c.months for c in placement.checks] == [1, 3, 6, 12]
    assert [c.due_date for c in placement.checks] == [
        date(2026, 6, 4),
        date(2026, 8, 4),
        date(2026, 11, 4),
        date(2027, 5, 4),
    ]
    tasks = db.session.scalars(select(FollowUp).order_by(FollowUp.due_date)).all()
    assert len(tasks) == 4 and {t.assignee_id for t in tasks} == {operator.id}
    assert all(near.code in t.title and "Vicina" not in t.title for t in tasks)
    assert db.session.get(Candidate, near.id).status is CandidateStatus.PLACED
    assert db.session.get(Opening, opening.id).status is OpeningStatus.FILLED
    assert db.session.get(PipelineEntry, entries[far.id].id).stage is PipelineStage.NOT_HIRED

    auth.logout()
    auth.login(operator)
    board = client.get("/followups/").get_data(as_text=True)
    assert near.code in board
    first = placement.checks[0]
    client.post(f"/candidates/checks/{first.id}", data={"still_employed": "yes"})
    db.session.expire_all()
    check = db.session.get(Placement, placement.id).checks[0]
    assert check.still_employed is True and check.follow_up.status is FollowUpStatus.DONE


def test_operator_sees_codes_only_in_matching(
    client, auth, operator, make_user, organization, skills, make_candidate, coordinator
):
    """Matching results never carry names, even of the operator's own people."""
    from crm.openings.services import create_opening

    opening = create_opening(organization, {"title": "Magazziniere", "contract": "permanent"}, by=coordinator)
    mine = make_candidate(operator, first_name="Propria")
    theirs = make_candidate(make_user(Role.OPERATOR), first_name="Altrui")
    auth.login(operator)
    page = client.get(f"/openings/{opening.id}/matches").get_data(as_text=True)
    assert mine.code in page and theirs.code in page
    assert "Propria" not in page and "Altrui" not in page


def test_only_the_follower_moves_the_pipeline(
    client, auth, operator, make_user, organization, skills, make_candidate, coordinator
):
    """Another operator may propose a candidate but not move their pipeline; admins see no shortlist."""
    from crm.openings.services import create_opening

    opening = create_opening(organization, {"title": "Cuoco", "contract": "tirocinio"}, by=coordinator)
    theirs = make_candidate(make_user(Role.OPERATOR))
    auth.login(operator)
    client.post(f"/openings/{opening.id}/shortlist", data={"candidate_id": str(theirs.id)})
    entry = db.session.scalars(select(PipelineEntry)).one()
    assert client.post(f"/openings/pipeline/{entry.id}/stage", data={"stage": "presented"}).status_code == 403
    assert client.get(f"/openings/pipeline/{entry.id}/hire").status_code == 403
    auth.logout()
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    page = client.get(f"/openings/{opening.id}")
    assert page.status_code == 200 and theirs.code not in page.get_data(as_text=True)
    assert client.get(f"/openings/{opening.id}/matches").status_code == 403


def test_openings_match_command_prints_ranked_codes(
    runner, coordinator, operator, organization, skills, make_candidate
):
    """``flask openings match ID --top N`` prints codes, scores and reasons, never names."""
    from crm.openings.services import create_opening

    opening = create_opening(
        organization,
        {"title": "Pulizie", "contract": "fixed_term", "ateco_section": "N"},
        by=coordinator,
        required_skill_ids=[skills["Pulizie"].id],
    )
    best = make_candidate(operator, first_name="Prima", skills=[skills["Pulizie"]])
    make_candidate(operator, first_name="Seconda")
    make_candidate(operator, first_name="Terza")
    result = runner.invoke(args=["openings", "match", str(opening.id), "--top", "2"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "/100" in line]
    assert len(lines) == 2 and best.code in lines[0]
    assert "Prima" not in result.output and "Seconda" not in result.output
    assert runner.invoke(args=["openings", "match", "999"]).exit_code != 0
