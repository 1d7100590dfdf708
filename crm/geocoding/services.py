"""Place organizations on the map: an online geocoder (geopy) when there is one, the bundled gazetteer
of comuni and Florence postal codes always.

The online geocoder is Nominatim by default, at most one request a second (geopy's RateLimiter), and
every answer is cached in ``geocode_cache``. When the network or the service fails, or an answer lands
far from the comune it should be in, the organization is placed at its postal-code or comune centre and
marked as approximate: the app never needs the network to run, to test or to show the demo.
"""

from __future__ import annotations

import csv
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Protocol

from geopy.exc import GeopyError
from sqlalchemy import or_, select

from crm.db_types import utcnow
from crm.extensions import db
from crm.geocoding.models import GeocodeCacheEntry
from crm.organizations.models import GeoPrecision, Organization
from crm.reference.places import Comune, comune_by_code, fold

log = logging.getLogger(__name__)

#: An answer further than this from its comune's centre is a wrong match (the metro area's largest
#: comuni are about 15 km across).
MAX_DISTANCE_FROM_COMUNE_KM = 20.0

#: Precisions that a geocoder run may improve; manual pins and exact addresses are left alone.
IMPROVABLE = (GeoPrecision.COMUNE, GeoPrecision.POSTCODE)

# Nominatim's "addresstype" (or "type") of a result, mapped to how far we trust the point.
_NOMINATIM_PRECISION = {
    "house": GeoPrecision.ROOFTOP,
    "building": GeoPrecision.ROOFTOP,
    "amenity": GeoPrecision.ROOFTOP,
    "shop": GeoPrecision.ROOFTOP,
    "office": GeoPrecision.ROOFTOP,
    "place": GeoPrecision.ROOFTOP,
    "road": GeoPrecision.STREET,
    "street": GeoPrecision.STREET,
    "square": GeoPrecision.STREET,
    "neighbourhood": GeoPrecision.STREET,
    "quarter": GeoPrecision.STREET,
    "postcode": GeoPrecision.POSTCODE,
}


class Geocoder(Protocol):
    """What we use of a geopy geocoder (tests replace it at this boundary)."""

    def geocode(self, query: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class Placement:
    latitude: float
    longitude: float
    precision: GeoPrecision
    source: str  # "cache", "geocoder" or "gazetteer"


def build_geocoder(config: dict[str, Any]) -> Geocoder:
    """Nominatim (or a compatible server) from the app's settings, rate-limited to its policy."""
    from urllib.parse import urlsplit

    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    url = urlsplit(config["GEOCODER_URL"])
    user_agent = config["GEOCODER_USER_AGENT"]
    if config.get("GEOCODER_EMAIL"):
        # Nominatim's usage policy asks heavy users to be reachable.
        user_agent = f"{user_agent} ({config['GEOCODER_EMAIL']})"
    nominatim = Nominatim(
        user_agent=user_agent,
        domain=url.netloc + url.path.rstrip("/"),
        scheme=url.scheme or "https",
        timeout=config["GEOCODER_TIMEOUT"],
    )
    return _RateLimitedGeocoder(
        RateLimiter(
            nominatim.geocode,
            min_delay_seconds=config["GEOCODER_MIN_DELAY_SECONDS"],
            max_retries=1,
            swallow_exceptions=False,
        )
    )


class _RateLimitedGeocoder:
    provider = "nominatim"

    def __init__(self, limited: Callable[..., Any]) -> None:
        self._limited = limited

    def geocode(self, query: str, **kwargs: Any) -> Any:
        return self._limited(query, **kwargs)


@cache
def _locality_caps() -> dict[str, tuple[float, float]]:
    """Florence postal codes that have a point of their own (the others only say "in Florence")."""
    path = resources.files("crm").joinpath("data", "cap_firenze.csv")
    with path.open(encoding="utf-8", newline="") as f:
        return {
            r["cap"]: (float(r["lat"]), float(r["lon"]))
            for r in csv.DictReader(f)
            if r["precision"] == "locality"
        }


def gazetteer_placement(cap: str | None, comune_code: str | None) -> Placement | None:
    """The approximate point the bundled data gives: the CAP's locality in Florence, else the comune."""
    comune = comune_by_code(comune_code)
    if comune is None:
        return None
    if cap and comune.name == "Firenze" and cap in _locality_caps():
        lat, lon = _locality_caps()[cap]
        return Placement(lat, lon, GeoPrecision.POSTCODE, "gazetteer")
    return Placement(comune.latitude, comune.longitude, GeoPrecision.COMUNE, "gazetteer")


def address_query(address: str | None, cap: str | None, comune: Comune) -> str | None:
    """The text sent to the geocoder, or None when there is no street address to look up."""
    if not address or not address.strip():
        return None
    place = " ".join(p for p in (cap, comune.name) if p)
    return f"{address.strip()}, {place}, {comune.province_code}, Italia"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _precision_of(raw: dict[str, Any]) -> GeoPrecision:
    kind = str(raw.get("addresstype") or raw.get("type") or "")
    if kind in _NOMINATIM_PRECISION:
        return _NOMINATIM_PRECISION[kind]
    if raw.get("class") in ("building", "amenity", "shop", "office", "craft", "tourism"):
        return GeoPrecision.ROOFTOP
    if raw.get("class") == "highway":
        return GeoPrecision.STREET
    return GeoPrecision.COMUNE


def _ask_geocoder(geocoder: Geocoder, query: str, comune: Comune) -> GeocodeCacheEntry | None:
    """Look the address up; None when the service failed (nothing is cached then)."""
    try:
        location = geocoder.geocode(query, exactly_one=True, country_codes="it", addressdetails=True)
    except (GeopyError, OSError) as exc:
        log.warning("geocoder unavailable: %s", type(exc).__name__)
        return None
    provider = getattr(geocoder, "provider", type(geocoder).__name__)
    entry = GeocodeCacheEntry(query=fold(query)[:400], provider=str(provider)[:60])
    if location is not None:
        lat, lon = float(location.latitude), float(location.longitude)
        if distance_km(lat, lon, comune.latitude, comune.longitude) <= MAX_DISTANCE_FROM_COMUNE_KM:
            entry.latitude, entry.longitude = lat, lon
            entry.precision = _precision_of(getattr(location, "raw", {}) or {})
            entry.display_name = str(getattr(location, "address", "") or "")[:400]
    db.session.add(entry)
    return entry


def locate(
    address: str | None,
    cap: str | None,
    comune_code: str | None,
    *,
    geocoder: Geocoder | None,
) -> Placement | None:
    """The best point for an address: cache, then the geocoder (if given), then the gazetteer."""
    comune = comune_by_code(comune_code)
    if comune is None:
        return None
    query = address_query(address, cap, comune)
    if query is not None:
        entry = db.session.scalar(
            select(GeocodeCacheEntry).where(GeocodeCacheEntry.query == fold(query)[:400])
        )
        source = "cache"
        if entry is None and geocoder is not None:
            entry = _ask_geocoder(geocoder, query, comune)
            source = "geocoder"
        if entry is not None and entry.latitude is not None and entry.longitude is not None:
            precision = entry.precision or GeoPrecision.STREET
            # A geocoder that only found the town is no better than our own gazetteer.
            if precision not in IMPROVABLE:
                return Placement(entry.latitude, entry.longitude, precision, source)
    return gazetteer_placement(cap, comune_code)


def place_organization(org: Organization, *, geocoder: Geocoder | None) -> Placement | None:
    """Set the organization's coordinates from its address (no commit). Manual pins are kept."""
    if org.geo_precision is GeoPrecision.MANUAL and org.has_coordinates:
        return None
    placement = locate(org.address, org.cap, org.comune_code, geocoder=geocoder)
    if placement is not None:
        org.latitude, org.longitude = placement.latitude, placement.longitude
        org.geo_precision = placement.precision
    return placement


def set_manual_location(org: Organization, latitude: float, longitude: float) -> None:
    """A person moved the pin: trust it over any geocoder from now on."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("coordinates out of range")
    org.latitude, org.longitude = latitude, longitude
    org.geo_precision = GeoPrecision.MANUAL
    org.updated_at = utcnow()
    db.session.commit()


@dataclass
class GeocodingRun:
    """What a run did, for the command's summary."""

    processed: int = 0
    by_precision: Counter[str] = field(default_factory=Counter)
    unplaced: int = 0


def organizations_to_geocode(*, missing_only: bool) -> Iterator[int]:
    """Ids in a stable order, so an interrupted run restarts where it stood (done ones are skipped)."""
    query = select(Organization.id).order_by(Organization.id)
    if missing_only:
        query = query.where(or_(Organization.latitude.is_(None), Organization.longitude.is_(None)))
    else:
        query = query.where(
            or_(
                Organization.latitude.is_(None),
                Organization.geo_precision.is_(None),
                Organization.geo_precision.in_(IMPROVABLE),
            )
        )
    yield from db.session.scalars(query)


def geocode_organizations(
    ids: list[int],
    *,
    geocoder: Geocoder | None,
    batch_size: int = 25,
    progress: Callable[[int], None] | None = None,
) -> GeocodingRun:
    """Place each organization, committing every ``batch_size`` so an interruption loses little."""
    run = GeocodingRun()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        orgs = db.session.scalars(select(Organization).where(Organization.id.in_(chunk))).all()
        for org in orgs:
            placement = place_organization(org, geocoder=geocoder)
            run.processed += 1
            if org.geo_precision is not None:
                run.by_precision[org.geo_precision.value] += 1
            if placement is None and not org.has_coordinates:
                run.unplaced += 1
        db.session.commit()
        if progress:
            progress(len(chunk))
    return run
