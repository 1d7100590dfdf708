"""Telling referrers when one of their people is presented to an employer, hired, or misses a
follow-up check — by e-mail, with a link and no personal data (no name, no code, no employer).

:func:`collect_events` turns what happened (within a look-back window) into notification rows, once
per referrer and event; :func:`send_notifications` e-mails the pending ones: one e-mail per event for
referrers who chose *instant*, one a day for *digest*. The CLI (``flask --app crm partnership notify``)
runs both; a cron job every few minutes, plus one ``--digest`` run a day, is the intended set-up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.candidates.models import Candidate, CandidateStatus
from crm.db_types import utcnow
from crm.extensions import db
from crm.openings.models import PipelineEntry, Placement, PlacementCheck
from crm.partnership.mail import Message, transport
from crm.partnership.models import NotificationKind, NotifyMode, PartnershipNotification, Referral, Referrer

DEFAULT_LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class SendReport:
    emails: int
    notifications: int
    skipped: int  # referrers who asked for no e-mail, or have no address


def _lookback() -> timedelta:
    return timedelta(
        days=int(current_app.config.get("PARTNERSHIP_NOTIFY_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS))
    )


def collect_events(*, now: datetime | None = None, today: date | None = None) -> int:
    """Record a notification for each recent presentation, hire and overdue follow-up check of a
    referred person, for the social worker following the case now. Returns how many were new."""
    now = now or utcnow()
    today = today or now.date()
    since = now - _lookback()
    followed = dict(
        db.session.execute(
            select(Referral.candidate_id, Referral.referrer_id)
            .join(Referral.candidate)
            .where(Referral.referrer_id.is_not(None), Candidate.status != CandidateStatus.ERASED)
        ).all()
    )
    if not followed:
        return 0
    ids = list(followed)
    events: list[tuple[int, NotificationKind, str]] = []
    for entry_id, candidate_id in db.session.execute(
        select(PipelineEntry.id, PipelineEntry.candidate_id).where(
            PipelineEntry.candidate_id.in_(ids), PipelineEntry.presented_at >= since
        )
    ):
        events.append((candidate_id, NotificationKind.PRESENTED, f"presented:{entry_id}"))
    for placement_id, candidate_id in db.session.execute(
        select(Placement.id, PipelineEntry.candidate_id)
        .join(Placement.entry)
        .where(PipelineEntry.candidate_id.in_(ids), Placement.created_at >= since)
    ):
        events.append((candidate_id, NotificationKind.HIRED, f"hired:{placement_id}"))
    for check_id, candidate_id in db.session.execute(
        select(PlacementCheck.id, PipelineEntry.candidate_id)
        .join(PlacementCheck.placement)
        .join(Placement.entry)
        .where(
            PipelineEntry.candidate_id.in_(ids),
            PlacementCheck.checked_on.is_(None),
            PlacementCheck.due_date < today,
            PlacementCheck.due_date >= today - _lookback(),
            Placement.end_date.is_(None),
        )
    ):
        events.append((candidate_id, NotificationKind.MISSED_FOLLOW_UP, f"missed:{check_id}"))
    if not events:
        return 0
    known = set(
        db.session.execute(
            select(PartnershipNotification.user_id, PartnershipNotification.event_key).where(
                PartnershipNotification.event_key.in_([key for _, _, key in events])
            )
        ).all()
    )
    added = 0
    for candidate_id, kind, key in events:
        user_id = followed[candidate_id]
        if (user_id, key) in known:
            continue
        known.add((user_id, key))
        db.session.add(
            PartnershipNotification(user_id=user_id, candidate_id=candidate_id, kind=kind, event_key=key)
        )
        added += 1
    db.session.commit()
    return added


def case_link(candidate_id: int) -> str:
    """The absolute address of the case in the referrer's portal (``PUBLIC_URL``, or ``SERVER_NAME``)."""
    base = current_app.config.get("PUBLIC_URL") or (
        f"{current_app.config.get('PREFERRED_URL_SCHEME', 'https')}://{current_app.config['SERVER_NAME']}"
        if current_app.config.get("SERVER_NAME")
        else "http://localhost:5000"
    )
    parts = urlsplit(str(base))
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build("partnership.portal_case", {"candidate_id": candidate_id}, force_external=True)


def _message(user: User, items: Sequence[PartnershipNotification]) -> Message:
    """The e-mail: what kind of news and where to read it. No name, no code, no employer."""
    with force_locale(user.locale or "it"):
        from crm.labels import label

        if len(items) == 1:
            subject = gettext("Flor@Work: news about a person you referred")
        else:
            subject = gettext("Flor@Work: news about the people you referred")
        lines = [gettext("Hello %(name)s,", name=user.full_name), ""]
        lines.append(gettext("There is news about people you referred to the Flor@Work hub:"))
        lines.append("")
        for item in items:
            lines.append(f"- {label(item.kind)}: {case_link(item.candidate_id)}")
        lines += ["", gettext("Log in to read the details. This e-mail carries no personal data on purpose.")]
    return Message(to=user.email, subject=subject, body="\n".join(lines))


def send_notifications(*, digest: bool = False, now: datetime | None = None) -> SendReport:
    """E-mail the pending notifications: to *instant* referrers one per event, or, with ``digest``, to
    *digest* referrers one e-mail with all of theirs. Referrers who chose no e-mail (or left) are
    marked done without one. Rows are marked sent only after the server accepted the e-mails.

    :raises crm.partnership.mail.MailError: when the mail server is not configured or fails.
    """
    now = now or utcnow()
    pending = list(
        db.session.scalars(
            select(PartnershipNotification)
            .where(PartnershipNotification.sent_at.is_(None))
            .options(selectinload(PartnershipNotification.user))
            .order_by(PartnershipNotification.user_id, PartnershipNotification.id)
        )
    )
    if not pending:
        return SendReport(0, 0, 0)
    modes = dict(
        db.session.execute(
            select(Referrer.user_id, Referrer.notify).where(
                Referrer.user_id.in_({n.user_id for n in pending})
            )
        ).all()
    )
    by_user: dict[int, list[PartnershipNotification]] = defaultdict(list)
    skipped = 0
    for item in pending:
        mode = modes.get(item.user_id, NotifyMode.NONE)
        if mode is NotifyMode.NONE or not item.user.active or not item.user.email:
            item.sent_at = now
            skipped += 1
        elif (mode is NotifyMode.DIGEST) == digest:
            by_user[item.user_id].append(item)
    messages: list[Message] = []
    sent: list[PartnershipNotification] = []
    for items in by_user.values():
        user = items[0].user
        if digest:
            messages.append(_message(user, items))
        else:
            messages.extend(_message(user, [item]) for item in items)
        sent.extend(items)
    if messages:
        transport().send(messages)
    for item in sent:
        item.sent_at = now
    db.session.commit()
    return SendReport(len(messages), len(sent), skipped)


def unread_for(user: User, *, limit: int = 20) -> list[PartnershipNotification]:
    """The latest notifications of a referrer about cases they still follow (the portal lists them)."""
    from crm.partnership.services import visible_referrals_query

    visible = visible_referrals_query(user).with_only_columns(Referral.candidate_id)
    return list(
        db.session.scalars(
            select(PartnershipNotification)
            .where(
                PartnershipNotification.user_id == user.id, PartnershipNotification.candidate_id.in_(visible)
            )
            .order_by(PartnershipNotification.created_at.desc(), PartnershipNotification.id.desc())
            .limit(limit)
        )
    )
