"""Field mode: an operator's stops of one day, and logging what happened at a visit.

A log may come from the phone long after it was written (offline queue): it carries a client UUID
(``key``) so a resend is not applied twice, and the version of the visit it was written against
(``version``) so a visit changed meanwhile by someone else is reported as a conflict, not overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.db_types import utcnow
from crm.exports import services as exports
from crm.exports import writers
from crm.extensions import db
from crm.field.models import FieldSubmission
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import local_timezone, new_follow_up
from crm.interactions.models import (
    Interaction,
    InteractionKind,
    InteractionOutcome,
    InteractionStatus,
    VisitResult,
)
from crm.interactions.services import refresh_organization_activity
from crm.openings.models import Opening
from crm.organizations.models import Organization
from crm.permissions import can_log_visit

#: The coarse outcome (read by the outreach ranking and the activity filters) of each visit result.
OUTCOME_OF: dict[VisitResult, InteractionOutcome] = {
    VisitResult.MET: InteractionOutcome.NEUTRAL,
    VisitResult.INTERESTED: InteractionOutcome.POSITIVE,
    VisitResult.OPENING_FOUND: InteractionOutcome.POSITIVE,
    VisitResult.AGREEMENT: InteractionOutcome.POSITIVE,
    VisitResult.CALL_BACK: InteractionOutcome.NEUTRAL,
    VisitResult.POSTPONED: InteractionOutcome.NEUTRAL,
    VisitResult.NOT_MET: InteractionOutcome.NO_ANSWER,
    VisitResult.NOT_INTERESTED: InteractionOutcome.NEGATIVE,
}

#: Phones' clocks drift: an arrival a few minutes "in the future" is an arrival now.
FUTURE_TOLERANCE = timedelta(minutes=15)
#: A visit is logged on its day or later, not weeks before it (a typo in the date).
MAX_EARLY = timedelta(hours=12)


class FieldError(ValueError):
    """A visit log cannot be applied as sent: ``code`` says why (views word it for people) and
    ``field`` names the offending input, if one."""

    def __init__(self, code: str, *, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


class FieldPermissionError(FieldError):
    """The user may not log this visit (someone else's, for an operator)."""


class VisitConflict(FieldError):
    """The visit changed since the log was written: ``current`` is the visit as it is now."""

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__("conflict")
        self.current = current


# --- The day's stops -------------------------------------------------------------------------------


@dataclass
class FieldStop:
    """One visit as the phone shows it."""

    interaction: Interaction
    visit: writers.Visit
    links: dict[str, str]
    last_interaction: Interaction | None = None
    opening: Opening | None = None

    @property
    def logged(self) -> bool:
        return self.interaction.status is InteractionStatus.DONE

    @property
    def cancelled(self) -> bool:
        return self.interaction.status is InteractionStatus.CANCELLED

    @property
    def version(self) -> str:
        return version_of(self.interaction)

    @property
    def needs_opening(self) -> bool:
        """Logged as "opening found" and no opening recorded from this visit yet."""
        return self.interaction.visit_result is VisitResult.OPENING_FOUND and self.opening is None


@dataclass
class FieldDay:
    user: User
    day: date
    stops: list[FieldStop] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)

    @property
    def to_do(self) -> int:
        return sum(1 for s in self.stops if not s.logged and not s.cancelled)


def version_of(interaction: Interaction) -> str:
    """The visit's version as the phone keeps it: its last update instant (microseconds, UTC).

    Every ORM update of an interaction sets ``updated_at``, whoever makes it (this page, the
    interaction form, a re-plan), so a changed visit always has a different version.
    """
    return interaction.updated_at.astimezone(UTC).isoformat(timespec="microseconds")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to midnight: 23 or 25 hours long on the days clocks change."""
    tz = local_timezone()
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def field_day(user: User, day: date) -> FieldDay:
    """``user``'s visits on local ``day`` in planned order: still to do, logged and cancelled ones."""
    start, end = day_bounds(day)
    rows = list(
        db.session.scalars(
            select(Interaction)
            .where(
                Interaction.user_id == user.id,
                Interaction.kind == InteractionKind.VISIT,
                Interaction.occurred_at >= start,
                Interaction.occurred_at < end,
            )
            .options(
                selectinload(Interaction.organization).selectinload(Organization.contacts),
                selectinload(Interaction.contact),
            )
            .order_by(Interaction.occurred_at, Interaction.id)
        )
    )
    ids = [i.id for i in rows]
    last = exports.last_interactions(sorted({i.organization_id for i in rows}), exclude=ids)
    openings: dict[int, Opening] = {}
    if ids:
        for opening in db.session.scalars(select(Opening).where(Opening.interaction_id.in_(ids))):
            openings.setdefault(opening.interaction_id or 0, opening)
    fday = FieldDay(user=user, day=day)
    for i, visit in zip(rows, exports.visits_of(rows), strict=True):
        stop = writers.Stop(
            visit.organization, visit.latitude, visit.longitude, address=visit.address.one_line()
        )
        fday.stops.append(
            FieldStop(
                interaction=i,
                visit=visit,
                links=writers.navigation_links(stop),
                last_interaction=last.get(i.organization_id),
                opening=openings.get(i.id),
            )
        )
    planned = [s.visit for s in fday.stops if not s.cancelled]
    fday.directions = writers.google_directions_links(exports.route_stops(user, planned))
    return fday


def visible_visit(interaction_id: int) -> Interaction | None:
    interaction = db.session.get(Interaction, interaction_id)
    if interaction is None or interaction.kind is not InteractionKind.VISIT:
        return None
    return interaction


# --- Logging a visit --------------------------------------------------------------------------------


def visit_state(interaction: Interaction) -> dict[str, Any]:
    """The visit as JSON for the phone: what a conflict shows next to the user's own version."""

    def when(moment: datetime | None) -> str | None:
        return moment.astimezone(UTC).isoformat() if moment is not None else None

    return {
        "id": interaction.id,
        "version": version_of(interaction),
        "status": interaction.status.value,
        "result": interaction.visit_result.value if interaction.visit_result else None,
        "outcome": interaction.outcome.value if interaction.outcome else None,
        "arrived_at": when(interaction.arrived_at),
        "left_at": when(interaction.left_at),
        "notes": interaction.body or "",
        "next_step": interaction.next_step or "",
        "updated_at": when(interaction.updated_at),
    }


@dataclass(frozen=True)
class LogResult:
    interaction: Interaction
    #: the same log had been applied before (a resend): nothing was changed now
    duplicate: bool = False
    follow_up: FollowUp | None = None


def normalise_key(key: str | None) -> str | None:
    """The canonical text of a client UUID, or None when there is none.

    :raises FieldError: when ``key`` is not a UUID.
    """
    if key is None or key == "":
        return None
    try:
        return str(uuid.UUID(str(key)))
    except ValueError:
        raise FieldError("bad_key", field="key") from None


def _check_times(
    interaction: Interaction, arrived: datetime | None, left: datetime | None, now: datetime
) -> None:
    for name, moment in (("arrived_at", arrived), ("left_at", left)):
        if moment is None:
            continue
        if moment.tzinfo is None:
            raise FieldError("naive_time", field=name)
        if moment > now + FUTURE_TOLERANCE:
            raise FieldError("future", field=name)
        if moment < interaction.occurred_at - MAX_EARLY:
            raise FieldError("too_early", field=name)
    if arrived is not None and left is not None and left < arrived:
        raise FieldError("left_before_arrived", field="left_at")


def _follow_up(
    interaction: Interaction, due: date, title: str, *, by: User
) -> FollowUp:
    """The open follow-up of this visit, moved to ``due``, or a new one (a re-log does not pile up
    follow-ups). Assigned to the visit's operator."""
    existing = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.interaction_id == interaction.id, FollowUp.status == FollowUpStatus.OPEN)
        .order_by(FollowUp.id)
    ).first()
    if existing is not None:
        existing.due_date = due
        existing.title = title
        return existing
    return new_follow_up(
        {
            "title": title,
            "due_date": due,
            "assignee_id": interaction.user_id or by.id,
            "contact_id": interaction.contact_id,
        },
        by=by,
        organization=interaction.organization,
        interaction_id=interaction.id,
    )


def log_visit(
    interaction: Interaction,
    data: Mapping[str, Any],
    *,
    by: User,
    key: str | None = None,
    version: str | None = None,
    now: datetime | None = None,
) -> LogResult:
    """Record what happened at a visit on its interaction (status done).

    :param data: ``result`` (a :class:`VisitResult`, required), ``arrived_at``/``left_at`` (aware),
        ``notes`` (the interaction's body), ``next_step``, ``follow_up_date`` (a local date: creates,
        or moves, the visit's open follow-up, assigned to the visit's operator).
    :param key: the client's UUID for this log: a second call with the same key changes nothing.
    :param version: the :func:`version_of` the visit had when the log was written; None skips the
        check (a form posted straight from the current page passes it too).
    :raises FieldPermissionError: if ``by`` may not log this visit.
    :raises VisitConflict: if the visit changed since ``version``.
    :raises FieldError: on a cancelled visit, a missing result, impossible times or a key used for
        another visit.
    """
    if not can_log_visit(by, interaction):
        raise FieldPermissionError("forbidden")
    key = normalise_key(key)
    if key is not None:
        seen = db.session.scalars(select(FieldSubmission).where(FieldSubmission.key == key)).first()
        if seen is not None:
            if seen.interaction_id != interaction.id:
                raise FieldError("key_reused", field="key")
            return LogResult(interaction=interaction, duplicate=True)
    if version is not None and version != version_of(interaction):
        raise VisitConflict(visit_state(interaction))
    if interaction.kind is not InteractionKind.VISIT:
        raise FieldError("not_a_visit")
    if interaction.status is InteractionStatus.CANCELLED:
        raise FieldError("cancelled", field="result")
    result = data.get("result")
    if not isinstance(result, VisitResult):
        raise FieldError("result_required", field="result")
    arrived, left = data.get("arrived_at"), data.get("left_at")
    _check_times(interaction, arrived, left, now or utcnow())
    arrived = arrived.astimezone(UTC) if arrived is not None else None
    left = left.astimezone(UTC) if left is not None else None
    due = data.get("follow_up_date")
    if due is not None and due < interaction.occurred_at.astimezone(local_timezone()).date():
        raise FieldError("past", field="follow_up_date")
    next_step = (data.get("next_step") or "").strip() or None
    if next_step is not None and len(next_step) > 300:
        raise FieldError("too_long", field="next_step")

    interaction.status = InteractionStatus.DONE
    interaction.visit_result = result
    interaction.outcome = OUTCOME_OF[result]
    interaction.arrived_at = arrived
    interaction.left_at = left
    if arrived is not None:
        # The timeline shows when the visit took place, not when it had been planned.
        interaction.occurred_at = arrived
    if "notes" in data:
        interaction.body = (data.get("notes") or "").strip() or None
    interaction.next_step = next_step
    follow_up = None
    try:
        if due is not None:
            name = interaction.organization.display_name
            title = next_step or _("Follow up the visit to %(name)s", name=name)
            follow_up = _follow_up(interaction, due, title[:200], by=by)
        if key is not None:
            db.session.add(FieldSubmission(key=key, user_id=by.id, interaction_id=interaction.id))
        refresh_organization_activity(interaction.organization)
        db.session.commit()
    except IntegrityError:
        # The same key arrived twice at once (two tabs, a retry racing the first try): the other
        # request applied it.
        db.session.rollback()
        if key is not None and db.session.scalars(
            select(FieldSubmission).where(FieldSubmission.key == key)
        ).first():
            again = db.session.get(Interaction, interaction.id) or interaction
            return LogResult(interaction=again, duplicate=True)
        raise
    except Exception:
        db.session.rollback()
        raise
    return LogResult(interaction=interaction, follow_up=follow_up)
