"""Staff account administration: list, create, change, reset passwords.

There is no delete: an account is deactivated instead, so the history it wrote keeps its author.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.models import Role, User
from crm.auth.services import MIN_PASSWORD_LENGTH, AccountError, create_user
from crm.extensions import db
from crm.offices.models import Office

#: Top-level domains reserved for private networks and tests (RFC 6762, RFC 2606). E-mail validators
#: refuse them, but the demo's and the test suite's accounts live there and never receive mail.
INTERNAL_TLDS = frozenset({"local", "test"})

LOCALES = (("it", "Italiano"), ("en", "English"))


class SelfLockoutError(AccountError):
    """An administrator tried to take away their own administration rights."""

    def __init__(self, message: Any, field: str) -> None:
        super().__init__(message)
        self.field = field


def normalise_staff_email(raw: str) -> str:
    """The lower-cased login e-mail, after a syntax check (no DNS lookup).

    Addresses at ``.local`` and ``.test`` domains are accepted: their syntax is checked as if the
    domain were a public one.

    :raises AccountError: if the text is not an e-mail address.
    """
    email = (raw or "").strip()
    local, _, domain = email.rpartition("@")
    labels = domain.lower().split(".")
    to_check = email
    if local and len(labels) >= 2 and labels[-1] in INTERNAL_TLDS:
        to_check = f"{local}@{'.'.join(labels[:-1])}.org"
    try:
        validate_email(to_check, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(_l("%(email)s is not a valid e-mail address.", email=email or "''")) from exc
    return email.lower()


def list_users() -> list[User]:
    """Every account, active ones first, by name, with their office loaded."""
    return list(
        db.session.scalars(
            select(User)
            .options(selectinload(User.office))
            .order_by(User.active.desc(), func.lower(User.full_name))
        )
    )


def office_choices() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in db.session.scalars(select(Office).order_by(Office.name))]


def create_account(
    email: str,
    full_name: str,
    password: str,
    role: Role = Role.OPERATOR,
    *,
    locale: str = "it",
    office_id: int | None = None,
) -> User:
    """Create a staff account after checking the e-mail's syntax.

    :raises AccountError: bad e-mail, e-mail taken, password too short.
    """
    email = normalise_staff_email(email)
    if not full_name or not full_name.strip():
        full_name = email.split("@")[0]
    return create_user(email, full_name, password, role, locale=locale, office_id=office_id)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH))


def set_user_password(user: User, password: str) -> None:
    """Replace a user's password.

    :raises AccountError: if the password is too short.
    """
    _check_password(password)
    user.set_password(password)
    db.session.commit()


def update_user(user: User, data: dict[str, Any], *, by: User) -> User:
    """Change an account's name, role, office, language, active flag and (optionally) password.

    :param by: who makes the change; an administrator cannot demote or deactivate themself, so the
        app always keeps at least one administrator.
    :raises SelfLockoutError: naming the field (``role`` or ``active``) that would lock ``by`` out.
    :raises AccountError: if the new password is too short.
    """
    role = Role(data.get("role", user.role))
    active = bool(data.get("active", user.active))
    if user.id == by.id:
        if role is not Role.ADMIN and user.role is Role.ADMIN:
            raise SelfLockoutError(_l("You cannot remove your own administrator role."), "role")
        if not active:
            raise SelfLockoutError(_l("You cannot deactivate your own account."), "active")
    if user.role is Role.ADMIN and (role is not Role.ADMIN or not active) and _other_active_admins(user) == 0:
        raise SelfLockoutError(_l("This is the last active administrator."), "role")
    password = data.get("new_password")
    if password:
        _check_password(password)
    if data.get("full_name"):
        user.full_name = str(data["full_name"]).strip()
    user.role = role
    user.active = active
    user.office_id = data.get("office_id", user.office_id)
    user.locale = data.get("locale") or user.locale
    if password:
        user.set_password(password)
    db.session.commit()
    return user


def _other_active_admins(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN, User.active.is_(True), User.id != user.id
            )
        )
        or 0
    )
