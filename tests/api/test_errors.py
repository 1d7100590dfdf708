"""API errors are JSON with a stable code and a message, whatever goes wrong (500 included)."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import TooManyRequests

from crm.api.core import default_code


@pytest.fixture
def no_propagation(app):
    """Let Flask turn exceptions into 500 responses, as in production."""
    old = app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = old


def test_unexpected_error_is_a_json_500_without_details(client, op, headers, monkeypatch, no_propagation):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("crm.api.resources.organizations.OrganizationListPage", boom)
    response = client.get("/api/v1/organizations", headers=headers(op, "read"))
    assert response.status_code == 500 and response.is_json
    body = response.get_json()
    assert body["error"] == "internal_server_error"
    assert "secret internals" not in response.get_data(as_text=True)


def test_rate_limit_is_json_429(client, op, headers, monkeypatch):
    def limited(*args, **kwargs):
        raise TooManyRequests(retry_after=30)

    monkeypatch.setattr("crm.api.resources.organizations.OrganizationListPage", limited)
    response = client.get("/api/v1/organizations", headers=headers(op, "read"))
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"
    assert response.headers["Retry-After"] == "30"


def test_bad_json_body_is_400_json(client, op, headers):
    response = client.post(
        "/api/v1/follow-ups", data="[1,", content_type="application/json", headers=headers(op)
    )
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert body["error"] == "bad_request" and "JSON" in body["message"]


def test_validation_error_lists_the_fields(client, op, headers):
    response = client.post(
        "/api/v1/follow-ups", json={"due_date": "not a date", "title": 5}, headers=headers(op)
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_failed" and {"due_date", "title"} <= set(body["errors"])
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)


def test_control_characters_are_refused(client, op, headers):
    """NUL and friends never reach the database (PostgreSQL would refuse NUL in text)."""
    response = client.get("/api/v1/organizations?q=a%00b", headers=headers(op, "read"))
    assert response.status_code == 422 and "q" in response.get_json()["errors"]


def test_default_codes_are_stable():
    assert default_code(404) == "not_found"
    assert default_code(405) == "method_not_allowed"
    assert default_code(409) == "conflict"
    assert default_code(422) == "unprocessable_content" or default_code(422) == "unprocessable_entity"
    assert default_code(599) == "error"


def test_errors_without_fields_carry_no_errors_member(client, op, coord, make_org, headers):
    """Only validation errors list fields; a 403, 404 or 409 has just the code and the message."""
    org = make_org(owner=coord)
    forbidden = client.patch(f"/api/v1/organizations/{org.id}", json={"version": 1}, headers=headers(op))
    missing = client.get("/api/v1/contacts/4242", headers=headers(op))
    assert forbidden.status_code == 403 and missing.status_code == 404
    for response in (forbidden, missing):
        assert set(response.get_json()) == {"error", "message"}
