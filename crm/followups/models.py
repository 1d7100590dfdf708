"""Follow-up tasks: what someone must do next, by when."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.contacts.models import Contact
    from crm.interactions.models import Interaction
    from crm.organizations.models import Organization


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class FollowUp(db.Model):
    __tablename__ = "follow_up"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date]
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_column(FollowUpStatus), default=FollowUpStatus.OPEN
    )
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    organization: Mapped[Organization | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    interaction: Mapped[Interaction | None] = relationship()

    __table_args__ = (
        # "My follow-ups": open tasks of one person by due date.
        Index("ix_follow_up_assignee_status_due", "assignee_id", "status", "due_date"),
        # The team board and "everyone's follow-ups" for coordinators.
        Index("ix_follow_up_status_due", "status", "due_date"),
        Index("ix_follow_up_interaction_id", "interaction_id"),
        # The organization page: its open follow-ups by due date. With only an index on
        # organization_id, SQLite (no statistics) walks every open follow-up by date instead.
        Index("ix_follow_up_organization_status_due", "organization_id", "status", "due_date"),
    )

    def is_overdue(self, today: date) -> bool:
        return self.status is FollowUpStatus.OPEN and self.due_date < today
