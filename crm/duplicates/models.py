"""What people decided about candidate duplicates: pairs that are not the same organization."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User


class DuplicateDismissal(db.Model):
    """Someone judged the two organizations distinct: the finder never proposes the pair again.

    The pair is stored lower id first, so each pair has one row; deleting either organization
    deletes the row (the decision is about a pair that no longer exists).
    """

    __tablename__ = "duplicate_dismissal"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_low_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    organization_high_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dismissed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint(
            "organization_low_id", "organization_high_id", name="uq_duplicate_dismissal_pair"
        ),
        CheckConstraint("organization_low_id < organization_high_id", name="ordered_pair"),
    )

    @property
    def pair(self) -> tuple[int, int]:
        return (self.organization_low_id, self.organization_high_id)
