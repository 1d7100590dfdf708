"""Staff accounts and roles."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.offices.models import Office


class Role(enum.StrEnum):
    """What a user may do. Each staff role includes the rights of the ones below it.

    ``REFERRER`` is a social worker outside the hub: rank 0, so ``has_role`` gives it no staff right,
    and the login wall (:func:`crm.permissions.install_login_wall`) keeps it on its own pages.
    """

    REFERRER = "referrer"
    OPERATOR = "operator"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"referrer": 0, "operator": 1, "coordinator": 2, "admin": 3}[self.value]


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.OPERATOR,
    )
    locale: Mapped[str] = mapped_column(String(5), default="it")
    phone: Mapped[str | None] = mapped_column(String(20))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Wrong passwords in a row; reset by a successful log-in (see crm.security.lockout).
    failed_login_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Log-in refused until then, after too many wrong passwords.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office | None] = relationship()

    def set_password(self, password: str) -> None:
        # scrypt is Werkzeug's current default: memory-hard, salted, with its parameters in the hash.
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts at login and on every request
        return self.active

    def has_role(self, role: Role) -> bool:
        """True when the user's role is ``role`` or a higher one."""
        return self.role.rank >= role.rank

    @property
    def is_coordinator(self) -> bool:
        return self.has_role(Role.COORDINATOR)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_referrer(self) -> bool:
        return self.role is Role.REFERRER

    def __str__(self) -> str:
        return self.full_name
