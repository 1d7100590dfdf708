"""Everything that happened with an organization: calls, e-mails, visits, meetings, notes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.contacts.models import Contact
    from crm.organizations.models import Organization


class InteractionKind(enum.StrEnum):
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"
    MEETING = "meeting"
    NOTE = "note"


class InteractionStatus(enum.StrEnum):
    """Visits are planned before they happen; the other kinds are normally logged when done."""

    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class InteractionOutcome(enum.StrEnum):
    POSITIVE = "positive"  # interest, an opening, an agreement
    NEUTRAL = "neutral"
    NEGATIVE = "negative"  # a refusal: the ranking cools the organization down
    NO_ANSWER = "no_answer"


class VisitResult(enum.StrEnum):
    """What happened at a visit, logged from the field (``crm.field``). Finer than the outcome, which
    the field service sets from it (``crm.field.services.OUTCOME_OF``) for the outreach ranking."""

    MET = "met"  # met the contact, no decision yet
    INTERESTED = "interested"  # interest in hiring or in a partnership
    OPENING_FOUND = "opening_found"
    AGREEMENT = "agreement"  # an agreement (convention, internship, placement) was reached
    CALL_BACK = "call_back"  # asked to be contacted again later
    POSTPONED = "postponed"  # the company moved the visit to another day
    NOT_MET = "not_met"  # nobody available, closed, wrong address
    NOT_INTERESTED = "not_interested"


class Interaction(db.Model):
    __tablename__ = "interaction"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[InteractionKind] = mapped_column(enum_column(InteractionKind))
    status: Mapped[InteractionStatus] = mapped_column(
        enum_column(InteractionStatus), default=InteractionStatus.DONE
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[InteractionOutcome | None] = mapped_column(enum_column(InteractionOutcome))
    next_step: Mapped[str | None] = mapped_column(String(300))
    # The visit plan that scheduled this visit (a planned visit accepted from crm.visits).
    visit_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit_plan.id", ondelete="SET NULL"), index=True
    )
    # A visit logged from the field (crm.field): when the operator arrived and left, and the result.
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    visit_result: Mapped[VisitResult | None] = mapped_column(enum_column(VisitResult))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    contact: Mapped[Contact | None] = relationship()
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        # The timeline reads one organization's interactions newest first.
        Index("ix_interaction_org_occurred", "organization_id", "occurred_at"),
        Index("ix_interaction_user_occurred", "user_id", "occurred_at"),
        # The activity list across organizations, newest first, optionally by kind.
        Index("ix_interaction_occurred", "occurred_at"),
        Index("ix_interaction_kind_occurred", "kind", "occurred_at"),
    )
