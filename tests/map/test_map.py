from __future__ import annotations

from typing import Any

from crm.extensions import db
from crm.organizations.models import GeoPrecision, Organization, OrganizationKind, OrganizationStatus
from crm.reference.places import comune_by_name

EMPOLI = comune_by_name("Empoli")


def _org(**fields: Any) -> Organization:
    org = Organization(
        legal_name=fields.pop("legal_name", "Alfa S.r.l."),
        search_text=fields.pop("search_text", "alfa s.r.l."),
        comune_code=fields.pop("comune_code", EMPOLI.istat_code),
        **fields,
    )
    db.session.add(org)
    db.session.commit()
    return org


def test_points_follow_the_list_filters(client, logged_in):
    """The map shows exactly the located organizations the list would show."""
    a = _org(latitude=43.72, longitude=10.95, geo_precision=GeoPrecision.STREET,
             kind=OrganizationKind.COOP_B, status=OrganizationStatus.CONTACTED)
    _org(legal_name="Beta", search_text="beta", latitude=43.7, longitude=10.9,
         kind=OrganizationKind.COMPANY)
    _org(legal_name="Gamma", search_text="gamma", kind=OrganizationKind.COOP_B)
    data = client.get("/map/points.json?kind=coop_b").get_json()
    assert data["points"] == [[a.id, 43.72, 10.95, "coop_b", "contacted", "Alfa S.r.l.", "street"]]
    assert data["without_location"] == 1
    assert data["truncated"] is False


def test_invalid_filters_are_reported_not_fatal(client, logged_in):
    """A bad filter value is ignored and named, never a server error."""
    response = client.get("/map/points.json?status=bogus&page=x")
    assert response.status_code == 200
    assert len(response.get_json()["ignored_filters"]) == 1


def test_map_page_uses_local_leaflet(client, logged_in):
    """The page loads Leaflet and the cluster plugin from this server, not from a CDN."""
    page = client.get("/map/").get_data(as_text=True)
    assert "/vendor/leaflet/leaflet.js" in page
    assert "/vendor/leaflet-markercluster/leaflet.markercluster.js" in page
    assert "cdn" not in page.lower()
    asset = client.get("/vendor/leaflet/leaflet.js")
    assert asset.status_code == 200
    asset.close()


def test_dragging_the_pin_sets_a_manual_location(client, auth, operator):
    """The owner moves the pin; the precision becomes "set by hand"."""
    org = _org(owner_id=operator.id, latitude=43.7, longitude=10.9, geo_precision=GeoPrecision.COMUNE)
    auth.login(operator)
    response = client.post(
        f"/map/organizations/{org.id}/location", data={"latitude": "43,7201", "longitude": "10.9502"}
    )
    assert response.status_code == 200
    db.session.refresh(org)
    assert (org.latitude, org.longitude, org.geo_precision) == (43.7201, 10.9502, GeoPrecision.MANUAL)


def test_pin_of_someone_elses_organization_cannot_be_moved(client, auth, operator, make_user):
    """Operators move only the pins of organizations they own."""
    other = make_user()
    org = _org(owner_id=other.id, latitude=43.7, longitude=10.9)
    auth.login(operator)
    assert client.post(f"/map/organizations/{org.id}/location",
                       data={"latitude": "43.0", "longitude": "11.0"}).status_code == 403


def test_bad_coordinates_get_a_json_reason(client, auth, coordinator):
    """Nonsense coordinates are refused with a 400 and a reason."""
    org = _org(latitude=43.7, longitude=10.9)
    auth.login(coordinator)
    response = client.post(f"/map/organizations/{org.id}/location", data={"latitude": "north"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_location"


def test_cached_points_follow_edits_and_tags(client, logged_in):
    """The encoded points are cached, but an edit or a new tag shows on the next request."""
    from crm.organizations.models import Tag

    a = _org(latitude=43.72, longitude=10.95)
    first = client.get("/map/points.json").get_json()
    assert first["points"][0][5] == "Alfa S.r.l."
    a.trade_name = "Alfa Pelletterie"
    db.session.commit()
    assert client.get("/map/points.json").get_json()["points"][0][5] == "Alfa Pelletterie"
    assert len(client.get("/map/points.json?tag=pelle").get_json()["ignored_filters"]) == 1
    tag = Tag(name="pelle")
    db.session.add(tag)
    db.session.commit()
    assert client.get("/map/points.json?tag=pelle").get_json()["points"] == []
    a.tags.append(tag)
    db.session.commit()
    assert [p[0] for p in client.get("/map/points.json?tag=pelle").get_json()["points"]] == [a.id]


def test_unchanged_points_answer_not_modified(client, logged_in):
    """A browser that sends back the ETag gets a 304 until the data changes."""
    a = _org(latitude=43.72, longitude=10.95)
    response = client.get("/map/points.json")
    etag = response.headers["ETag"]
    assert "no-cache" in response.headers["Cache-Control"]
    assert client.get("/map/points.json", headers={"If-None-Match": etag}).status_code == 304
    a.legal_name = "Alfa Due S.r.l."
    db.session.commit()
    again = client.get("/map/points.json", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["ETag"] != etag
