"""``/api/v1/organizations``: list filters and pagination, detail, create and update through the
screens' validation, optimistic locking, ownership rules, the audit trail, JSON errors."""

from __future__ import annotations

from typing import Any

from stdnum import luhn

from crm.audit.models import ChangeLog
from crm.auth.models import Role
from crm.extensions import db
from crm.organizations.models import GeoPrecision, Organization, OrganizationStatus

from .conftest import count_queries

FIRENZE = "048017"
EMPOLI = "048014"


def valid_vat(n: int) -> str:
    base = f"{n:07d}048"
    return base + luhn.calc_check_digit(base)


def test_list_is_paginated_with_totals_and_links(client, op, make_org, headers):
    """page/per_page with total, pages and links that keep the filters."""
    for n in range(7):
        make_org(legal_name=f"Ditta {n:02d}", comune_code=FIRENZE)
    response = client.get(
        "/api/v1/organizations?per_page=3&page=2&comune=" + FIRENZE, headers=headers(op, "read")
    )
    assert response.status_code == 200
    body = response.get_json()
    assert [o["legal_name"] for o in body["items"]] == ["Ditta 03", "Ditta 04", "Ditta 05"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 3, 7, 3)
    links = body["links"]
    assert "page=1" in links["prev"] and "page=3" in links["next"] and "comune=048017" in links["next"]
    assert links["first"].endswith("page=1") or "page=1" in links["first"]
    last = client.get(links["last"], headers=headers(op, "read")).get_json()
    assert [o["legal_name"] for o in last["items"]] == ["Ditta 06"] and last["links"]["next"] is None


def test_list_filters_match_the_screen(client, op, coord, make_org, headers):
    """Search text, status, comune, owner (0 = nobody) and sort work as on the organization list."""
    make_org(
        legal_name="Bar Centrale", status=OrganizationStatus.ACTIVE_PARTNER, comune_code=FIRENZE, owner=op
    )
    make_org(legal_name="Forno Empolese", comune_code=EMPOLI)
    make_org(legal_name="Bar dello Sport", comune_code=EMPOLI, employees=30)
    h = headers(op, "read")

    def names(query: str) -> list[str]:
        response = client.get("/api/v1/organizations?" + query, headers=h)
        assert response.status_code == 200, response.get_json()
        return [o["legal_name"] for o in response.get_json()["items"]]

    assert names("q=bar") == ["Bar Centrale", "Bar dello Sport"]
    assert names("status=active_partner") == ["Bar Centrale"]
    assert names("comune=" + EMPOLI) == ["Bar dello Sport", "Forno Empolese"]
    assert names(f"owner={op.id}") == ["Bar Centrale"]
    assert names("owner=0") == ["Bar dello Sport", "Forno Empolese"]
    assert names("size=small") == ["Bar dello Sport"]
    assert names("sort=name&direction=desc") == ["Forno Empolese", "Bar dello Sport", "Bar Centrale"]


def test_invalid_filter_is_422_listing_the_field(client, op, headers):
    response = client.get("/api/v1/organizations?status=nonsense&per_page=1000", headers=headers(op))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_failed"
    assert set(body["errors"]) == {"status", "per_page"}


def test_list_runs_a_bounded_number_of_queries(client, op, coord, make_org, headers, fresh):
    """The number of SQL statements does not grow with the number of organizations (no N+1)."""
    from crm.auth.models import User
    from crm.organizations.services import set_tags

    h = headers(op, "read")
    owner_ids = [op.id, coord.id]

    def queries(total: int) -> int:
        n = db.session.scalar(db.select(db.func.count(Organization.id)))
        while n < total:
            org = make_org(legal_name=f"Ditta {n:03d}", owner=db.session.get(User, owner_ids[n % 2]))
            set_tags(org, [f"tag{n % 3}"])
            db.session.commit()
            n += 1
        client.get("/api/v1/me", headers=h)  # the token's first use writes last_used_at once
        fresh()
        with count_queries() as statements:
            response = client.get("/api/v1/organizations?per_page=100", headers=h)
        assert response.status_code == 200
        assert len(response.get_json()["items"]) == total
        return len(statements)

    assert queries(4) == queries(30)


def test_detail_and_404(client, op, make_org, headers):
    org = make_org(legal_name="Trattoria", comune_code=FIRENZE)
    h = headers(op, "read")
    body = client.get(f"/api/v1/organizations/{org.id}", headers=h).get_json()
    assert body["legal_name"] == "Trattoria" and body["comune_name"] == "Firenze"
    assert body["version"] == 1 and body["tags"] == []
    missing = client.get("/api/v1/organizations/999999", headers=h)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    huge = client.get("/api/v1/organizations/99999999999999", headers=h)
    assert huge.status_code == 404 and huge.is_json


def test_create_validates_like_the_form(client, op, headers):
    """Bad Partita IVA, CAP of another comune, bad hours: 422 with each field named; nothing saved."""
    response = client.post(
        "/api/v1/organizations",
        json={
            "legal_name": "Nuova S.r.l.",
            "vat_number": "12345678901",
            "comune_code": FIRENZE,
            "cap": "50053",
            "opening_hours": {"mon": [["13:00", "09:00"]]},
        },
        headers=headers(op),
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"vat_number", "cap", "opening_hours.mon"} <= set(errors)
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 0


def test_create_requires_the_name_and_rejects_unknown_fields(client, op, headers):
    response = client.post("/api/v1/organizations", json={"colour": "red"}, headers=headers(op))
    assert response.status_code == 422
    assert {"legal_name", "colour"} <= set(response.get_json()["errors"])


def test_malformed_json_is_400(client, op, headers):
    response = client.post(
        "/api/v1/organizations", data="{not json", content_type="application/json", headers=headers(op)
    )
    assert response.status_code in (400, 422)
    assert response.is_json and "error" in response.get_json()


def test_operator_creates_and_owns(client, op, coord, headers):
    """An operator becomes the owner; the change is audited under their name; the comune centre is used."""
    response = client.post(
        "/api/v1/organizations",
        json={
            "legal_name": "Panificio Rossi",
            "vat_number": valid_vat(1),
            "comune_code": FIRENZE,
            "tags": ["forno", "Empoli"],
            "opening_hours": {"mon": [["09:00", "13:00"]]},
            "law68_subject": False,
            "phone": "055 123 4567",
        },
        headers=headers(op),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["owner"]["id"] == op.id
    assert body["geo_precision"] == GeoPrecision.COMUNE.value and body["latitude"] is not None
    assert body["tags"] == ["Empoli", "forno"]
    assert body["opening_hours"]["mon"] == [["09:00", "13:00"]]
    assert body["phone"] == "+390551234567"
    assert body["law68_subject"] is False
    entry = db.session.scalars(
        db.select(ChangeLog).where(ChangeLog.entity_type == "organization", ChangeLog.entity_id == body["id"])
    ).one()
    assert entry.user_id == op.id


def test_operator_may_not_choose_the_owner(client, op, coord, headers):
    response = client.post(
        "/api/v1/organizations", json={"legal_name": "X", "owner_id": coord.id}, headers=headers(op)
    )
    assert response.status_code == 422 and "owner_id" in response.get_json()["errors"]


def test_coordinator_chooses_the_owner(client, op, coord, headers):
    response = client.post(
        "/api/v1/organizations", json={"legal_name": "X", "owner_id": op.id}, headers=headers(coord)
    )
    assert response.status_code == 201 and response.get_json()["owner"]["id"] == op.id


def test_duplicate_vat_number_is_409(client, op, make_org, headers):
    existing = make_org(legal_name="Prima", vat_number=valid_vat(5))
    response = client.post(
        "/api/v1/organizations",
        json={"legal_name": "Seconda", "vat_number": valid_vat(5)},
        headers=headers(op),
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "duplicate_vat_number" and str(existing.id) in body["message"]


def test_patch_changes_only_what_is_sent_and_bumps_the_version(client, op, make_org, headers):
    org = make_org(legal_name="Vecchio Nome", owner=op, comune_code=FIRENZE, notes="keep me")
    response = client.patch(
        f"/api/v1/organizations/{org.id}",
        json={"version": 1, "trade_name": "Nuovo", "status": "contacted"},
        headers=headers(op),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["trade_name"], body["status"], body["notes"], body["version"]) == (
        "Nuovo",
        "contacted",
        "keep me",
        2,
    )
    assert body["legal_name"] == "Vecchio Nome"


def test_patch_with_a_stale_version_is_409(client, op, make_org, headers):
    """Optimistic locking as on the screens: the second writer with the old version gets 409."""
    org = make_org(legal_name="Contesa", owner=op)
    h = headers(op)
    first = client.patch(f"/api/v1/organizations/{org.id}", json={"version": 1, "notes": "a"}, headers=h)
    assert first.status_code == 200
    second = client.patch(f"/api/v1/organizations/{org.id}", json={"version": 1, "notes": "b"}, headers=h)
    assert second.status_code == 409
    assert second.get_json()["error"] == "version_conflict"
    db.session.expire_all()
    assert db.session.get(Organization, org.id).notes == "a"


def test_patch_requires_the_version(client, op, make_org, headers):
    org = make_org(owner=op)
    response = client.patch(f"/api/v1/organizations/{org.id}", json={"notes": "x"}, headers=headers(op))
    assert response.status_code == 422 and "version" in response.get_json()["errors"]


def test_operator_cannot_edit_someone_elses_organization(client, op, coord, make_org, headers):
    org = make_org(owner=coord)
    response = client.patch(
        f"/api/v1/organizations/{org.id}", json={"version": 1, "notes": "x"}, headers=headers(op)
    )
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_coordinator_edits_any_and_admin_may_too(client, op, staff, make_org, headers):
    org = make_org(owner=op)
    admin = staff(Role.ADMIN)
    response = client.patch(
        f"/api/v1/organizations/{org.id}", json={"version": 1, "notes": "x"}, headers=headers(admin)
    )
    assert response.status_code == 200


def test_method_not_allowed_is_json(client, op, make_org, headers):
    org = make_org(owner=op)
    response = client.put(f"/api/v1/organizations/{org.id}", json={}, headers=headers(op))
    assert response.status_code == 405
    assert response.is_json and response.get_json()["error"] == "method_not_allowed"


def test_unknown_api_path_is_json_404(client, op, headers):
    response = client.get("/api/v1/nothing-here", headers=headers(op))
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_api_error_responses_carry_no_html(client):
    response = client.get("/api/v1/organizations/1")
    assert response.status_code == 401 and response.mimetype == "application/json"


def test_make_org_helper_accepts_fields(make_org: Any):
    """The shared factory stores what the tests pass (guards the fixtures used above)."""
    org = make_org(legal_name="Z", comune_code=FIRENZE)
    assert org.comune_code == FIRENZE
