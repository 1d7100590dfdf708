"""Openings at organizations, the pipeline of candidates for each, placements and their checks."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.candidates.models import Candidate, Skill
    from crm.followups.models import FollowUp
    from crm.interactions.models import Interaction
    from crm.organizations.models import Organization


class ContractType(enum.StrEnum):
    TIROCINIO = "tirocinio"  # extra-curricular internship (Tuscany regional law)
    FIXED_TERM = "fixed_term"
    PERMANENT = "permanent"
    LAW68 = "law68"  # a position reserved under Law 68/1999 (protected categories)
    ART14 = "art14"  # work under an art. 14 (D.Lgs. 276/2003) agreement with a social cooperative


class OpeningStatus(enum.StrEnum):
    OPEN = "open"
    ON_HOLD = "on_hold"
    FILLED = "filled"
    CLOSED = "closed"


class PipelineStage(enum.StrEnum):
    PROPOSED = "proposed"  # on the shortlist
    PRESENTED = "presented"  # the anonymised profile went to the employer
    INTERVIEW = "interview"
    HIRED = "hired"
    NOT_HIRED = "not_hired"

    @property
    def is_final(self) -> bool:
        return self in (PipelineStage.HIRED, PipelineStage.NOT_HIRED)


class NotHiredReason(enum.StrEnum):
    EMPLOYER_DECLINED = "employer_declined"
    CANDIDATE_DECLINED = "candidate_declined"
    NO_SHOW = "no_show"
    POSITION_FILLED = "position_filled"
    NOT_READY = "not_ready"
    OTHER = "other"


#: Months after the start date when the operator checks that the person is still employed.
CHECK_MONTHS: tuple[int, ...] = (1, 3, 6, 12)


class OpeningSkill(db.Model):
    __tablename__ = "opening_skill"

    opening_id: Mapped[int] = mapped_column(ForeignKey("opening.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    required: Mapped[bool] = mapped_column(default=True)  # False: desirable

    skill: Mapped[Skill] = relationship()


class Opening(db.Model):
    __tablename__ = "opening"
    __audited__ = True
    __audit_exclude__ = frozenset({"updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    # The visit (or other interaction) where the opening was found.
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    job_family: Mapped[str | None] = mapped_column(String(80))
    ateco_section: Mapped[str | None] = mapped_column(String(1))
    description: Mapped[str | None] = mapped_column(Text)
    free_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    contract: Mapped[ContractType] = mapped_column(enum_column(ContractType, 20))
    hours_per_week: Mapped[int | None]
    shifts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where the work is: the organization's address unless said otherwise.
    address: Mapped[str | None] = mapped_column(String(200))
    comune_code: Mapped[str | None] = mapped_column(String(6))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    positions: Mapped[int] = mapped_column(default=1)
    deadline: Mapped[date | None]
    status: Mapped[OpeningStatus] = mapped_column(enum_column(OpeningStatus, 20), default=OpeningStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    interaction: Mapped[Interaction | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    skill_links: Mapped[list[OpeningSkill]] = relationship(cascade="all, delete-orphan")
    entries: Mapped[list[PipelineEntry]] = relationship(
        back_populates="opening", cascade="all, delete-orphan", order_by="PipelineEntry.id"
    )

    __table_args__ = (
        Index("ix_opening_organization_status", "organization_id", "status"),
        Index("ix_opening_status_deadline", "status", "deadline"),
    )

    @property
    def required_skills(self) -> list[Skill]:
        return sorted((link.skill for link in self.skill_links if link.required), key=lambda s: s.name)

    @property
    def desirable_skills(self) -> list[Skill]:
        return sorted((link.skill for link in self.skill_links if not link.required), key=lambda s: s.name)

    @property
    def hired_count(self) -> int:
        return sum(1 for e in self.entries if e.stage is PipelineStage.HIRED)

    def __str__(self) -> str:
        return self.title


class PipelineEntry(db.Model):
    """One candidate for one opening: proposed → presented → interview → hired or not hired."""

    __tablename__ = "pipeline_entry"
    __audited__ = True
    __audit_redact__ = frozenset({"note"})  # free text about a person: erased with them
    __audit_exclude__ = frozenset({"updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("opening.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    stage: Mapped[PipelineStage] = mapped_column(
        enum_column(PipelineStage, 20), default=PipelineStage.PROPOSED
    )
    score: Mapped[int | None]  # the match score when proposed
    not_hired_reason: Mapped[NotHiredReason | None] = mapped_column(enum_column(NotHiredReason, 30))
    note: Mapped[str | None] = mapped_column(String(300))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    presented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    opening: Mapped[Opening] = relationship(back_populates="entries")
    candidate: Mapped[Candidate] = relationship()
    proposed_by: Mapped[User | None] = relationship()
    placement: Mapped[Placement | None] = relationship(back_populates="entry", uselist=False)

    __table_args__ = (
        UniqueConstraint("opening_id", "candidate_id", name="uq_pipeline_entry_opening_candidate"),
    )


class Placement(db.Model):
    """A hire: the start, the contract, the hours, and the checks at 1, 3, 6 and 12 months."""

    __tablename__ = "placement"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("pipeline_entry.id", ondelete="CASCADE"), unique=True)
    start_date: Mapped[date]
    contract: Mapped[ContractType] = mapped_column(enum_column(ContractType, 20))
    hours_per_week: Mapped[int | None]
    end_date: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entry: Mapped[PipelineEntry] = relationship(back_populates="placement")
    checks: Mapped[list[PlacementCheck]] = relationship(
        back_populates="placement", cascade="all, delete-orphan", order_by="PlacementCheck.months"
    )


class PlacementCheck(db.Model):
    """A follow-up months after the start: is the person still employed?"""

    __tablename__ = "placement_check"
    __audited__ = True
    __audit_redact__ = frozenset({"note"})

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    months: Mapped[int]
    due_date: Mapped[date]
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_up.id", ondelete="SET NULL"), index=True
    )
    still_employed: Mapped[bool | None]
    checked_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(300))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    placement: Mapped[Placement] = relationship(back_populates="checks")
    follow_up: Mapped[FollowUp | None] = relationship()

    __table_args__ = (UniqueConstraint("placement_id", "months", name="uq_placement_check_months"),)
