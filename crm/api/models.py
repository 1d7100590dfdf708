"""Personal access tokens for the REST API (only a SHA-256 of each secret is stored)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User


class TokenScope(enum.StrEnum):
    """What a token may do: ``read`` answers GET only; ``write`` also creates and changes."""

    READ = "read"
    WRITE = "write"


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: what the owner called it ("Power BI", "script di import"), to tell their tokens apart
    name: Mapped[str] = mapped_column(String(80))
    #: the first characters of the secret, shown on the profile page to recognise a token
    prefix: Mapped[str] = mapped_column(String(16))
    #: hex SHA-256 of the secret: a leaked database does not leak working tokens
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope, 10), default=TokenScope.READ)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def can_write(self) -> bool:
        return self.scope is TokenScope.WRITE

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
