"""Translated names of the candidates' and openings' enumerations, added to :data:`crm.labels.LABELS`
so the ``|label`` filter and ``crm.labels.choices`` know them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from crm.candidates.models import (
    CandidateStatus,
    CommuteMode,
    ConsentPurpose,
    EducationLevel,
    ReadinessBand,
    Shift,
)
from crm.labels import LABELS, EnumLabels
from crm.openings.models import ContractType, NotHiredReason, OpeningStatus, PipelineStage
from crm.privacy.models import AccessAction, FieldGroup

CANDIDATE_LABELS = EnumLabels.from_pairs(
    [
        (CandidateStatus.ACTIVE, _l("Active")),
        (CandidateStatus.PLACED, _l("Placed")),
        (CandidateStatus.SUSPENDED, _l("Suspended")),
        (CandidateStatus.CLOSED, _l("Closed")),
        (CandidateStatus.ERASED, _l("Erased")),
        (CommuteMode.PUBLIC_TRANSPORT, _l("Public transport")),
        (CommuteMode.CAR, _l("Car")),
        (CommuteMode.SCOOTER, _l("Scooter")),
        (CommuteMode.BICYCLE, _l("Bicycle")),
        (CommuteMode.WALKING, _l("On foot")),
        (EducationLevel.NONE, _l("No qualification")),
        (EducationLevel.PRIMARY, _l("Primary school")),
        (EducationLevel.LOWER_SECONDARY, _l("Lower secondary (licenza media)")),
        (EducationLevel.VOCATIONAL, _l("Vocational qualification")),
        (EducationLevel.UPPER_SECONDARY, _l("Upper secondary diploma")),
        (EducationLevel.DEGREE, _l("University degree")),
        (Shift.MORNING, _l("Morning")),
        (Shift.AFTERNOON, _l("Afternoon")),
        (Shift.EVENING, _l("Evening")),
        (Shift.NIGHT, _l("Night")),
        (ConsentPurpose.DATA_PROCESSING, _l("Processing of personal data")),
        (ConsentPurpose.SENSITIVE_DATA, _l("Processing of health data")),
        (ConsentPurpose.SHARING_WITH_EMPLOYERS, _l("Sharing the profile with employers")),
        (ConsentPurpose.SHARING_WITH_SOCIAL_SERVICES, _l("Reporting to the social services")),
        (ConsentPurpose.PLAN_AGREEMENT, _l("Signed tailored plan")),
        (ReadinessBand.READY, _l("Ready")),
        (ReadinessBand.READY_WITH_SUPPORT, _l("Ready with support")),
        (ReadinessBand.NEEDS_PREPARATION, _l("Needs a preparatory path first")),
        (ContractType.TIROCINIO, _l("Internship (tirocinio)")),
        (ContractType.FIXED_TERM, _l("Fixed-term")),
        (ContractType.PERMANENT, _l("Permanent")),
        (ContractType.LAW68, _l("Law 68 position")),
        (ContractType.ART14, _l("Art. 14 agreement (social cooperative)")),
        (OpeningStatus.OPEN, _l("Open")),
        (OpeningStatus.ON_HOLD, _l("On hold")),
        (OpeningStatus.FILLED, _l("Filled")),
        (OpeningStatus.CLOSED, _l("Closed")),
        (PipelineStage.PROPOSED, _l("Proposed")),
        (PipelineStage.PRESENTED, _l("Presented")),
        (PipelineStage.INTERVIEW, _l("Interview")),
        (PipelineStage.HIRED, _l("Hired")),
        (PipelineStage.NOT_HIRED, _l("Not hired")),
        (NotHiredReason.EMPLOYER_DECLINED, _l("The employer declined")),
        (NotHiredReason.CANDIDATE_DECLINED, _l("The candidate declined")),
        (NotHiredReason.NO_SHOW, _l("Did not attend")),
        (NotHiredReason.POSITION_FILLED, _l("Position filled by someone else")),
        (NotHiredReason.NOT_READY, _l("Not ready yet")),
        (NotHiredReason.OTHER, _l("Other")),
        (AccessAction.VIEW, _l("Viewed")),
        (AccessAction.LIST, _l("Listed")),
        (AccessAction.CREATE, _l("Registered")),
        (AccessAction.CHANGE, _l("Changed")),
        (AccessAction.SHOW_SENSITIVE, _l("Showed sensitive notes")),
        (AccessAction.EXPORT, _l("Exported")),
        (AccessAction.PRESENT, _l("Anonymised profile produced")),
        (AccessAction.ERASE, _l("Erased")),
        (AccessAction.DUPLICATE_MATCH, _l("Duplicate referral found")),
        (FieldGroup.IDENTITY, _l("Identity")),
        (FieldGroup.SENSITIVE, _l("Sensitive notes")),
        (FieldGroup.ASSESSMENT_NOTES, _l("Assessment notes")),
        (FieldGroup.ANONYMISED_PROFILE, _l("Anonymised profile")),
        (FieldGroup.ALL, _l("Everything")),
    ]
)

DIMENSION_LABELS: dict[str, Any] = {
    "professional_skills": _l("Professional skills"),
    "work_experience": _l("Work experience"),
    "motivation": _l("Motivation"),
    "autonomy": _l("Autonomy and soft skills"),
    "constraints": _l("Personal or health constraints"),
    "support": _l("Family and social support"),
}

DIMENSION_HELP: dict[str, Any] = {
    "constraints": _l("4: nothing limits the job search; 1: constraints rule out most jobs for now."),
    "support": _l("4: strong support from family or network; 1: none, or a burden."),
}

WEEKDAY_LABELS: dict[str, Any] = {
    "mon": _l("Mon"),
    "tue": _l("Tue"),
    "wed": _l("Wed"),
    "thu": _l("Thu"),
    "fri": _l("Fri"),
    "sat": _l("Sat"),
    "sun": _l("Sun"),
}

# The shared table is keyed by (enumeration, value), so these never shadow another feature's labels.
for _key, _text in CANDIDATE_LABELS.items():
    dict.__setitem__(LABELS, _key, _text)
