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


def commit_as(by: Any) -> None:
    """Commit the session with its changes attributed to ``by`` (a user or None); roll back on error.

    The services of every feature end with it, so the change log names who did what even outside a
    request (commands, jobs).
    """
    try:
        with acting_as(by.id if by else None):
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise


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


def _audited_columns(obj: Any) -> list[str]:
    excluded = getattr(obj, "__audit_exclude__", frozenset()) | {"id", "created_at"}
    return [attr.key for attr in inspect(obj).mapper.column_attrs if attr.key not in excluded]


def _entry(obj: Any, action: ChangeAction, changes: dict[str, Any]) -> dict[str, Any]:
    redacted = getattr(obj, "__audit_redact__", frozenset())
    return {
        "entity_type": obj.__tablename__,
        "entity_id": inspect(obj).mapper.primary_key_from_instance(obj)[0],
        "action": action.value,
        "changes": {k: (None if k in redacted else v) for k, v in changes.items()},
    }


def _update_changes(session: Session, obj: Any) -> dict[str, Any]:
    """Old and new values of the columns changed on ``obj``.

    After a commit the old values are expired, so SQLAlchemy's history holds only the new value:
    those old values are read from the row before the UPDATE runs (one query per edited record).
    """
    state = inspect(obj)
    changed: dict[str, tuple[Any, Any]] = {}
    missing: list[str] = []
    for key in _audited_columns(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        new = history.added[0] if history.added else None
        if history.deleted:
            changed[key] = (history.deleted[0], new)
        else:
            changed[key] = (None, new)
            missing.append(key)
    if missing:
        table = state.mapper.local_table
        pk_columns = state.mapper.primary_key
        pk_values = state.mapper.primary_key_from_instance(obj)
        query = select(*(table.c[state.mapper.get_property(k).columns[0].name] for k in missing))
        for column, value in zip(pk_columns, pk_values, strict=True):
            query = query.where(column == value)
        row = session.connection().execute(query).first()
        if row is not None:
            for key, old in zip(missing, row, strict=True):
                changed[key] = (old, changed[key][1])
    changes = {
        k: [_plain(old), _plain(new)] for k, (old, new) in changed.items() if _plain(old) != _plain(new)
    }
    for rel in state.mapper.relationships:
        if rel.secondary is None or not rel.uselist:
            continue
        history = attributes.get_history(obj, rel.key)
        if history.added or history.deleted:
            changes[rel.key] = [
                sorted(str(v) for v in history.deleted),
                sorted(str(v) for v in history.added),
            ]
    return changes


def _before_flush(session: Session, flush_context: object, instances: object) -> None:
    pending: list[dict[str, Any]] = session.info.setdefault("audit_pending", [])
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            changes = _update_changes(session, obj)
            if changes:
                pending.append(_entry(obj, ChangeAction.UPDATE, changes))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            values = {k: [_plain(getattr(obj, k)), None] for k in _audited_columns(obj)}
            pending.append(_entry(obj, ChangeAction.DELETE, values))


def _after_flush(session: Session, flush_context: object) -> None:
    rows: list[dict[str, Any]] = session.info.pop("audit_pending", [])
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            values = {
                k: [None, _plain(getattr(obj, k))]
                for k in _audited_columns(obj)
                if getattr(obj, k) is not None
            }
            rows.append(_entry(obj, ChangeAction.CREATE, values))
    if rows:
        actor = current_actor_id()
        now = utcnow()
        for row in rows:
            row["user_id"] = actor
            row["created_at"] = now
        # Written on the flush's own connection: the history commits or rolls back with the change.
        session.connection().execute(insert(ChangeLog.__table__), rows)


def _after_rollback(session: Session, previous_transaction: object) -> None:
    session.info.pop("audit_pending", None)


def install_audit_listener() -> None:
    """Attach the recorder to every session (idempotent)."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


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
