"""``flask --app crm visits plan …``: plan visits from the command line and print the routes."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from crm.auth.models import Role, User
from crm.extensions import db
from crm.reference.places import comune_name
from crm.visits.jobs import solve_here
from crm.visits.models import PlanStatus, VisitPlan
from crm.visits.planning import (
    EXCLUSION_REASONS,
    PlanRequest,
    StaffSpec,
    StopSpec,
    hhmm,
)
from crm.visits.services import (
    MAX_PLAN_DAYS,
    PlanInputError,
    PlanViolationsError,
    accept_plan,
    all_offices,
    config,
    create_plan,
    default_office_id,
    follow_up_candidates,
    organizations_by_id,
    plan_days,
    plan_view,
    run_plan_job,
    visit_priority_candidates,
)
from routing import TravelMode


@click.group("visits")
def visits_cli() -> None:
    """Plan field visits to organizations."""


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD", param_hint="--date") from None


def _staff(emails: tuple[str, ...]) -> list[User]:
    if not emails:
        users = list(
            db.session.scalars(
                select(User).where(User.active.is_(True), User.role == Role.OPERATOR).order_by(User.full_name)
            )
        )
        if not users:
            raise click.ClickException("There are no active operators: pass --staff EMAIL.")
        return users
    users = []
    for email in emails:
        user = db.session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
        if user is None:
            raise click.ClickException(f"Unknown staff member: {email}")
        if not user.active:
            raise click.ClickException(f"Staff member {email} is not active.")
        users.append(user)
    return users


@visits_cli.command("plan")
@click.option("--date", "first_day", required=True, help="First day to plan (YYYY-MM-DD).")
@click.option(
    "--days",
    type=click.IntRange(1, MAX_PLAN_DAYS),
    default=1,
    show_default=True,
    help="Calendar days from --date; Saturdays and Sundays are skipped in a range.",
)
@click.option(
    "--staff",
    "emails",
    multiple=True,
    help="E-mail of a staff member (repeat). Default: every active operator.",
)
@click.option(
    "--top",
    type=click.IntRange(0, 500),
    default=0,
    help="Add the N most important organizations not visited recently.",
)
@click.option(
    "--organization", "organization_ids", type=int, multiple=True, help="Organization id to visit (repeat)."
)
@click.option("--follow-ups", is_flag=True, help="Add organizations with follow-ups due in the period.")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in TravelMode]),
    default=TravelMode.CAR.value,
    show_default=True,
    help="Travel mode of every staff member.",
)
@click.option(
    "--seconds", type=click.IntRange(1, 30), default=None, help="Solver time limit (default PLAN_SECONDS)."
)
@click.option("--accept", is_flag=True, help="Accept the plan: write the planned visits.")
@with_appcontext
def plan_command(
    first_day: str,
    days: int,
    emails: tuple[str, ...],
    top: int,
    organization_ids: tuple[int, ...],
    follow_ups: bool,
    mode: str,
    seconds: int | None,
    accept: bool,
) -> None:
    """Plan visits for some days and print each route and the organizations left out."""
    start = _parse_day(first_day)
    chosen_days = plan_days(start, start + timedelta(days=days - 1))
    users = _staff(emails)
    offices = all_offices()
    if not any(o.latitude is not None and o.longitude is not None for o in offices):
        raise click.ClickException("No office has coordinates: set them on the Offices page.")
    minutes = int(current_app.config.get("DEFAULT_VISIT_MINUTES", 45))
    stops: dict[int, StopSpec] = {}
    for org_id in organization_ids:
        stops.setdefault(org_id, StopSpec(org_id, minutes))
    if follow_ups:
        for org in follow_up_candidates(min(chosen_days), max(chosen_days)):
            stops.setdefault(org.id, StopSpec(org.id, minutes, priority=70))
    if top:
        for candidate in visit_priority_candidates(top, today=start):
            org_id = candidate.organization.id
            stops.setdefault(org_id, StopSpec(org_id, minutes, priority=candidate.priority))
    if not stops:
        raise click.ClickException("Nothing to visit: use --top N, --organization ID or --follow-ups.")
    request = PlanRequest(
        days=tuple(chosen_days),
        staff=tuple(
            StaffSpec(
                user_id=u.id,
                mode=TravelMode(mode),
                start_office_id=default_office_id(u, offices),
                end_office_id=default_office_id(u, offices),
            )
            for u in users
        ),
        stops=tuple(stops.values()),
        seconds=seconds or int(config("PLAN_SECONDS", 5)),
    )
    try:
        plan = create_plan(request, by=None)
    except PlanInputError as exc:
        _print_input_errors(exc, users)
        raise click.ClickException("The plan cannot be made as asked (see above).") from None
    run_plan_job(plan.id, solver=solve_here)
    db.session.refresh(plan)
    if plan.status is PlanStatus.FAILED:
        raise click.ClickException(f"Planning failed: {plan.error}")
    _print_plan(plan)
    if accept:
        try:
            written = accept_plan(plan, by=None)
        except PlanViolationsError as exc:
            raise click.ClickException(
                f"Not accepted: the plan breaks {len(exc.violations)} constraints."
            ) from None
        click.echo(f"Accepted: {written} planned visits written.")


def _print_input_errors(exc: PlanInputError, users: list[User]) -> None:
    built = exc.built
    names = {u.id: u.full_name for u in users}
    orgs = organizations_by_id(built.stop_errors)
    for message in built.errors:
        click.echo(f"error: {message}", err=True)
    for user_id, message in built.staff_errors.items():
        click.echo(f"error: {names.get(user_id, user_id)}: {message}", err=True)
    for org_id, message in built.stop_errors.items():
        click.echo(f"error: {orgs.get(org_id) or org_id} (#{org_id}): {message}", err=True)


def _place(org: object) -> str:
    comune = getattr(org, "comune_code", None)
    return f"{org} ({comune_name(comune)})" if comune else str(org)


def _print_plan(plan: VisitPlan) -> None:
    view = plan_view(plan)
    assert view is not None
    click.echo(
        f"Plan #{plan.id}: {plan.first_day.isoformat()} to {plan.last_day.isoformat()}, "
        f"{view.visits} visits, {view.km} km, {view.travel_minutes} min of travel, "
        f"solved in {plan.solve_seconds or 0:.1f} s"
    )
    for route in view.routes:
        if not route.visits:
            continue
        start = route.start_office or "start"
        click.echo("")
        click.echo(f"{route.user} · {route.day.strftime('%a %Y-%m-%d')} · {route.mode.value} · from {start}")
        click.echo(f"  {hhmm(route.departure)}  leave")
        events = [
            (
                v.start,
                f"{hhmm(v.start)}–{hhmm(v.departure)}  {_place(v.organization or v.organization_id)}"
                f"  [{v.travel_minutes} min, {v.km} km]",
            )
            for v in route.visits
        ]
        if route.lunch:
            events.append((route.lunch[0], f"{hhmm(route.lunch[0])}–{hhmm(route.lunch[1])}  lunch"))
        for _start, line in sorted(events, key=lambda e: e[0]):
            click.echo(f"  {line}")
        click.echo(
            f"  {hhmm(route.arrival)}  back · {len(route.visits)} visits · {route.km} km · "
            f"{route.travel_minutes} min travel"
        )
    if view.unassigned:
        click.echo("")
        click.echo(f"Not planned ({len(view.unassigned)}):")
        for row in view.unassigned:
            click.echo(f"  {_place(row.organization or row.organization_id)}: {row.text}")
    if plan.excluded:
        orgs = organizations_by_id(int(k) for k in plan.excluded)
        click.echo("")
        click.echo(f"Left out before planning ({len(plan.excluded)}):")
        for key, code in plan.excluded.items():
            org = orgs.get(int(key))
            click.echo(f"  {_place(org) if org else '#' + key}: {EXCLUSION_REASONS.get(code, code)}")
    for message in {str(v.message) for v in view.violations}:
        click.echo(f"warning: {message}", err=True)
