"""Candidates, their skills, work history, consents and employability assessments.

Identity (name, codice fiscale, phone, e-mail, comune of residence) and sensitive notes (health,
disability, legal situation) are stored only encrypted (:mod:`crm.privacy.crypto`); everywhere else
the person is their pseudonymous ``code`` (``C-YYYY-NNNN``). Reading them goes through
:mod:`crm.candidates.services`, which checks the reader's rights and writes the access log.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User


class CandidateStatus(enum.StrEnum):
    ACTIVE = "active"  # looking for work, being followed
    PLACED = "placed"  # hired: the follow-ups run
    SUSPENDED = "suspended"  # a pause (health, training, family): not proposed to employers
    CLOSED = "closed"  # the path ended
    ERASED = "erased"  # identity and sensitive data destroyed; statistics kept


class CommuteMode(enum.StrEnum):
    """How the person gets to work (the values are those of ``routing.model.TravelMode``)."""

    PUBLIC_TRANSPORT = "public_transport"
    CAR = "car"
    SCOOTER = "scooter"
    BICYCLE = "bicycle"
    WALKING = "walking"


class EducationLevel(enum.StrEnum):
    NONE = "none"
    PRIMARY = "primary"  # licenza elementare
    LOWER_SECONDARY = "lower_secondary"  # licenza media
    VOCATIONAL = "vocational"  # qualifica professionale (IeFP)
    UPPER_SECONDARY = "upper_secondary"  # diploma
    DEGREE = "degree"  # laurea


class Shift(enum.StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    NIGHT = "night"


WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConsentPurpose(enum.StrEnum):
    DATA_PROCESSING = "data_processing"  # art. 6 and 13 GDPR: the hub keeps and uses the profile
    SENSITIVE_DATA = "sensitive_data"  # art. 9 GDPR: health, disability
    SHARING_WITH_EMPLOYERS = "sharing_with_employers"  # anonymised profiles, then contacts on hiring
    SHARING_WITH_SOCIAL_SERVICES = "sharing_with_social_services"  # progress reports to the referrer
    PLAN_AGREEMENT = "plan_agreement"  # the signed tailored plan (crm.partnership)


class ReadinessBand(enum.StrEnum):
    READY = "ready"
    READY_WITH_SUPPORT = "ready_with_support"
    NEEDS_PREPARATION = "needs_preparation"  # a preparatory path first (training, tirocinio…)


#: The assessment's dimensions, in the order of the form. Each is scored 1 (a serious obstacle) to 4
#: (a strength); for constraints and support, 4 means "no limiting constraint" and "strong support".
ASSESSMENT_DIMENSIONS: tuple[str, ...] = (
    "professional_skills",
    "work_experience",
    "motivation",
    "autonomy",
    "constraints",
    "support",
)


candidate_skill = Table(
    "candidate_skill",
    db.metadata,
    Column("candidate_id", ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Skill(db.Model):
    """The hub's controlled list of skills; coordinators extend it."""

    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __str__(self) -> str:
        return self.name


class Candidate(db.Model):
    __tablename__ = "candidate"
    __audited__ = True
    # Ciphertexts and the keyed hash are recorded as changed, never with their values: an erased
    # candidate's identity must not survive in the change history.
    __audit_redact__ = frozenset({"identity_encrypted", "sensitive_encrypted", "tax_code_hash"})
    __audit_exclude__ = frozenset({"updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    referral_year: Mapped[int]
    referral_number: Mapped[int]
    status: Mapped[CandidateStatus] = mapped_column(
        enum_column(CandidateStatus, 20), default=CandidateStatus.ACTIVE, index=True
    )
    # The operator who follows the person: with coordinators, the only one who sees who they are.
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    identity_encrypted: Mapped[str | None] = mapped_column(Text)
    sensitive_encrypted: Mapped[str | None] = mapped_column(Text)
    tax_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    referred_on: Mapped[date]
    referring_office: Mapped[str | None] = mapped_column(String(150))
    case_worker: Mapped[str | None] = mapped_column(String(120))
    # When the data must be reviewed, and deleted unless there is a reason to keep it.
    review_on: Mapped[date] = mapped_column(index=True)

    driving_licence: Mapped[bool] = mapped_column(default=False)
    own_vehicle: Mapped[bool] = mapped_column(default=False)
    commute_mode: Mapped[CommuteMode] = mapped_column(
        enum_column(CommuteMode, 20), default=CommuteMode.PUBLIC_TRANSPORT
    )
    max_commute_minutes: Mapped[int] = mapped_column(default=45)

    available_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    shifts: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours_per_week: Mapped[int | None]

    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    education: Mapped[EducationLevel | None] = mapped_column(enum_column(EducationLevel, 20))
    education_notes: Mapped[str | None] = mapped_column(String(300))
    free_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # ATECO 2025 section letters.
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Indexed: the ranking's cache of candidates' interests is keyed by the latest change.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, index=True)

    operator: Mapped[User | None] = relationship(foreign_keys=[operator_id])
    skills: Mapped[list[Skill]] = relationship(secondary=candidate_skill, order_by=Skill.name)
    experiences: Mapped[list[WorkExperience]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", order_by="WorkExperience.started_on.desc()"
    )
    consents: Mapped[list[ConsentRecord]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", order_by="ConsentRecord.given_on"
    )
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="candidate",
        cascade="all, delete-orphan",
        order_by="(Assessment.assessed_on.desc(), Assessment.id.desc())",
    )

    __table_args__ = (
        UniqueConstraint("referral_year", "referral_number", name="uq_candidate_referral"),
        Index("ix_candidate_operator_status", "operator_id", "status"),
    )

    @property
    def latest_assessment(self) -> Assessment | None:
        return self.assessments[0] if self.assessments else None

    @property
    def readiness(self) -> ReadinessBand | None:
        latest = self.latest_assessment
        return latest.band if latest else None

    @property
    def is_erased(self) -> bool:
        return self.status is CandidateStatus.ERASED

    def __str__(self) -> str:  # never the name: this may end up in a log or an error message
        return self.code

    def __repr__(self) -> str:
        return f"<Candidate {self.code}>"


class WorkExperience(db.Model):
    __tablename__ = "work_experience"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(120))
    ateco_section: Mapped[str | None] = mapped_column(String(1))
    # The employer's name stays internal: the anonymised profile shows role, sector and period only.
    employer: Mapped[str | None] = mapped_column(String(150))
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="experiences")

    @property
    def months(self) -> int | None:
        if self.started_on is None:
            return None
        end = self.ended_on or date.today()
        return max(0, (end.year - self.started_on.year) * 12 + end.month - self.started_on.month)


class ConsentRecord(db.Model):
    __tablename__ = "consent_record"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column(ConsentPurpose, 40))
    given_on: Mapped[date]
    # The signed form that records it, e.g. "Modulo privacy prot. 2026/0142".
    document: Mapped[str] = mapped_column(String(200))
    withdrawn_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="consents")
    recorded_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


class Assessment(db.Model):
    """An employability assessment: one per date, kept as a history so progress shows."""

    __tablename__ = "assessment"
    __audited__ = True
    __audit_redact__ = frozenset({"notes_encrypted"})

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    assessed_on: Mapped[date]
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    professional_skills: Mapped[int]
    work_experience: Mapped[int]
    motivation: Mapped[int]
    autonomy: Mapped[int]
    constraints: Mapped[int]
    support: Mapped[int]
    band: Mapped[ReadinessBand] = mapped_column(enum_column(ReadinessBand, 20))
    # {"dimension": "note", ..., "summary": "..."}: notes may describe health or family, so they are
    # encrypted and shown with the identity (to the following operator and coordinators) only.
    notes_encrypted: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="assessments")
    assessed_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_assessment_candidate_assessed", "candidate_id", "assessed_on"),)

    def scores(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in ASSESSMENT_DIMENSIONS}

    @property
    def total(self) -> int:
        return sum(self.scores().values())
