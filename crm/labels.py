"""Translated names of the domain's enumerations, for screens and exports."""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from crm.auth.models import Role
from crm.contacts.models import PreferredChannel
from crm.followups.models import FollowUpStatus
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus
from crm.organizations.models import GeoPrecision, OrganizationKind, OrganizationStatus, SizeBand

LABELS: dict[enum.Enum, Any] = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.OPERATOR: _l("Operator"),
    OrganizationKind.COMPANY: _l("Company"),
    OrganizationKind.COOP_A: _l("Social cooperative type A"),
    OrganizationKind.COOP_B: _l("Social cooperative type B"),
    OrganizationKind.THIRD_SECTOR: _l("Third-sector body (ETS)"),
    OrganizationKind.PUBLIC_BODY: _l("Public body"),
    OrganizationStatus.PROSPECT: _l("Prospect"),
    OrganizationStatus.CONTACTED: _l("Contacted"),
    OrganizationStatus.ACTIVE_PARTNER: _l("Active partner"),
    OrganizationStatus.DORMANT: _l("Dormant"),
    OrganizationStatus.DO_NOT_CONTACT: _l("Do not contact"),
    GeoPrecision.ROOFTOP: _l("Building"),
    GeoPrecision.STREET: _l("Street"),
    GeoPrecision.POSTCODE: _l("Postcode area"),
    GeoPrecision.COMUNE: _l("Comune centre"),
    GeoPrecision.MANUAL: _l("Set by hand"),
    SizeBand.MICRO: _l("Micro (under 10)"),
    SizeBand.SMALL: _l("Small (10–49)"),
    SizeBand.MEDIUM: _l("Medium (50–249)"),
    SizeBand.LARGE: _l("Large (250 or more)"),
    PreferredChannel.PHONE: _l("Phone"),
    PreferredChannel.MOBILE: _l("Mobile"),
    PreferredChannel.EMAIL: _l("E-mail"),
    PreferredChannel.PEC: _l("PEC"),
    PreferredChannel.WHATSAPP: _l("WhatsApp"),
    PreferredChannel.IN_PERSON: _l("In person"),
    InteractionKind.CALL: _l("Call"),
    InteractionKind.EMAIL: _l("E-mail"),
    InteractionKind.VISIT: _l("Visit"),
    InteractionKind.MEETING: _l("Meeting"),
    InteractionKind.NOTE: _l("Note"),
    InteractionStatus.PLANNED: _l("Planned"),
    InteractionStatus.DONE: _l("Done"),
    InteractionStatus.CANCELLED: _l("Cancelled"),
    InteractionOutcome.POSITIVE: _l("Positive"),
    InteractionOutcome.NEUTRAL: _l("Neutral"),
    InteractionOutcome.NEGATIVE: _l("Negative"),
    InteractionOutcome.NO_ANSWER: _l("No answer"),
    FollowUpStatus.OPEN: _l("Open"),
    FollowUpStatus.DONE: _l("Done"),
    FollowUpStatus.CANCELLED: _l("Cancelled"),
}


def label(value: enum.Enum | str | None) -> str:
    """The translated name of an enumeration member (or the text itself)."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(LABELS.get(value, value.value))
    return str(value)


def choices(enum_cls: type[enum.Enum]) -> list[SelectChoice]:
    """The members of ``enum_cls`` as SelectField choices, in declaration order."""
    return [SelectChoice(member.value, LABELS.get(member, member.value)) for member in enum_cls]
