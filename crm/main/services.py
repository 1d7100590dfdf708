"""The home page: what needs doing today, at a glance, in a fixed handful of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select

from crm.auth.models import Role, User
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import local_now, open_follow_ups
from crm.interactions.services import recent_for_user
from crm.organizations.models import Organization, OrganizationStatus


@dataclass(frozen=True)
class TeamRow:
    """One colleague's open and overdue follow-ups."""

    user: User
    open: int
    overdue: int


def greeting_key(hour: int) -> str:
    """``morning`` until 13:00, ``afternoon`` until 18:00, then ``evening`` (Italian habits)."""
    if 5 <= hour < 13:
        return "morning"
    if 13 <= hour < 18:
        return "afternoon"
    return "evening"


def organizations_by_status(owner_id: int) -> dict[OrganizationStatus, int]:
    """How many organizations ``owner_id`` owns in each status (every status present, maybe 0)."""
    rows = db.session.execute(
        select(Organization.status, func.count())
        .where(Organization.owner_id == owner_id)
        .group_by(Organization.status)
    )
    counts = dict.fromkeys(OrganizationStatus, 0)
    for status, count in rows:
        counts[OrganizationStatus(status)] = count
    return counts


def team_workload(today: date) -> list[TeamRow]:
    """Open and overdue follow-ups per active staff member, busiest first (coordinators' view)."""
    counts = (
        select(
            FollowUp.assignee_id.label("assignee_id"),
            func.count().label("open"),
            func.sum(case((FollowUp.due_date < today, 1), else_=0)).label("overdue"),
        )
        .where(FollowUp.status == FollowUpStatus.OPEN)
        .group_by(FollowUp.assignee_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, func.coalesce(counts.c.open, 0), func.coalesce(counts.c.overdue, 0))
        .outerjoin(counts, counts.c.assignee_id == User.id)
        .where(User.active.is_(True), User.role != Role.REFERRER)
        .order_by(func.coalesce(counts.c.overdue, 0).desc(), User.full_name)
    )
    return [TeamRow(user=user, open=int(n), overdue=int(late)) for user, n, late in rows]


def dashboard_for(user: Any, *, today: date | None = None) -> dict[str, Any]:
    """Everything the home page shows for ``user``.

    :param today: the Florence date to measure due dates against (tests freeze it here).
    """
    now = local_now()
    today = today or now.date()
    due = open_follow_ups(user.id, due_before=today + timedelta(days=1))
    data: dict[str, Any] = {
        "today": today,
        "greeting": greeting_key(now.hour),
        "overdue": [f for f in due if f.due_date < today],
        "due_today": [f for f in due if f.due_date == today],
        "organizations_by_status": organizations_by_status(user.id),
        "recent_interactions": recent_for_user(user),
        "team": team_workload(today) if user.is_coordinator else [],
    }
    data["my_organizations"] = sum(data["organizations_by_status"].values())
    return data
