"""Geocoding: the online geocoder is faked at its boundary (the geopy geocoder object)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from geopy.exc import GeocoderUnavailable
from sqlalchemy import func, select

from crm.extensions import db
from crm.geocoding.models import GeocodeCacheEntry
from crm.geocoding.services import (
    gazetteer_placement,
    geocode_organizations,
    locate,
    organizations_to_geocode,
    set_manual_location,
)
from crm.organizations.models import GeoPrecision, Organization
from crm.reference.places import comune_by_name

FIRENZE = comune_by_name("Firenze")
EMPOLI = comune_by_name("Empoli")


@dataclass
class FakeLocation:
    latitude: float
    longitude: float
    raw: dict[str, Any]
    address: str = "somewhere"


@dataclass
class FakeGeocoder:
    """Answers from a table; records every query so tests can count network calls."""

    answers: dict[str, FakeLocation | None] = field(default_factory=dict)
    fail: bool = False
    queries: list[str] = field(default_factory=list)
    provider: str = "fake"

    def geocode(self, query: str, **kwargs: Any) -> FakeLocation | None:
        self.queries.append(query)
        if self.fail:
            raise GeocoderUnavailable("down")
        for key, answer in self.answers.items():
            if key in query:
                return answer
        return None


def _org(**fields: Any) -> Organization:
    org = Organization(legal_name=fields.pop("legal_name", "Alfa S.r.l."), search_text="", **fields)
    db.session.add(org)
    db.session.commit()
    return org


def test_an_address_is_looked_up_once_and_then_cached(app):
    """The second lookup of the same address (any case or accents) is answered from the cache."""
    geocoder = FakeGeocoder(
        {"Via dei Neri 10": FakeLocation(43.7686, 11.2585, {"addresstype": "house"})}
    )
    first = locate("Via dei Neri 10", "50122", FIRENZE.istat_code, geocoder=geocoder)
    db.session.commit()
    second = locate("VIA DEI NERI 10", "50122", FIRENZE.istat_code, geocoder=geocoder)
    assert first is not None and second is not None
    assert (first.precision, first.source) == (GeoPrecision.ROOFTOP, "geocoder")
    assert (second.latitude, second.source) == (43.7686, "cache")
    assert len(geocoder.queries) == 1


def test_geocoder_failure_falls_back_to_the_comune_centre(app):
    """With the service down the organization still gets an approximate location, and nothing is cached."""
    placement = locate("Via Roma 1", "50053", EMPOLI.istat_code, geocoder=FakeGeocoder(fail=True))
    assert placement is not None
    assert placement.precision is GeoPrecision.COMUNE
    assert (placement.latitude, placement.longitude) == (EMPOLI.latitude, EMPOLI.longitude)
    assert db.session.scalar(select(func.count(GeocodeCacheEntry.id))) == 0


def test_an_answer_far_from_the_comune_is_rejected(app):
    """A homonymous street in another region does not move a Florence company to Milan."""
    geocoder = FakeGeocoder({"Via Roma 1": FakeLocation(45.4642, 9.19, {"addresstype": "house"})})
    placement = locate("Via Roma 1", "50122", FIRENZE.istat_code, geocoder=geocoder)
    assert placement is not None and placement.precision is GeoPrecision.COMUNE


def test_florence_postcodes_with_a_locality_give_a_postcode_point(app):
    """Offline, a Florence CAP that has its own locality point is better than the city centre."""
    placement = gazetteer_placement("50124", FIRENZE.istat_code)
    assert placement is not None and placement.precision is GeoPrecision.POSTCODE
    assert placement.latitude != FIRENZE.latitude


def test_unknown_comune_cannot_be_placed(app):
    """Without a known comune there is no honest approximation."""
    assert locate("Via Roma 1", None, "999999", geocoder=None) is None


def test_batch_run_places_everyone_offline_and_keeps_manual_pins(app):
    """An offline run gives every organization with a comune a location and never moves a manual pin."""
    a = _org(address="Via Roma 1", comune_code=EMPOLI.istat_code)
    b = _org(legal_name="Beta", comune_code=FIRENZE.istat_code, cap="50124")
    pinned = _org(legal_name="Gamma", comune_code=FIRENZE.istat_code)
    set_manual_location(pinned, 43.70, 11.20)
    ids = list(organizations_to_geocode(missing_only=False))
    assert pinned.id not in ids
    run = geocode_organizations(ids, geocoder=None)
    assert run.processed == 2 and run.unplaced == 0
    db.session.expire_all()
    assert db.session.get(Organization, a.id).geo_precision is GeoPrecision.COMUNE
    assert db.session.get(Organization, b.id).geo_precision is GeoPrecision.POSTCODE
    assert (db.session.get(Organization, pinned.id).latitude) == 43.70


def test_missing_only_skips_organizations_that_have_a_location(app):
    """``--missing-only`` leaves placed organizations alone, so a run can resume."""
    placed = _org(comune_code=EMPOLI.istat_code, latitude=43.7, longitude=10.9,
                  geo_precision=GeoPrecision.COMUNE)
    missing = _org(legal_name="Beta", comune_code=EMPOLI.istat_code)
    assert list(organizations_to_geocode(missing_only=True)) == [missing.id]
    assert placed.id in list(organizations_to_geocode(missing_only=False))


def test_geocode_command_offline(runner):
    """The command reports what it did and needs no network with --offline."""
    _org(address="Via Roma 1", comune_code=EMPOLI.istat_code)
    result = runner.invoke(args=["organizations", "geocode", "--offline"])
    assert result.exit_code == 0, result.output
    assert "Geocoded 1 organizations (comune 1)" in result.output
    again = runner.invoke(args=["organizations", "geocode", "--missing-only", "--offline"])
    assert "Nothing to geocode" in again.output


def test_manual_location_rejects_impossible_coordinates(app):
    """A pin outside the globe is refused."""
    org = _org()
    with pytest.raises(ValueError, match="out of range"):
        set_manual_location(org, 123.0, 11.0)
