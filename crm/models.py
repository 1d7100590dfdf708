"""Import every feature's models so SQLAlchemy's registry and Alembic see the whole schema."""

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
from crm.followups.models import FollowUp
from crm.geocoding.models import GeocodeCacheEntry
from crm.imports.models import ImportRow, ImportRun
from crm.interactions.models import Interaction
from crm.offices.models import Office
from crm.openings.models import Opening, OpeningSkill, PipelineEntry, Placement, PlacementCheck
from crm.organizations.models import Organization, Tag
from crm.privacy.models import AccessLog
from crm.visits.models import VisitPlan

__all__ = [
    "AccessLog",
    "Assessment",
    "CalendarFeedToken",
    "Candidate",
    "ChangeLog",
    "ConsentRecord",
    "Contact",
    "DuplicateDismissal",
    "FollowUp",
    "GeocodeCacheEntry",
    "ImportRow",
    "ImportRun",
    "Interaction",
    "Office",
    "Opening",
    "OpeningSkill",
    "Organization",
    "PipelineEntry",
    "Placement",
    "PlacementCheck",
    "Role",
    "Skill",
    "Tag",
    "User",
    "VisitPlan",
    "WorkExperience",
]
