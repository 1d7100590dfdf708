"""Log-in and account services."""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import func, select

from crm.auth.models import Role, User
from crm.db_types import utcnow
from crm.extensions import db

log = logging.getLogger(__name__)


class AccountError(ValueError):
    """A user account cannot be created or changed as asked."""


def configure_login(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (never say which of the two was wrong).

    Wrong passwords are counted; too many in a row lock the account for a while
    (:mod:`crm.security.lockout`).

    :raises crm.security.lockout.AccountLockedError: while the account is locked.
    """
    from crm.security.lockout import check_not_locked, record_failure, record_success

    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    check_not_locked(user)
    if not user.check_password(password):
        locked = record_failure(user)
        db.session.commit()
        if locked:
            log.warning("user %s locked out after repeated wrong passwords", user.id)
            check_not_locked(user)
        return None
    record_success(user)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


MIN_PASSWORD_LENGTH = 8


def create_user(
    email: str,
    full_name: str,
    password: str,
    role: Role = Role.OPERATOR,
    *,
    locale: str = "it",
    office_id: int | None = None,
    min_password_length: int = MIN_PASSWORD_LENGTH,
) -> User:
    """Create a staff account.

    :raises AccountError: if the e-mail is taken or the password too short.
    """
    email = email.strip().lower()
    if find_user_by_email(email) is not None:
        raise AccountError(_l("A user with this e-mail already exists."))
    if len(password) < min_password_length:
        raise AccountError(
            _l("The password must be at least %(n)d characters long.", n=min_password_length)
        )
    user = User(email=email, full_name=full_name.strip(), role=role, locale=locale)
    user.office_id = office_id
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
