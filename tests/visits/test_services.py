"""Planning service end to end: create, solve (inline), move by hand, accept, re-open, cancel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus
from crm.organizations.models import OrganizationStatus
from crm.visits import services
from crm.visits.jobs import solve_here
from crm.visits.models import PlanStatus
from crm.visits.planning import StopSpec
from tests.visits.conftest import DAY


def _solved(request, by=None):
    plan = services.create_plan(request, by=by)
    services.submit_plan(plan)  # inline in tests
    db.session.refresh(plan)
    return plan


def _visits(plan_id):
    return db.session.scalars(
        select(Interaction).where(Interaction.visit_plan_id == plan_id).order_by(Interaction.id)
    ).all()


def test_plan_serves_every_stop_once_or_explains_why(field_staff, orgs, make_org, make_request):
    """Every organization is visited once, or reported with a reason (closed, no location)."""
    closed = make_org(opening_hours={"mon": [["09:00", "12:00"]]})
    nowhere = make_org(latitude=None, longitude=None, geo_precision=None)
    plan = _solved(make_request(field_staff, [*orgs, closed, nowhere]))
    assert plan.status is PlanStatus.SOLVED
    view = services.plan_view(plan)
    planned = [v.organization_id for r in view.routes for v in r.visits]
    unassigned = [u.organization_id for u in view.unassigned]
    assert sorted(planned + unassigned) == sorted(o.id for o in orgs)
    assert len(planned) == len(set(planned))
    assert plan.excluded == {str(closed.id): "closed", str(nowhere.id): "no_coordinates"}
    assert view.violations == []
    for route in view.routes:
        for visit in route.visits:
            assert visit.start >= 9 * 3600 and visit.departure <= 18 * 3600


def test_accept_creates_planned_visits_once(field_staff, orgs, make_request, coordinator):
    """Accepting writes one planned visit per stop for its operator; accepting again adds nothing."""
    plan = _solved(make_request(field_staff, orgs, purpose="Presentazione del servizio"), by=coordinator)
    written = services.accept_plan(plan, by=coordinator)
    assert written == len(orgs)
    assert plan.status is PlanStatus.ACCEPTED
    visits = _visits(plan.id)
    assert len(visits) == len(orgs)
    view = services.plan_view(plan)
    expected = {v.organization_id: (r.user_id, v.start) for r in view.routes for v in r.visits}
    for visit in visits:
        assert visit.kind is InteractionKind.VISIT and visit.status is InteractionStatus.PLANNED
        assert visit.subject.endswith("Presentazione del servizio")
        user_id, start = expected[visit.organization_id]
        assert visit.user_id == user_id
        local = visit.occurred_at.astimezone(services.local_timezone())
        assert local.date() == DAY and local.hour * 3600 + local.minute * 60 + local.second == start
    assert services.accept_plan(plan, by=coordinator) == 0
    assert len(_visits(plan.id)) == len(orgs)


def test_reopen_and_cancel_withdraw_planned_visits(field_staff, orgs, make_request, coordinator):
    """Re-opening cancels the planned visits until accepted again; cancelling cancels them."""
    plan = _solved(make_request(field_staff, orgs))
    services.accept_plan(plan, by=coordinator)
    assert services.reopen_plan(plan, by=coordinator) == len(orgs)
    assert plan.status is PlanStatus.SOLVED
    assert {v.status for v in _visits(plan.id)} == {InteractionStatus.CANCELLED}
    services.accept_plan(plan, by=coordinator)
    assert len(_visits(plan.id)) == len(orgs)  # the same rows, planned again
    assert {v.status for v in _visits(plan.id)} == {InteractionStatus.PLANNED}
    done = _visits(plan.id)[0]
    done.status = InteractionStatus.DONE
    db.session.commit()
    assert services.cancel_plan(plan, by=coordinator) == len(orgs) - 1
    statuses = [v.status for v in _visits(plan.id)]
    assert statuses.count(InteractionStatus.DONE) == 1
    assert statuses.count(InteractionStatus.CANCELLED) == len(orgs) - 1
    with pytest.raises(services.PlanStateError):
        services.cancel_plan(plan, by=coordinator)


def test_moving_a_visit_is_rechecked(field_staff, make_org, make_request, coordinator):
    """Moving a visit to after the organization closes is reported as a violation."""
    early = make_org(opening_hours={"tue": [["09:00", "10:00"]]})
    others = [make_org(opening_hours=None) for _ in range(3)]
    plan = _solved(make_request(field_staff[:1], [early, *others], minutes=60))
    route = services.plan_view(plan).routes[0]
    assert route.visits[0].organization_id == early.id
    violations = services.move_visit(plan, str(early.id), target=route.shift_id, by=coordinator)
    assert {v.code for v in violations} == {"late"}
    assert {v.stop_id for v in violations} == {str(early.id)}
    assert plan.edited
    with pytest.raises(services.PlanViolationsError):
        services.accept_plan(plan, by=coordinator)
    assert services.accept_plan(plan, by=coordinator, confirm=True) == 4


def test_moving_between_operators_and_out_of_the_plan(field_staff, orgs, make_request, coordinator):
    """A visit can go to another operator, up and down, and out of the plan."""
    plan = _solved(make_request(field_staff, orgs[:3]))
    routes = services.plan_view(plan).routes
    source = next(r for r in routes if r.visits)
    target = next(r for r in routes if r.shift_id != source.shift_id)
    stop = str(source.visits[0].organization_id)
    services.move_visit(plan, stop, target=target.shift_id, position=1, by=coordinator)
    moved = {r.shift_id: [v.organization_id for v in r.visits] for r in services.plan_view(plan).routes}
    assert moved[target.shift_id][0] == int(stop)
    services.move_visit(plan, stop, target="unassigned", by=coordinator)
    view = services.plan_view(plan)
    assert [u.organization_id for u in view.unassigned] == [int(stop)]
    assert "by hand" in view.unassigned[0].text
    with pytest.raises(services.PlanningError):
        services.move_visit(plan, "999999", target=target.shift_id, by=coordinator)


def test_bad_request_raises_with_reasons(field_staff, orgs, make_request):
    """Nothing to plan, or a stop that no shift can take: an input error, no plan row."""
    with pytest.raises(services.PlanInputError) as excinfo:
        services.create_plan(make_request(field_staff, []), by=None)
    assert excinfo.value.built.errors
    request = make_request(field_staff, orgs[:1])
    bad = request.__class__(
        request.days, request.staff, (StopSpec(orgs[0].id, 30, appointment=datetime(2030, 1, 8, 20, 0)),)
    )
    with pytest.raises(services.PlanInputError) as excinfo:
        services.create_plan(bad, by=None)
    assert orgs[0].id in excinfo.value.built.stop_errors


def test_solver_failure_marks_the_plan_failed(field_staff, orgs, make_request):
    """An exception in the solver fails the job with its message, never propagates."""
    plan = services.create_plan(make_request(field_staff, orgs), by=None)

    def broken(problem, provider, settings):
        raise RuntimeError("matrix server down")

    services.run_plan_job(plan.id, solver=broken)
    db.session.refresh(plan)
    assert plan.status is PlanStatus.FAILED
    assert "matrix server down" in plan.error


def test_interrupted_jobs_become_failed(field_staff, orgs, make_request):
    """A plan left solving by a dead process, or for too long, is failed as interrupted."""
    plan = services.create_plan(make_request(field_staff, orgs), by=None)
    plan.status = PlanStatus.SOLVING
    plan.worker = f"{services.socket.gethostname()}:999999999"
    db.session.commit()
    assert services.expire_stale_plans() == 1
    assert plan.status is PlanStatus.FAILED and plan.error == services.INTERRUPTED
    other = services.create_plan(make_request(field_staff, orgs), by=None)
    other.worker = "elsewhere:1"
    db.session.commit()
    assert services.expire_stale_plans() == 0
    assert services.expire_stale_plans(now=datetime.now(UTC) + timedelta(hours=1)) == 1
    services.run_plan_job(other.id, solver=solve_here)  # a failed plan is not solved again
    assert other.status is PlanStatus.FAILED


def test_visit_candidates_follow_the_outreach_ranking(make_org, make_user, operator):
    """The outreach ranking orders them (an uncovered Law 68 quota first); do-not-contact,
    unlocated and recently visited organizations never."""
    prospect = make_org(status=OrganizationStatus.PROSPECT)
    partner = make_org(status=OrganizationStatus.ACTIVE_PARTNER)
    law68 = make_org(status=OrganizationStatus.PROSPECT, law68_subject=True, employees=20)
    small_law68 = make_org(status=OrganizationStatus.PROSPECT, law68_subject=True, employees=10)
    visited = make_org(status=OrganizationStatus.ACTIVE_PARTNER)
    make_org(status=OrganizationStatus.DO_NOT_CONTACT)
    make_org(latitude=None, longitude=None)
    with_follow_up = make_org(status=OrganizationStatus.PROSPECT)
    db.session.add_all(
        [
            Interaction(
                organization_id=visited.id,
                kind=InteractionKind.VISIT,
                status=InteractionStatus.DONE,
                subject="Visita",
                occurred_at=datetime(2029, 12, 20, 10, tzinfo=UTC),
            ),
            FollowUp(
                title="Richiamare",
                due_date=date(2030, 1, 10),
                assignee_id=operator.id,
                organization_id=with_follow_up.id,
                status=FollowUpStatus.OPEN,
            ),
        ]
    )
    db.session.commit()
    chosen = services.visit_priority_candidates(10, today=DAY)
    ranked = [c.organization.id for c in chosen]
    assert set(ranked) == {prospect.id, partner.id, law68.id, small_law68.id, with_follow_up.id}
    assert ranked[0] == law68.id
    from crm.ranking.services import build_ranking

    ranking = build_ranking()
    assert ranked == [int(ranking.ids[i]) for i in ranking.order if int(ranking.ids[i]) in set(ranked)]
    assert all(1 <= c.priority <= 100 for c in chosen)
    assert services.visit_priority_candidates(0, today=DAY) == []
    assert [o.id for o in services.follow_up_candidates(DAY, DAY + timedelta(days=2))] == [with_follow_up.id]
    assert services.follow_up_candidates(DAY, DAY) == []


def test_days_and_people_helpers(make_user, office, coordinator):
    """Next working day, ranges without weekends, operators plus the planner."""
    assert services.next_working_day(date(2030, 1, 11)) == date(2030, 1, 14)  # Friday -> Monday
    days = services.plan_days(date(2030, 1, 11), date(2030, 1, 14))
    assert days == [date(2030, 1, 11), date(2030, 1, 14)]
    assert services.plan_days(date(2030, 1, 12), None) == [date(2030, 1, 12)]  # a Saturday, chosen
    op = make_user(Role.OPERATOR, office_id=office.id)
    make_user(Role.OPERATOR, active=False)
    assert services.plannable_staff(coordinator) == [op, coordinator]
    assert services.default_office_id(op, [office]) == office.id


def test_agenda_groups_visits_by_local_day(field_staff, orgs, make_request, coordinator):
    """The operator's agenda lists the accepted visits by day, in time order."""
    plan = _solved(make_request(field_staff, orgs))
    services.accept_plan(plan, by=coordinator)
    first, last = services.week_of(DAY)
    total = 0
    for user in field_staff:
        days = services.agenda(user.id, first, last)
        for day, visits in days:
            assert day == DAY
            assert [v.occurred_at for v in visits] == sorted(v.occurred_at for v in visits)
            total += len(visits)
    assert total == len(orgs)


def test_a_too_short_budget_is_retried_with_the_full_limit(field_staff, orgs, make_request):
    """If the adaptive budget finds nothing at all, the job tries again with the user's limit."""
    plan = services.create_plan(make_request(field_staff, orgs), by=None)
    limits = []

    def flaky(problem, provider, settings):
        limits.append(settings["time_limit"])
        if len(limits) == 1:
            from routing import Plan, Unassigned, UnassignedReason

            return Plan((), tuple(Unassigned(s.id, UnassignedReason.NO_SOLUTION) for s in problem.stops))
        return solve_here(problem, provider, settings)

    services.run_plan_job(plan.id, solver=flaky)
    assert limits[0] < limits[1] == plan.time_limit
    assert plan.status is PlanStatus.SOLVED
    assert services.plan_view(plan).visits == len(orgs)
