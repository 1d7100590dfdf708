"""People at an organization."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.organizations.models import Organization


class PreferredChannel(enum.StrEnum):
    PHONE = "phone"
    MOBILE = "mobile"
    EMAIL = "email"
    PEC = "pec"
    WHATSAPP = "whatsapp"
    IN_PERSON = "in_person"


class Contact(db.Model):
    __tablename__ = "contact"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_channel: Mapped[PreferredChannel | None] = mapped_column(
        enum_column(PreferredChannel)
    )
    is_primary: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="contacts")

    __table_args__ = (
        # At most one primary contact per organization, enforced by the database too.
        Index(
            "uq_contact_primary_per_organization",
            "organization_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.full_name
