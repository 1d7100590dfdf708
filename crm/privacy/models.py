"""The access log: who saw, exported or changed which candidate's protected data, when and why.

Rows are only ever inserted. There is no route or service that changes or deletes one, and the
migration adds a database trigger that refuses any UPDATE (DELETE stays possible to a database
administrator, for the log's own retention period).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User


class AccessAction(enum.StrEnum):
    VIEW = "view"  # a page showed the data
    LIST = "list"  # a list or search result showed the names of several candidates
    CREATE = "create"
    CHANGE = "change"
    SHOW_SENSITIVE = "show_sensitive"  # the explicit "show sensitive notes" action
    EXPORT = "export"  # GDPR export (JSON or PDF)
    PRESENT = "present"  # an anonymised profile was produced for an employer
    ERASE = "erase"
    DUPLICATE_MATCH = "duplicate_match"  # a new referral matched an existing codice fiscale


class FieldGroup(enum.StrEnum):
    IDENTITY = "identity"  # name, codice fiscale, phone, e-mail, comune of residence
    SENSITIVE = "sensitive"  # health, disability, legal situation
    ASSESSMENT_NOTES = "assessment_notes"
    ANONYMISED_PROFILE = "anonymised_profile"
    ALL = "all"


class AccessLog(db.Model):
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No ON DELETE action: a candidate with logged accesses cannot be deleted (only erased).
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidate.id"))
    # The pseudonymous codes concerned (one, or the codes a list showed).
    candidate_codes: Mapped[str] = mapped_column(String(2000), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    user_name: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[AccessAction] = mapped_column(enum_column(AccessAction, 20))
    field_group: Mapped[FieldGroup] = mapped_column(enum_column(FieldGroup, 20))
    reason: Mapped[str | None] = mapped_column(String(300))
    # Which fields changed (names only, never values) or which document was produced.
    detail: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_access_log_candidate_created", "candidate_id", "created_at"),
        Index("ix_access_log_user_created", "user_id", "created_at"),
        Index("ix_access_log_created_at", "created_at"),
    )
