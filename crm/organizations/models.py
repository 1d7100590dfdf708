"""Organizations the hub works with: companies, social cooperatives, third-sector and public bodies."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.contacts.models import Contact


def enum_column(enum_cls: type[enum.Enum], length: int = 30) -> db.Enum:
    """Store a StrEnum as its value in a VARCHAR, so adding a member needs no database type change."""
    return db.Enum(
        enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class OrganizationKind(enum.StrEnum):
    COMPANY = "company"
    COOP_A = "coop_a"  # social cooperative type A: social, health and education services
    COOP_B = "coop_b"  # social cooperative type B: work integration of disadvantaged people
    THIRD_SECTOR = "third_sector"  # ente del terzo settore (ETS)
    PUBLIC_BODY = "public_body"


class OrganizationStatus(enum.StrEnum):
    PROSPECT = "prospect"
    CONTACTED = "contacted"
    ACTIVE_PARTNER = "active_partner"
    DORMANT = "dormant"
    DO_NOT_CONTACT = "do_not_contact"


class GeoPrecision(enum.StrEnum):
    """How far the stored coordinates can be trusted (visit planning needs at least ``street``)."""

    ROOFTOP = "rooftop"
    STREET = "street"
    POSTCODE = "postcode"
    COMUNE = "comune"
    MANUAL = "manual"


class SizeBand(enum.StrEnum):
    """EU SME size classes by head count (Recommendation 2003/361/EC)."""

    MICRO = "micro"  # fewer than 10
    SMALL = "small"  # 10-49
    MEDIUM = "medium"  # 50-249
    LARGE = "large"  # 250 or more

    @property
    def employee_range(self) -> tuple[int, int | None]:
        return {
            "micro": (0, 9),
            "small": (10, 49),
            "medium": (50, 249),
            "large": (250, None),
        }[self.value]

    @classmethod
    def for_employees(cls, employees: int | None) -> SizeBand | None:
        if employees is None:
            return None
        for band in cls:
            low, high = band.employee_range
            if employees >= low and (high is None or employees <= high):
                return band
        return None


organization_tag = Table(
    "organization_tag",
    db.metadata,
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)

    def __str__(self) -> str:
        return self.name


class Organization(db.Model):
    __tablename__ = "organization"
    __audited__ = True
    # search_text and last_interaction_at are derived data: their changes are noise in the history.
    __audit_exclude__ = frozenset({"search_text", "last_interaction_at", "version", "updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind), default=OrganizationKind.COMPANY, index=True
    )
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str | None] = mapped_column(String(200))
    vat_number: Mapped[str | None] = mapped_column(String(11), unique=True)
    tax_code: Mapped[str | None] = mapped_column(String(16), index=True)
    ateco_code: Mapped[str | None] = mapped_column(String(8))
    ateco_section: Mapped[str | None] = mapped_column(String(1), index=True)
    employees: Mapped[int | None] = mapped_column(index=True)

    address: Mapped[str | None] = mapped_column(String(200))
    cap: Mapped[str | None] = mapped_column(String(5))
    comune_code: Mapped[str | None] = mapped_column(String(6), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    geo_precision: Mapped[GeoPrecision | None] = mapped_column(enum_column(GeoPrecision))

    phone: Mapped[str | None] = mapped_column(String(20))
    phone2: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    pec: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    # {"mon": [["09:00", "13:00"], ["14:30", "18:00"]], ...}: becomes the visit time windows.
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    status: Mapped[OrganizationStatus] = mapped_column(
        enum_column(OrganizationStatus), default=OrganizationStatus.PROSPECT, index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    law68_subject: Mapped[bool | None]
    law68_protected_employed: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)

    # Lower-cased, accent-free text of the name, numbers, notes and contacts: one indexed column to
    # search in, refreshed by the services whenever one of its sources changes.
    search_text: Mapped[str] = mapped_column(Text, default="")
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    tags: Mapped[list[Tag]] = relationship(secondary=organization_tag, order_by=Tag.name)
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organization",
        cascade="all, delete-orphan",
        order_by="Contact.last_name",
    )

    # Optimistic locking: an UPDATE that does not find the version it read fails instead of
    # silently overwriting someone else's save.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_organization_legal_name", "legal_name"),
        Index("ix_organization_status_comune", "status", "comune_code"),
        # The duplicate hint on every organization page looks rows up by phone number; without
        # these (and the lower(email)/lower(pec) expression indexes of the migration) it scans
        # the whole table.
        Index("ix_organization_phone", "phone"),
        Index("ix_organization_phone2", "phone2"),
        # Owner first (the owner filter), then status: the home page counts a person's
        # organizations per status from the index alone. With planner statistics SQLite otherwise
        # walked the status index and read all 50,000 rows for the owner (68 ms).
        Index("ix_organization_owner_status", "owner_id", "status"),
    )

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def size_band(self) -> SizeBand | None:
        return SizeBand.for_employees(self.employees)

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def __str__(self) -> str:
        return self.display_name
