"""Interactions: the timeline of calls, e-mails, visits, meetings and notes with each organization."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db_types import utcnow
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.followups.services import local_timezone, new_follow_up
from crm.interactions.models import (
    Interaction,
    InteractionKind,
    InteractionOutcome,
    InteractionStatus,
)
from crm.organizations.models import Organization, OrganizationStatus
from crm.permissions import can_edit_interaction

INTERACTION_FIELDS = ("kind", "status", "subject", "body", "outcome", "next_step", "contact_id")


class InteractionError(ValueError):
    """An interaction cannot be saved as asked."""


class InteractionPermissionError(InteractionError):
    """The user may not change this interaction, or log it in someone else's name."""


def to_utc(day: date, at: time) -> datetime:
    """The instant of a Florence wall-clock date and time (DST handled by zoneinfo)."""
    return datetime.combine(day, at, tzinfo=local_timezone()).astimezone(UTC)


def to_local(instant: datetime) -> datetime:
    return instant.astimezone(local_timezone())


def _check_author(user_id: int | None, *, by: User, current: int | None = None) -> int:
    """Who the interaction is logged for: oneself, or anyone (active) when ``by`` is a coordinator."""
    if user_id is None:
        return by.id
    if user_id != by.id and not by.is_coordinator:
        raise InteractionPermissionError(user_id)
    if user_id not in (by.id, current):
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            raise InteractionError(f"no active user {user_id}")
    return user_id


def _check_contact(contact_id: int | None, organization: Organization) -> None:
    if contact_id is None:
        return
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.organization_id != organization.id:
        raise InteractionError(f"contact {contact_id} is not at organization {organization.id}")


def _apply(interaction: Interaction, data: Mapping[str, Any]) -> None:
    for name in INTERACTION_FIELDS:
        if name in data:
            setattr(interaction, name, data[name])
    if data.get("occurred_at") is not None:
        interaction.occurred_at = data["occurred_at"]
    elif data.get("occurred_on") is not None:
        interaction.occurred_at = to_utc(data["occurred_on"], data.get("occurred_time") or time(0))


def refresh_organization_activity(organization: Organization) -> None:
    """Recompute ``last_interaction_at`` (latest done interaction) and move a prospect to contacted
    once something other than an internal note was done with it. Flushes, does not commit.

    The date is derived data: it is written straight to its column, so logging a call does not bump
    the organization's version and make a colleague who is editing the organization meet a conflict.
    A status change is a real edit: it goes through the ORM (versioned and in the audit trail).
    """
    db.session.flush()
    last = db.session.scalar(
        select(func.max(Interaction.occurred_at)).where(
            Interaction.organization_id == organization.id,
            Interaction.status == InteractionStatus.DONE,
        )
    )
    if organization.last_interaction_at != last:
        table = Organization.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == organization.id)
            # Activity is not an edit: keep updated_at (and the version) as they are.
            .values(last_interaction_at=last, updated_at=table.c.updated_at)
        )
        set_committed_value(organization, "last_interaction_at", last)
    if organization.status is OrganizationStatus.PROSPECT:
        contacted = db.session.scalar(
            select(Interaction.id)
            .where(
                Interaction.organization_id == organization.id,
                Interaction.status == InteractionStatus.DONE,
                Interaction.kind != InteractionKind.NOTE,
            )
            .limit(1)
        )
        if contacted is not None:
            organization.status = OrganizationStatus.CONTACTED


def log_interaction(
    organization: Organization,
    data: Mapping[str, Any],
    *,
    by: User,
    follow_up: Mapping[str, Any] | None = None,
) -> Interaction:
    """Record an interaction with ``organization`` and, if asked, the follow-up it calls for.

    :param data: ``kind``, ``status``, ``subject``, ``body``, ``outcome``, ``next_step``,
        ``contact_id``, ``user_id`` (default ``by``) and either ``occurred_at`` (aware) or the local
        ``occurred_on`` date and ``occurred_time`` (default now).
    :param follow_up: ``title``, ``due_date``, ``assignee_id``, ``contact_id`` and ``notes`` of a
        follow-up to create, linked to the interaction.
    :raises InteractionPermissionError: if an operator logs it in someone else's name.
    :raises InteractionError: on a contact of another organization or an unknown user.
    :raises crm.followups.services.FollowUpError: on a bad follow-up assignee.
    """
    if not data.get("subject"):
        raise InteractionError("subject required")
    interaction = Interaction(
        organization=organization,
        user_id=_check_author(data.get("user_id"), by=by),
        status=InteractionStatus.DONE,
        occurred_at=utcnow(),
    )
    _check_contact(data.get("contact_id"), organization)
    _apply(interaction, data)
    db.session.add(interaction)
    try:
        if follow_up is not None:
            db.session.flush()
            new_follow_up(follow_up, by=by, organization=organization, interaction_id=interaction.id)
        refresh_organization_activity(organization)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return interaction


def update_interaction(interaction: Interaction, data: Mapping[str, Any], *, by: User) -> Interaction:
    """Correct an interaction; the organization's last contact date follows.

    :raises InteractionPermissionError: if ``by`` may not edit it or give it that author.
    :raises InteractionError: on a contact of another organization or an unknown user.
    """
    if not can_edit_interaction(by, interaction):
        raise InteractionPermissionError(interaction.id)
    organization = interaction.organization
    if "user_id" in data:
        interaction.user_id = _check_author(data["user_id"], by=by, current=interaction.user_id)
    _check_contact(data.get("contact_id"), organization)
    _apply(interaction, data)
    refresh_organization_activity(organization)
    db.session.commit()
    return interaction


def delete_interaction(interaction: Interaction, *, by: User) -> None:
    """Delete an interaction; follow-ups created from it remain, unlinked.

    :raises InteractionPermissionError: if ``by`` may not edit it.
    """
    if not can_edit_interaction(by, interaction):
        raise InteractionPermissionError(interaction.id)
    organization = interaction.organization
    db.session.delete(interaction)
    refresh_organization_activity(organization)
    db.session.commit()


def timeline_for(organization: Organization, limit: int = 50) -> list[Interaction]:
    """The organization's interactions newest first, with author and contact loaded."""
    return list(
        db.session.scalars(
            select(Interaction)
            .where(Interaction.organization_id == organization.id)
            .options(selectinload(Interaction.user), selectinload(Interaction.contact))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )


def follow_ups_of(interaction: Interaction) -> list[FollowUp]:
    """The follow-ups created from an interaction."""
    return list(
        db.session.scalars(
            select(FollowUp).where(FollowUp.interaction_id == interaction.id).order_by(FollowUp.id)
        )
    )


@dataclass(frozen=True)
class ActivityFilters:
    """What the activity list is narrowed to; local dates are inclusive."""

    kind: InteractionKind | None = None
    user_id: int | None = None
    outcome: InteractionOutcome | None = None
    date_from: date | None = None
    date_to: date | None = None


def activity_query(filters: ActivityFilters) -> Select[tuple[Interaction]]:
    """Interactions across organizations, newest first, with what the list shows loaded."""
    query = select(Interaction).options(
        selectinload(Interaction.organization),
        selectinload(Interaction.user),
        selectinload(Interaction.contact),
    )
    if filters.kind is not None:
        query = query.where(Interaction.kind == filters.kind)
    if filters.user_id is not None:
        query = query.where(Interaction.user_id == filters.user_id)
    if filters.outcome is not None:
        query = query.where(Interaction.outcome == filters.outcome)
    if filters.date_from is not None:
        query = query.where(Interaction.occurred_at >= to_utc(filters.date_from, time(0)))
    if filters.date_to is not None:
        end = to_utc(filters.date_to + timedelta(days=1), time(0))
        query = query.where(Interaction.occurred_at < end)
    return query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())


def recent_for_user(user: User, limit: int = 8) -> list[Interaction]:
    """The user's latest interactions (for the home page)."""
    return list(
        db.session.scalars(
            select(Interaction)
            .where(Interaction.user_id == user.id)
            .options(selectinload(Interaction.organization), selectinload(Interaction.contact))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )
