"""Visit plans: the input of a planning run, its job state, the routes found and their fate."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User


class PlanStatus(enum.StrEnum):
    """Job state (queued → solving → solved | failed), then the coordinator's decision."""

    QUEUED = "queued"
    SOLVING = "solving"
    SOLVED = "solved"
    FAILED = "failed"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"

    @property
    def is_running(self) -> bool:
        return self in (PlanStatus.QUEUED, PlanStatus.SOLVING)


class VisitPlan(db.Model):
    __tablename__ = "visit_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, 20), default=PlanStatus.QUEUED, index=True
    )
    first_day: Mapped[date]
    last_day: Mapped[date]
    purpose: Mapped[str | None] = mapped_column(String(150))
    #: the solver's time limit chosen on the form (an upper bound: small problems stop earlier)
    time_limit: Mapped[int] = mapped_column(default=5)
    #: what the coordinator asked for, in CRM terms (see ``crm.visits.planning.PlanRequest``)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the routing problem as built then (``routing.io.problem_to_dict``): manual moves are
    #: re-checked against it, not against organizations edited since
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the routing plan (``routing.io.plan_to_dict``), updated by manual moves
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: organizations left out before solving: ``{"<organization id>": reason code}``
    excluded: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    edited: Mapped[bool] = mapped_column(default=False)
    solve_seconds: Mapped[float | None]
    #: ``host:pid`` of the process solving it, to notice a restart
    worker: Mapped[str | None] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])

    __table_args__ = (Index("ix_visit_plan_first_day", "first_day"),)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def __str__(self) -> str:
        return f"#{self.id}"
