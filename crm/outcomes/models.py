"""Outcome data the rest of the model lacks: the income support a person received, the versioned
savings assumptions, and frozen ledgers (the stored lines of a closed period).

A benefit's amount and note are economic data about vulnerable people: they are stored encrypted
(:mod:`crm.privacy.crypto`, context ``outcomes.benefit``) and every page that shows them writes the
access log; only the scheme and the dates are in clear, for counting and the ledger's rules.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.candidates.models import Candidate


class BenefitScheme(enum.StrEnum):
    ADI = "adi"  # Assegno di Inclusione (D.L. 48/2023 art. 1-11)
    SFL = "sfl"  # Supporto per la Formazione e il Lavoro (D.L. 48/2023 art. 12)
    NASPI = "naspi"  # Nuova Assicurazione Sociale per l'Impiego (D.Lgs. 22/2015)
    MUNICIPAL = "municipal"  # the comune's economic support
    OTHER = "other"


class BenefitRecord(db.Model):
    """Income support a candidate received when referred: the scheme, since when, until when the
    person would have been entitled to it, and (encrypted) the monthly amount."""

    __tablename__ = "benefit_record"
    __audited__ = True
    __audit_redact__ = frozenset({"details_encrypted"})

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[BenefitScheme] = mapped_column(enum_column(BenefitScheme, 20))
    started_on: Mapped[date]
    # The last day the person would have been entitled anyway (NASpI's duration, SFL's 12 months…).
    entitled_until: Mapped[date | None]
    # {"monthly_amount": "500.00" | null, "note": str | null}: null amount = the scheme's assumption.
    details_encrypted: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    candidate: Mapped[Candidate] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class AssumptionSet(db.Model):
    """One version of the savings assumptions. Rows are never changed: an edit adds a version."""

    __tablename__ = "assumption_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    #: ``{key: value}`` as text (decimals) or booleans, see :mod:`crm.outcomes.assumptions`
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``{key: "the legal or statistical source"}``
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()


class LedgerFreeze(db.Model):
    """A closed period's ledger, frozen: its lines are stored and never recomputed."""

    __tablename__ = "ledger_freeze"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_from: Mapped[date]
    period_to: Mapped[date]
    assumption_set_id: Mapped[int] = mapped_column(ForeignKey("assumption_set.id"), index=True)
    #: the period's totals when frozen (text decimals), for the list and the comparison
    totals: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assumption_set: Mapped[AssumptionSet] = relationship()
    created_by: Mapped[User | None] = relationship()
    lines: Mapped[list[FrozenLedgerLine]] = relationship(
        back_populates="freeze", cascade="all, delete-orphan", order_by="FrozenLedgerLine.position"
    )

    __table_args__ = (UniqueConstraint("period_from", "period_to", name="uq_ledger_freeze_period"),)


class FrozenLedgerLine(db.Model):
    """One placement's line as it was computed when the period was frozen."""

    __tablename__ = "frozen_ledger_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    freeze_id: Mapped[int] = mapped_column(ForeignKey("ledger_freeze.id", ondelete="CASCADE"))
    position: Mapped[int]
    # The placement may be deleted later; the line keeps its own copy of what it showed.
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("placement.id", ondelete="SET NULL"), index=True
    )
    candidate_code: Mapped[str] = mapped_column(String(12))
    organization: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(1))
    start_date: Mapped[date]
    employed_until: Mapped[date]
    status: Mapped[str] = mapped_column(String(30))
    months_employed: Mapped[int]
    hours_worked: Mapped[int]
    schemes: Mapped[str] = mapped_column(String(100))
    monthly_benefit: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    benefit_months: Mapped[int]
    benefit_saved: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    taxes: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    programme_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    net: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    net_present: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    freeze: Mapped[LedgerFreeze] = relationship(back_populates="lines")

    __table_args__ = (Index("ix_frozen_ledger_line_freeze_position", "freeze_id", "position"),)
