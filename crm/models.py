"""Import every feature's models so SQLAlchemy's registry and Alembic see the whole schema."""

from crm.api.models import ApiToken
from crm.audit.models import ChangeLog
from crm.auth.models import Role, User
from crm.candidates.models import (
    Assessment,
    Candidate,
    ConsentRecord,
    Skill,
    WorkExperience,
)
from crm.contacts.models import Contact
from crm.duplicates.models import DuplicateDismissal
from crm.exports.models import CalendarFeedToken
from crm.field.models import FieldSubmission
from crm.followups.models import FollowUp
from crm.geocoding.models import GeocodeCacheEntry
from crm.imports.models import ImportRow, ImportRun
from crm.interactions.models import Interaction
from crm.jobs.models import BackgroundJob
from crm.offices.models import Office
from crm.openings.models import Opening, OpeningSkill, PipelineEntry, Placement, PlacementCheck
from crm.organizations.models import Organization, Tag
from crm.outcomes.models import AssumptionSet, BenefitRecord, FrozenLedgerLine, LedgerFreeze
from crm.partnership.models import (
    CaseNote,
    PartnershipNotification,
    Plan,
    PlanAction,
    PlanGoal,
    PlanVersion,
    Referral,
    Referrer,
    ReferringOffice,
)
from crm.privacy.models import AccessLog
from crm.ranking.models import RankingBoost, RankingSettings
from crm.visits.models import VisitPlan

__all__ = [
    "AccessLog",
    "ApiToken",
    "Assessment",
    "AssumptionSet",
    "BackgroundJob",
    "BenefitRecord",
    "CalendarFeedToken",
    "Candidate",
    "CaseNote",
    "ChangeLog",
    "ConsentRecord",
    "Contact",
    "DuplicateDismissal",
    "FieldSubmission",
    "FollowUp",
    "FrozenLedgerLine",
    "GeocodeCacheEntry",
    "ImportRow",
    "ImportRun",
    "Interaction",
    "LedgerFreeze",
    "Office",
    "Opening",
    "OpeningSkill",
    "Organization",
    "PartnershipNotification",
    "PipelineEntry",
    "Placement",
    "PlacementCheck",
    "Plan",
    "PlanAction",
    "PlanGoal",
    "PlanVersion",
    "RankingBoost",
    "RankingSettings",
    "Referral",
    "Referrer",
    "ReferringOffice",
    "Role",
    "Skill",
    "Tag",
    "User",
    "VisitPlan",
    "WorkExperience",
]
