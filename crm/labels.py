"""Translated names of the domain's enumerations, for screens and exports."""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms.fields.choices import SelectChoice

from crm.auth.models import Role
from crm.contacts.models import PreferredChannel
from crm.followups.models import FollowUpStatus
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus, VisitResult
from crm.jobs.models import JobStatus
from crm.organizations.models import GeoPrecision, OrganizationKind, OrganizationStatus, SizeBand


class EnumLabels(dict[Any, Any]):
    """Labels keyed by enumeration member.

    StrEnum members are strings: ``FollowUpStatus.OPEN == OpeningStatus.OPEN`` and both hash like
    ``"open"``, so a plain dict would give one enumeration's label to the other. The key used inside
    is ``(enumeration, value)``.
    """

    @staticmethod
    def _key(member: Any) -> Any:
        return (type(member), member.value) if isinstance(member, enum.Enum) else member

    @classmethod
    def from_pairs(cls, pairs: Any) -> EnumLabels:
        labels = cls()
        for member, text in pairs:
            labels[member] = text
        return labels

    def __setitem__(self, member: Any, text: Any) -> None:
        super().__setitem__(self._key(member), text)

    def __getitem__(self, member: Any) -> Any:
        return super().__getitem__(self._key(member))

    def __contains__(self, member: object) -> bool:
        return super().__contains__(self._key(member))

    def get(self, member: Any, default: Any = None) -> Any:
        return super().get(self._key(member), default)

    def setdefault(self, member: Any, default: Any = None) -> Any:
        return super().setdefault(self._key(member), default)


LABELS = EnumLabels.from_pairs(
    [
        (Role.ADMIN, _l("Administrator")),
        (Role.COORDINATOR, _l("Coordinator")),
        (Role.OPERATOR, _l("Operator")),
        (Role.REFERRER, _l("Referrer (social services)")),
        (OrganizationKind.COMPANY, _l("Company")),
        (OrganizationKind.COOP_A, _l("Social cooperative type A")),
        (OrganizationKind.COOP_B, _l("Social cooperative type B")),
        (OrganizationKind.THIRD_SECTOR, _l("Third-sector body (ETS)")),
        (OrganizationKind.PUBLIC_BODY, _l("Public body")),
        (OrganizationStatus.PROSPECT, _l("Prospect")),
        (OrganizationStatus.CONTACTED, _l("Contacted")),
        (OrganizationStatus.ACTIVE_PARTNER, _l("Active partner")),
        (OrganizationStatus.DORMANT, _l("Dormant")),
        (OrganizationStatus.DO_NOT_CONTACT, _l("Do not contact")),
        (GeoPrecision.ROOFTOP, _l("Building")),
        (GeoPrecision.STREET, _l("Street")),
        (GeoPrecision.POSTCODE, _l("Postcode area")),
        (GeoPrecision.COMUNE, _l("Comune centre")),
        (GeoPrecision.MANUAL, _l("Set by hand")),
        (SizeBand.MICRO, _l("Micro (under 10)")),
        (SizeBand.SMALL, _l("Small (10–49)")),
        (SizeBand.MEDIUM, _l("Medium (50–249)")),
        (SizeBand.LARGE, _l("Large (250 or more)")),
        (PreferredChannel.PHONE, _l("Phone")),
        (PreferredChannel.MOBILE, _l("Mobile")),
        (PreferredChannel.EMAIL, _l("E-mail")),
        (PreferredChannel.PEC, _l("PEC")),
        (PreferredChannel.WHATSAPP, _l("WhatsApp")),
        (PreferredChannel.IN_PERSON, _l("In person")),
        (InteractionKind.CALL, _l("Call")),
        (InteractionKind.EMAIL, _l("E-mail")),
        (InteractionKind.VISIT, _l("Visit")),
        (InteractionKind.MEETING, _l("Meeting")),
        (InteractionKind.NOTE, _l("Note")),
        (InteractionStatus.PLANNED, lazy_pgettext("interaction status", "Planned")),
        (InteractionStatus.DONE, lazy_pgettext("interaction status", "Done")),
        (InteractionStatus.CANCELLED, lazy_pgettext("interaction status", "Cancelled")),
        (InteractionOutcome.POSITIVE, _l("Positive")),
        (InteractionOutcome.NEUTRAL, _l("Neutral")),
        (InteractionOutcome.NEGATIVE, _l("Negative")),
        (InteractionOutcome.NO_ANSWER, _l("No answer")),
        (VisitResult.MET, _l("Met, no decision yet")),
        (VisitResult.INTERESTED, _l("Interested")),
        (VisitResult.OPENING_FOUND, _l("Opening found")),
        (VisitResult.AGREEMENT, _l("Agreement reached")),
        (VisitResult.CALL_BACK, _l("Call back later")),
        (VisitResult.POSTPONED, _l("Postponed by the company")),
        (VisitResult.NOT_MET, _l("Not met (nobody available)")),
        (VisitResult.NOT_INTERESTED, _l("Not interested")),
        (FollowUpStatus.OPEN, lazy_pgettext("follow-up status", "Open")),
        (FollowUpStatus.DONE, lazy_pgettext("follow-up status", "Done")),
        (FollowUpStatus.CANCELLED, lazy_pgettext("follow-up status", "Cancelled")),
        (JobStatus.QUEUED, lazy_pgettext("job status", "Waiting")),
        (JobStatus.RUNNING, lazy_pgettext("job status", "Running")),
        (JobStatus.SUCCEEDED, lazy_pgettext("job status", "Done")),
        (JobStatus.FAILED, lazy_pgettext("job status", "Failed")),
    ]
)


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
