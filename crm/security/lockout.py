"""Account lock-out: after ``LOGIN_MAX_FAILURES`` wrong passwords in a row, the account refuses to
log in for ``LOGIN_LOCKOUT_MINUTES`` (even with the right password), then counts from zero again.

The rate limit (:mod:`crm.security.limiter`) slows one address guessing many accounts; the lock-out
stops many addresses guessing one account. A successful log-in resets the count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from crm.db_types import utcnow


class AccountLockedError(Exception):
    """The account is locked until :attr:`until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - utcnow()).total_seconds() / 60))


def _settings() -> tuple[int, int]:
    config = current_app.config
    return int(config.get("LOGIN_MAX_FAILURES") or 0), int(config.get("LOGIN_LOCKOUT_MINUTES") or 15)


def check_not_locked(user: Any) -> None:
    """:raises AccountLockedError: while ``user`` is locked out."""
    if user.locked_until is not None and user.locked_until > utcnow():
        raise AccountLockedError(user.locked_until)


def record_failure(user: Any) -> bool:
    """Count a wrong password (no commit); True when this failure locks the account."""
    max_failures, minutes = _settings()
    if user.locked_until is not None and user.locked_until <= utcnow():
        user.locked_until = None  # the previous lock expired: a fresh series of attempts
        user.failed_login_count = 0
    user.failed_login_count = (user.failed_login_count or 0) + 1
    if max_failures and user.failed_login_count >= max_failures:
        user.locked_until = utcnow() + timedelta(minutes=minutes)
        user.failed_login_count = 0
        return True
    return False


def record_success(user: Any) -> None:
    user.failed_login_count = 0
    user.locked_until = None
