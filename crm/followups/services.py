"""Follow-ups: what someone must do next, by when. Due dates are Europe/Rome calendar days."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from crm.auth.models import Role, User
from crm.contacts.models import Contact
from crm.db_types import utcnow
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.organizations.models import Organization
from crm.permissions import can_edit_follow_up

FOLLOW_UP_FIELDS = ("title", "notes", "due_date", "assignee_id", "contact_id")


class FollowUpError(ValueError):
    """A follow-up cannot be saved or changed as asked."""


class FollowUpPermissionError(FollowUpError):
    """The user may not change this follow-up, or may not assign it to that person."""


def local_timezone() -> ZoneInfo:
    """The hub's time zone (the one Flask-Babel displays dates in)."""
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Europe/Rome"
    return ZoneInfo(name)


def local_now() -> datetime:
    return utcnow().astimezone(local_timezone())


def local_today() -> date:
    """Today's date in Florence: what "overdue" and "due today" are measured against."""
    return local_now().date()


def check_assignee(assignee_id: int | None, *, by: User, current: int | None = None) -> User:
    """The active staff member ``by`` may assign a follow-up to.

    Coordinators assign to anyone; operators to themselves only (keeping an assignee a coordinator
    chose is allowed).

    :raises FollowUpPermissionError: if an operator assigns to someone else.
    :raises FollowUpError: if there is no such active user.
    """
    if assignee_id is None:
        raise FollowUpError("assignee required")
    if not by.is_coordinator and assignee_id not in (by.id, current):
        raise FollowUpPermissionError(assignee_id)
    assignee = db.session.get(User, assignee_id)
    if assignee is None or (not assignee.active and assignee_id != current):
        raise FollowUpError(f"no active user {assignee_id}")
    if assignee.role is Role.REFERRER:
        raise FollowUpError(f"user {assignee_id} is not hub staff")
    return assignee


def _check_contact(contact_id: int | None, organization_id: int | None) -> None:
    if contact_id is None:
        return
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.organization_id != organization_id:
        raise FollowUpError(f"contact {contact_id} is not at organization {organization_id}")


def new_follow_up(
    data: Mapping[str, Any],
    *,
    by: User,
    organization: Organization | None = None,
    interaction_id: int | None = None,
) -> FollowUp:
    """Build and add (without committing) a follow-up: for callers that save it with other changes.

    :raises FollowUpError: on a bad assignee or a contact of another organization.
    """
    check_assignee(data.get("assignee_id"), by=by)
    organization_id = organization.id if organization is not None else None
    _check_contact(data.get("contact_id"), organization_id)
    follow_up = FollowUp(
        status=FollowUpStatus.OPEN,
        organization=organization,
        interaction_id=interaction_id,
        created_by_id=by.id,
    )
    for name in FOLLOW_UP_FIELDS:
        if name in data:
            setattr(follow_up, name, data[name])
    db.session.add(follow_up)
    return follow_up


def create_follow_up(
    data: Mapping[str, Any], *, by: User, organization: Organization | None = None
) -> FollowUp:
    """Create an open follow-up, optionally about an organization (and one of its contacts).

    :raises FollowUpPermissionError: if an operator assigns it to someone else.
    :raises FollowUpError: on an unknown assignee or a contact of another organization.
    """
    follow_up = new_follow_up(data, by=by, organization=organization)
    db.session.commit()
    return follow_up


def update_follow_up(follow_up: FollowUp, data: Mapping[str, Any], *, by: User) -> FollowUp:
    """Change a follow-up's title, notes, due date, assignee or contact.

    :raises FollowUpPermissionError: if ``by`` may not edit it or assign it to that person.
    :raises FollowUpError: on an unknown assignee or a contact of another organization.
    """
    if not can_edit_follow_up(by, follow_up):
        raise FollowUpPermissionError(follow_up.id)
    check_assignee(data.get("assignee_id", follow_up.assignee_id), by=by, current=follow_up.assignee_id)
    _check_contact(data.get("contact_id", follow_up.contact_id), follow_up.organization_id)
    for name in FOLLOW_UP_FIELDS:
        if name in data:
            setattr(follow_up, name, data[name])
    db.session.commit()
    return follow_up


def _set_status(follow_up: FollowUp, status: FollowUpStatus, *, by: User) -> FollowUp:
    if not can_edit_follow_up(by, follow_up):
        raise FollowUpPermissionError(follow_up.id)
    follow_up.status = status
    follow_up.completed_at = utcnow() if status is FollowUpStatus.DONE else None
    db.session.commit()
    return follow_up


def complete_follow_up(follow_up: FollowUp, *, by: User) -> FollowUp:
    """Mark a follow-up done now.

    :raises FollowUpPermissionError: if ``by`` may not edit it.
    """
    return _set_status(follow_up, FollowUpStatus.DONE, by=by)


def cancel_follow_up(follow_up: FollowUp, *, by: User) -> FollowUp:
    """Mark a follow-up as no longer needed.

    :raises FollowUpPermissionError: if ``by`` may not edit it.
    """
    return _set_status(follow_up, FollowUpStatus.CANCELLED, by=by)


def reopen_follow_up(follow_up: FollowUp, *, by: User) -> FollowUp:
    """Put a done or cancelled follow-up back on the list.

    :raises FollowUpPermissionError: if ``by`` may not edit it.
    """
    return _set_status(follow_up, FollowUpStatus.OPEN, by=by)


def delete_follow_up(follow_up: FollowUp, *, by: User) -> None:
    """Delete a follow-up (the audit trail keeps its last state).

    :raises FollowUpPermissionError: if ``by`` may not edit it.
    """
    if not can_edit_follow_up(by, follow_up):
        raise FollowUpPermissionError(follow_up.id)
    db.session.delete(follow_up)
    db.session.commit()


def _open_query() -> Select[tuple[FollowUp]]:
    return (
        select(FollowUp)
        .where(FollowUp.status == FollowUpStatus.OPEN)
        .options(
            selectinload(FollowUp.assignee),
            selectinload(FollowUp.organization),
            selectinload(FollowUp.contact),
        )
        .order_by(FollowUp.due_date, FollowUp.id)
    )


def open_for_organization(organization: Organization) -> list[FollowUp]:
    """The organization's open follow-ups, soonest due first, with assignee and contact loaded."""
    return list(
        db.session.scalars(_open_query().where(FollowUp.organization_id == organization.id))
    )


def open_follow_ups(assignee_id: int | None, *, due_before: date | None = None) -> list[FollowUp]:
    """Open follow-ups of one person (or everyone's for None), soonest first, optionally due before a day."""
    query = _open_query()
    if assignee_id is not None:
        query = query.where(FollowUp.assignee_id == assignee_id)
    if due_before is not None:
        query = query.where(FollowUp.due_date < due_before)
    return list(db.session.scalars(query))


def recently_done(assignee_id: int | None, *, limit: int = 10) -> list[FollowUp]:
    """The last follow-ups one person (None: anyone) completed or cancelled, to reopen a slip."""
    query = (
        select(FollowUp)
        .where(FollowUp.status != FollowUpStatus.OPEN)
        .options(selectinload(FollowUp.organization), selectinload(FollowUp.assignee))
        .order_by(FollowUp.updated_at.desc(), FollowUp.id.desc())
        .limit(limit)
    )
    if assignee_id is not None:
        query = query.where(FollowUp.assignee_id == assignee_id)
    return list(db.session.scalars(query))


@dataclass
class FollowUpGroups:
    """Open follow-ups by urgency, relative to ``today`` (the week ends on Sunday)."""

    today: date
    overdue: list[FollowUp] = field(default_factory=list)
    due_today: list[FollowUp] = field(default_factory=list)
    this_week: list[FollowUp] = field(default_factory=list)
    later: list[FollowUp] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.this_week) + len(self.later)

    def sections(self) -> Sequence[tuple[str, list[FollowUp]]]:
        return (
            ("overdue", self.overdue),
            ("today", self.due_today),
            ("this_week", self.this_week),
            ("later", self.later),
        )


def group_follow_ups(follow_ups: Iterable[FollowUp], today: date) -> FollowUpGroups:
    """Sort follow-ups into overdue, today, the rest of this week (to Sunday) and later."""
    end_of_week = today + timedelta(days=6 - today.weekday())
    groups = FollowUpGroups(today=today)
    for item in follow_ups:
        if item.due_date < today:
            groups.overdue.append(item)
        elif item.due_date == today:
            groups.due_today.append(item)
        elif item.due_date <= end_of_week:
            groups.this_week.append(item)
        else:
            groups.later.append(item)
    return groups


def follow_ups_board(assignee_id: int | None, *, today: date | None = None) -> FollowUpGroups:
    """"My follow-ups": the open tasks of one person (None: everyone), grouped by urgency.

    :param today: the local date to measure against (tests freeze it here); default today in Florence.
    """
    return group_follow_ups(open_follow_ups(assignee_id), today or local_today())


def assignable_users(by: User, *, include: Iterable[int | None] = ()) -> list[User]:
    """Whom ``by`` may pick as assignee (or as author of an interaction): everyone active for
    coordinators, themselves for operators; ``include`` keeps a current choice that left."""
    wanted = {i for i in include if i is not None}
    if not by.is_coordinator:
        others = wanted - {by.id}
        kept = list(db.session.scalars(select(User).where(User.id.in_(others)))) if others else []
        return [by, *kept]
    # Referrers (social workers outside the hub) have no follow-ups board: never an assignee.
    query = select(User).where(User.role != Role.REFERRER).order_by(User.full_name)
    if wanted:
        query = query.where(User.active.is_(True) | User.id.in_(wanted))
    else:
        query = query.where(User.active.is_(True))
    return list(db.session.scalars(query))
