"""Import every feature's models so SQLAlchemy's registry and Alembic see the whole schema."""

from crm.audit.models import ChangeLog
from crm.auth.models import Role, User
from crm.contacts.models import Contact
from crm.followups.models import FollowUp
from crm.geocoding.models import GeocodeCacheEntry
from crm.interactions.models import Interaction
from crm.offices.models import Office
from crm.organizations.models import Organization, Tag

__all__ = [
    "ChangeLog",
    "Contact",
    "FollowUp",
    "GeocodeCacheEntry",
    "Interaction",
    "Office",
    "Organization",
    "Role",
    "Tag",
    "User",
]
