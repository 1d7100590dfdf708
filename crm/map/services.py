"""Map data: the located organizations of a filtered list, as compact rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from crm.extensions import db
from crm.organizations.models import Organization
from crm.organizations.services import OrganizationFilters, filter_conditions


@dataclass(frozen=True, slots=True)
class MapPoints:
    #: [id, latitude, longitude, kind, status, name, precision] per located organization
    points: list[list[Any]]
    #: organizations that match the filters but have no coordinates yet
    without_location: int
    truncated: bool


def map_points(filters: OrganizationFilters, *, limit: int) -> MapPoints:
    """The points of every organization that the list would show, with the same filters.

    Only the columns the map needs are read (no ORM objects), so 50,000 points stay one light query.
    """
    conditions = filter_conditions(filters)
    located = Organization.latitude.is_not(None) & Organization.longitude.is_not(None)
    rows_query = (
        select(
            Organization.id,
            Organization.latitude,
            Organization.longitude,
            Organization.kind,
            Organization.status,
            func.coalesce(Organization.trade_name, Organization.legal_name),
            Organization.geo_precision,
        )
        .where(located, *conditions)
        .order_by(Organization.id)
        .limit(limit + 1)
    )
    rows = db.session.execute(rows_query).all()
    without_location = (
        db.session.scalar(select(func.count(Organization.id)).where(~located, *conditions)) or 0
    )
    points = [
        [
            row[0],
            round(row[1], 6),
            round(row[2], 6),
            row[3].value,
            row[4].value,
            row[5],
            row[6].value if row[6] is not None else None,
        ]
        for row in rows[:limit]
    ]
    return MapPoints(points=points, without_location=without_location, truncated=len(rows) > limit)
