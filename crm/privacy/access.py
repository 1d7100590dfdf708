"""Writing and reading the access log. Callers record in the same transaction as the change they
log; a read is recorded (and committed) before the data is shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.extensions import db
from crm.privacy.models import AccessAction, AccessLog, FieldGroup

MAX_CODES_LENGTH = 2000


def log_access(
    *,
    by: User | None,
    action: AccessAction,
    field_group: FieldGroup,
    candidates: Iterable[object] = (),
    reason: str | None = None,
    detail: str | None = None,
    commit: bool = False,
) -> AccessLog:
    """Add an access-log row for ``candidates`` (objects with ``id`` and ``code``).

    One candidate sets ``candidate_id``; several (a list page) are recorded by their codes.
    """
    people = list(candidates)
    codes = ", ".join(str(getattr(c, "code", c)) for c in people)
    if len(codes) > MAX_CODES_LENGTH:
        codes = codes[: MAX_CODES_LENGTH - 1] + "…"
    entry = AccessLog(
        candidate_id=getattr(people[0], "id", None) if len(people) == 1 else None,
        candidate_codes=codes,
        user_id=by.id if by is not None else None,
        user_name=by.full_name if by is not None else "system",
        action=action,
        field_group=field_group,
        reason=(reason or "").strip()[:300] or None,
        detail=(detail or "")[:300] or None,
    )
    db.session.add(entry)
    if commit:
        db.session.commit()
    return entry


@dataclass(frozen=True)
class AccessLogFilters:
    candidate_code: str | None = None
    user_id: int | None = None
    action: AccessAction | None = None
    date_from: date | None = None
    date_to: date | None = None


def access_log_query(filters: AccessLogFilters) -> Select[tuple[AccessLog]]:
    """The log newest first, narrowed by candidate code, staff member, action and local dates."""
    from crm.interactions.services import to_utc

    query = select(AccessLog).options(selectinload(AccessLog.user))
    if filters.candidate_code:
        code = filters.candidate_code.strip().upper()
        query = query.where(AccessLog.candidate_codes.contains(code))
    if filters.user_id is not None:
        query = query.where(AccessLog.user_id == filters.user_id)
    if filters.action is not None:
        query = query.where(AccessLog.action == filters.action)
    if filters.date_from is not None:
        query = query.where(AccessLog.created_at >= to_utc(filters.date_from, time(0)))
    if filters.date_to is not None:
        query = query.where(AccessLog.created_at < to_utc(filters.date_to + timedelta(days=1), time(0)))
    return query.order_by(AccessLog.created_at.desc(), AccessLog.id.desc())


def entries_for(candidate_id: int, limit: int = 100) -> list[AccessLog]:
    return list(
        db.session.scalars(
            select(AccessLog)
            .where(AccessLog.candidate_id == candidate_id)
            .order_by(AccessLog.created_at.desc(), AccessLog.id.desc())
            .limit(limit)
        )
    )
