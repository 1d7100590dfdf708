"""Record every change to audited models, whoever makes it (a view, a CLI command, an import).

A model opts in with ``__audited__ = True``; ``__audit_exclude__`` lists derived columns whose changes
are noise, ``__audit_redact__`` sensitive ones recorded as changed without their values.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, attributes

from crm.audit.models import ChangeAction, ChangeLog
from crm.db_types import utcnow
from crm.extensions import db

_cli_actor: contextvars.ContextVar[int | None] = contextvars.ContextVar("cli_actor", default=None)


@contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Attribute the changes made inside the block to ``user_id`` (for commands and jobs)."""
    token = _cli_actor.set(user_id)
    try:
        yield
    finally:
        _cli_actor.reset(token)


def current_actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return int(current_user.id)
    return _cli_actor.get()


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _changes(obj: Any, action: ChangeAction) -> dict[str, Any]:
    state = inspect(obj)
    excluded = getattr(obj, "__audit_exclude__", frozenset()) | {"id", "created_at"}
    redacted = getattr(obj, "__audit_redact__", frozenset())
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in excluded:
            continue
        if action is ChangeAction.UPDATE:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if _plain(old) == _plain(new):
                continue
        elif action is ChangeAction.CREATE:
            old, new = None, getattr(obj, key)
            if new is None:
                continue
        else:
            old, new = getattr(obj, key), None
        changes[key] = None if key in redacted else [_plain(old), _plain(new)]
    if action is ChangeAction.UPDATE:
        for rel in state.mapper.relationships:
            if not rel.uselist or rel.key in excluded or rel.secondary is None:
                continue
            history = attributes.get_history(obj, rel.key)
            if history.added or history.deleted:
                changes[rel.key] = [
                    sorted(str(v) for v in history.deleted),
                    sorted(str(v) for v in history.added),
                ]
    return changes


def _record(session: Session, flush_context: object) -> None:
    rows: list[dict[str, Any]] = []
    actor = current_actor_id()
    now = utcnow()
    groups = (
        (session.new, ChangeAction.CREATE),
        (session.dirty, ChangeAction.UPDATE),
        (session.deleted, ChangeAction.DELETE),
    )
    for objects, action in groups:
        for obj in objects:
            if not getattr(obj, "__audited__", False):
                continue
            if action is ChangeAction.UPDATE and not session.is_modified(obj):
                continue
            changes = _changes(obj, action)
            if action is ChangeAction.UPDATE and not changes:
                continue
            rows.append(
                {
                    "entity_type": obj.__tablename__,
                    "entity_id": inspect(obj).identity[0],
                    "action": action.value,
                    "changes": changes,
                    "user_id": actor,
                    "created_at": now,
                }
            )
    if rows:
        # Written on the flush's own connection: the history commits or rolls back with the change.
        session.connection().execute(insert(ChangeLog.__table__), rows)


def install_audit_listener() -> None:
    """Attach the recorder to every session (idempotent)."""
    if not event.contains(Session, "after_flush", _record):
        event.listen(Session, "after_flush", _record)


def history_for(entity_type: str, entity_id: int, limit: int = 200) -> list[ChangeLog]:
    """The newest changes of one record first, with their authors loaded."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            select(ChangeLog)
            .where(ChangeLog.entity_type == entity_type, ChangeLog.entity_id == entity_id)
            .options(selectinload(ChangeLog.user))
            .order_by(ChangeLog.created_at.desc(), ChangeLog.id.desc())
            .limit(limit)
        )
    )
