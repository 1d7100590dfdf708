"""Idempotency keys of visit logs sent from the phone: a resend of the same log is not applied twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db


class FieldSubmission(db.Model):
    """One applied visit log, named by the UUID the phone generated for it."""

    __tablename__ = "field_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the client's UUID (canonical lowercase text form)
    key: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
