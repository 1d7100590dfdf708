"""The hub's offices: where staff start and end their visit days (the depots of visit planning)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db


class Office(db.Model):
    __tablename__ = "office"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    cap: Mapped[str | None] = mapped_column(String(5))
    comune_code: Mapped[str] = mapped_column(String(6))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __str__(self) -> str:
        return self.name
