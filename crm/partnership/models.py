"""The partnership with the social services: referring offices and their social workers (referrers),
referrals, the tailored plan (progetto personalizzato) with its versions, case notes and the
notifications sent to referrers.

Free text that may describe a person's circumstances (the reasons of a referral, case notes) is stored
encrypted like the candidate's identity (:mod:`crm.privacy.crypto`). Plan text is meant for the meeting
with the person and is not encrypted: the forms say not to write health details there.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.candidates.models import Candidate, ConsentRecord


class NotifyMode(enum.StrEnum):
    INSTANT = "instant"  # one e-mail per event
    DIGEST = "digest"  # one e-mail a day with the day's events
    NONE = "none"


class OwnerKind(enum.StrEnum):
    """Who carries out a plan action."""

    HUB = "hub"  # an operator of the hub
    REFERRER = "referrer"  # the social worker
    EXTERNAL = "external"  # a training body, a cooperative, the employment centre… (by name)
    PERSON = "person"  # the candidate themselves


class ActionStatus(enum.StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (ActionStatus.TODO, ActionStatus.IN_PROGRESS)


class GoalStatus(enum.StrEnum):
    OPEN = "open"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class SupportKind(enum.StrEnum):
    TRANSPORT = "transport"
    CHILDCARE = "childcare"
    WORKPLACE_TUTOR = "workplace_tutor"
    TRAINING = "training"
    INCOME = "income"  # a grant or allowance during the path (borsa lavoro, tirocinio)
    OTHER = "other"


class VersionKind(enum.StrEnum):
    CREATED = "created"
    REVIEW = "review"  # a review meeting: what was achieved, what changed and why
    SIGNED = "signed"  # the printed plan was signed by the person


class NotificationKind(enum.StrEnum):
    PRESENTED = "presented"
    HIRED = "hired"
    MISSED_FOLLOW_UP = "missed_follow_up"


class ReferringOffice(db.Model):
    """An office of the city's social services (or another referring body) that sends people."""

    __tablename__ = "referring_office"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    referrers: Mapped[list[Referrer]] = relationship(back_populates="office")

    def __str__(self) -> str:
        return self.name


class Referrer(db.Model):
    """A referrer's tie to their office: the account (role ``referrer``) and where they work."""

    __tablename__ = "referrer"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("referring_office.id", ondelete="RESTRICT"), index=True)
    notify: Mapped[NotifyMode] = mapped_column(enum_column(NotifyMode, 20), default=NotifyMode.INSTANT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    office: Mapped[ReferringOffice] = relationship(back_populates="referrers")


class Referral(db.Model):
    """How a candidate came to the hub: the office, the social worker following the case, the reasons."""

    __tablename__ = "referral"
    __audited__ = True
    __audit_redact__ = frozenset({"reasons_encrypted"})

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("referring_office.id", ondelete="RESTRICT"), index=True)
    # The social worker who follows the case now (a transfer changes it); None: nobody outside the hub.
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reasons_encrypted: Mapped[str | None] = mapped_column(Text)
    # The first meeting or call of the hub with the person (timeliness).
    first_contact_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    candidate: Mapped[Candidate] = relationship()
    office: Mapped[ReferringOffice] = relationship()
    referrer: Mapped[User | None] = relationship(foreign_keys=[referrer_id])


class Plan(db.Model):
    """The tailored plan of one candidate: goals, actions, supports and the next review."""

    __tablename__ = "plan"
    __audited__ = True
    __audit_exclude__ = frozenset({"updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), unique=True)
    # [{"kind": SupportKind value, "detail": "…", "provider": "…"}]
    supports: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    next_review_on: Mapped[date | None] = mapped_column(index=True)
    # A note the hub writes for the social worker (shown in the referrer's portal).
    shared_note: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[int] = mapped_column(default=0)
    signed_on: Mapped[date | None]
    signed_version: Mapped[int | None]
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent_record.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    candidate: Mapped[Candidate] = relationship()
    consent: Mapped[ConsentRecord | None] = relationship()
    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanGoal.position"
    )
    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="(PlanAction.due_on, PlanAction.id)"
    )
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanVersion.number.desc()"
    )

    @property
    def open_actions(self) -> list[PlanAction]:
        return [a for a in self.actions if a.status.is_open]


class PlanGoal(db.Model):
    __tablename__ = "plan_goal"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(300))
    target_on: Mapped[date | None]
    status: Mapped[GoalStatus] = mapped_column(enum_column(GoalStatus, 20), default=GoalStatus.OPEN)

    plan: Mapped[Plan] = relationship(back_populates="goals")


class PlanAction(db.Model):
    """Something someone does for the plan, by a date. Overdue ones show in the owner's follow-ups."""

    __tablename__ = "plan_action"
    __audited__ = True
    __audit_exclude__ = frozenset({"updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("plan_goal.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(300))
    owner_kind: Mapped[OwnerKind] = mapped_column(enum_column(OwnerKind, 20))
    # A hub operator or the referrer; for an external body or the person, the name only.
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    owner_name: Mapped[str | None] = mapped_column(String(150))
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, 20), default=ActionStatus.TODO)
    completed_on: Mapped[date | None]
    # Hub actions are internal unless shared with the social worker; the referrer's own are always shown.
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="actions")
    goal: Mapped[PlanGoal | None] = relationship()
    owner_user: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_plan_action_owner_status_due", "owner_user_id", "status", "due_on"),)

    def is_overdue(self, today: date) -> bool:
        return self.status.is_open and self.due_on < today

    @property
    def owner_label(self) -> str:
        if self.owner_user is not None:
            return self.owner_user.full_name
        return self.owner_name or ""


class PlanVersion(db.Model):
    """An immutable snapshot of the plan at its creation, at each review and at signature."""

    __tablename__ = "plan_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    number: Mapped[int]
    kind: Mapped[VersionKind] = mapped_column(enum_column(VersionKind, 20))
    achieved: Mapped[str | None] = mapped_column(Text)
    changed: Mapped[str | None] = mapped_column(Text)
    why: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_version_plan_number"),)


@event.listens_for(PlanVersion, "before_update")
def _versions_are_immutable(mapper: Any, connection: Any, target: PlanVersion) -> None:
    raise ValueError("plan versions are history: they are never changed")


class CaseNote(db.Model):
    """A note on a case. Hub notes stay in the hub unless ``shared``; a referrer's note is always shared."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120), default="")
    body_encrypted: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_case_note_candidate_created", "candidate_id", "created_at"),)


class PartnershipNotification(db.Model):
    """An event a referrer is told about by e-mail (the e-mail carries a link, never personal data)."""

    __tablename__ = "partnership_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, 20))
    # What happened, once: "presented:<entry id>", "hired:<placement id>", "missed:<check id>".
    event_key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "event_key", name="uq_partnership_notification_user_event"),
        Index("ix_partnership_notification_sent_user", "sent_at", "user_id"),
    )
