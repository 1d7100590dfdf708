"""Outreach ranking: the versioned score settings and the coordinators' manual boosts."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.organizations.models import Organization


class RankingSettings(db.Model):
    """One saved version of the ranking's weights and parameters. Rows are never updated: every
    save (and every reset or applied suggestion) adds a version, so a ranking can say which
    version produced it and the history shows who changed what, and when."""

    __tablename__ = "ranking_settings"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number shown to people
    # {"law68": 30, "sector": 15, ...}: relative importance of each factor (0..100).
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {"sectors": ["C", "G"], "max_distance_km": 40, "cooldown_days": 180, "warm_days": 365}
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()

    @property
    def version(self) -> int:
        return self.id


class RankingBoost(db.Model):
    """Points a coordinator adds to (or takes from) one organization's score until a date."""

    __tablename__ = "ranking_boost"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), unique=True
    )
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(300))
    expires_on: Mapped[date] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()

    def active_on(self, day: date) -> bool:
        return self.expires_on >= day
