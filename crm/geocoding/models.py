"""Every geocoder answer, kept so that an address is looked up once (Nominatim's usage policy asks it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import GeoPrecision, enum_column


class GeocodeCacheEntry(db.Model):
    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The folded query text: the same address typed with other case or accents is the same entry.
    query: Mapped[str] = mapped_column(String(400), unique=True)
    provider: Mapped[str] = mapped_column(String(60))
    # Both empty: the geocoder knew no such address (a negative answer is worth keeping too).
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    precision: Mapped[GeoPrecision | None] = mapped_column(enum_column(GeoPrecision))
    display_name: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
