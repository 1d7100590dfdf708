"""Translated names of the partnership's enumerations, added to :data:`crm.labels.LABELS`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from crm.labels import LABELS, EnumLabels
from crm.partnership.models import (
    ActionStatus,
    GoalStatus,
    NotificationKind,
    NotifyMode,
    OwnerKind,
    SupportKind,
    VersionKind,
)

PARTNERSHIP_LABELS = EnumLabels.from_pairs(
    [
        (NotifyMode.INSTANT, _l("An e-mail for each event")),
        (NotifyMode.DIGEST, _l("One e-mail a day")),
        (NotifyMode.NONE, _l("No e-mail")),
        (OwnerKind.HUB, _l("Hub operator")),
        (OwnerKind.REFERRER, _l("Social worker")),
        (OwnerKind.EXTERNAL, _l("Other body (training, cooperative…)")),
        (OwnerKind.PERSON, _l("The person")),
        (ActionStatus.TODO, lazy_pgettext("plan action", "To do")),
        (ActionStatus.IN_PROGRESS, lazy_pgettext("plan action", "In progress")),
        (ActionStatus.DONE, lazy_pgettext("plan action", "Done")),
        (ActionStatus.CANCELLED, lazy_pgettext("plan action", "Cancelled")),
        (GoalStatus.OPEN, lazy_pgettext("plan goal", "In progress")),
        (GoalStatus.ACHIEVED, lazy_pgettext("plan goal", "Achieved")),
        (GoalStatus.DROPPED, lazy_pgettext("plan goal", "Dropped")),
        (SupportKind.TRANSPORT, _l("Transport")),
        (SupportKind.CHILDCARE, _l("Childcare")),
        (SupportKind.WORKPLACE_TUTOR, _l("Tutor at the workplace")),
        (SupportKind.TRAINING, _l("Training")),
        (SupportKind.INCOME, _l("Grant or allowance")),
        (SupportKind.OTHER, lazy_pgettext("support", "Other")),
        (VersionKind.CREATED, lazy_pgettext("plan version", "Plan written")),
        (VersionKind.REVIEW, lazy_pgettext("plan version", "Review")),
        (VersionKind.SIGNED, lazy_pgettext("plan version", "Signed")),
        (NotificationKind.PRESENTED, _l("presented to an employer")),
        (NotificationKind.HIRED, _l("hired")),
        (NotificationKind.MISSED_FOLLOW_UP, _l("a follow-up check is overdue")),
    ]
)

# The shared table is keyed by (enumeration, value), so these never shadow another feature's labels.
for _key, _text in PARTNERSHIP_LABELS.items():
    dict.__setitem__(LABELS, _key, _text)
