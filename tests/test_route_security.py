"""Walk the whole URL map: every route refuses anonymous users unless it is explicitly public, and
every role-restricted route refuses users below its role. A new route cannot escape these checks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from crm.auth.models import Role
from crm.permissions import PUBLIC_ENDPOINTS

DUMMY_ARGS = {"int": 1, "string": "x", "path": "x", "default": "x", "float": 1.0, "uuid": "0" * 32}


def _url_for_rule(rule: Rule) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__.lower()
        kind = next((k for k in DUMMY_ARGS if converter.startswith(k)), "default")
        values[name] = DUMMY_ARGS[kind]
    return rule.build(values, append_unknown=False)[1]


def _private_rules(app: Flask) -> list[tuple[Rule, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule, method))
    return rules


def _role_rules(app: Flask) -> list[tuple[Rule, str, Role]]:
    found = []
    for rule, method in _private_rules(app):
        role = getattr(app.view_functions[rule.endpoint], "required_role", None)
        if role is not None:
            found.append((rule, method, role))
    return found


def test_every_private_route_refuses_anonymous_users(app: Flask, client):
    """Anonymous requests to any non-public route are sent to the log-in page, never served."""
    private = _private_rules(app)
    assert len(private) > 10
    for rule, method in private:
        response = client.open(_url_for_rule(rule), method=method)
        assert response.status_code in (302, 401), (rule.rule, method, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], (rule.rule, method)


def test_public_routes_are_only_the_expected_ones(app: Flask):
    """The public list is small and every name in it exists."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS - endpoints == set()
    assert {"auth.login", "main.health"} <= PUBLIC_ENDPOINTS


def test_role_restricted_routes_refuse_lower_roles(app: Flask, client, auth, make_user):
    """Each route that requires a role answers 403 to every role below it."""
    role_rules = _role_rules(app)
    restricted = {rule.endpoint for rule, _, _ in role_rules}
    # The guarded areas of the foundation: if a decorator is dropped, this fails.
    for expected in ("users.index", "users.create", "offices.index", "organizations.delete"):
        assert expected in restricted, expected
    users = {role: make_user(role) for role in Role}
    for role in Role:
        below = [r for r in role_rules if role.rank < r[2].rank]
        if not below:
            continue
        auth.login(users[role])
        for rule, method, required in below:
            response = client.open(_url_for_rule(rule), method=method)
            assert response.status_code == 403, (rule.rule, method, role, required)
        auth.logout()


@pytest.mark.parametrize("path", ["/login", "/healthz"])
def test_public_routes_answer_anonymous_users(client, path):
    """The public pages really are reachable without logging in."""
    assert client.get(path).status_code == 200


# --- The REST API (token-authenticated) -----------------------------------------------------------

#: The only routes under /api/ that are not token-authenticated: the generated OpenAPI document
#: (public, no data) and the documentation page with its assets (logged-in users, session).
API_NON_TOKEN_ENDPOINTS = frozenset({"api-docs.openapi_json", "api_ui.docs", "swagger_ui.static"})


def test_api_routes_answer_anonymous_users_with_401_json(app: Flask, client):
    """Every /api/ route checks a token: anonymous calls get 401 JSON (never a redirect to the
    log-in page), and a new API route that is not token-authenticated fails here."""
    from crm.api.core import is_token_endpoint

    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    stray = {
        r.endpoint for r in api_rules if not is_token_endpoint(r.endpoint)
    } - API_NON_TOKEN_ENDPOINTS
    assert stray == set()
    token_rules = [(r, m) for r, m in _private_rules(app) if is_token_endpoint(r.endpoint)]
    assert len(token_rules) >= 16
    for rule, method in token_rules:
        response = client.open(_url_for_rule(rule), method=method)
        assert response.status_code == 401, (rule.rule, method, response.status_code)
        assert response.is_json and response.get_json()["error"] == "missing_token", rule.rule


# --- Referrers (social workers outside the hub) ----------------------------------------------------


def _referrer_rules(app: Flask) -> tuple[list[tuple[Rule, str]], list[tuple[Rule, str]]]:
    """(rules a referrer may open, rules closed to referrers), over the whole URL map."""
    from crm.permissions import referrer_may_open

    allowed, closed = [], []
    for rule, method in _private_rules(app):
        (allowed if referrer_may_open(app, rule.endpoint) else closed).append((rule, method))
    return allowed, closed


def _make_referrer(make_user):
    from crm.extensions import db
    from crm.partnership.models import Referrer, ReferringOffice

    office = ReferringOffice(name="Servizio Sociale Q1", active=True)
    user = make_user(Role.REFERRER)
    db.session.add(Referrer(user=user, office=office))
    db.session.commit()
    return user


def test_referrers_are_refused_everywhere_but_their_pages(app: Flask, client, auth, make_user):
    """A referrer gets 403 from every hub route (new ones too: the login wall decides, not each
    view); the home page sends them to their portal."""
    allowed, closed = _referrer_rules(app)
    portal = {rule.endpoint for rule, _ in allowed}
    expected = {"partnership.portal", "partnership.portal_case", "partnership.portal_refer", "auth.logout"}
    assert expected <= portal
    assert not any(e.startswith(("candidates.", "openings.", "organizations.", "followups.")) for e in portal)
    auth.login(_make_referrer(make_user))
    for rule, method in closed:
        response = client.open(_url_for_rule(rule), method=method)
        if rule.endpoint == "main.index":
            assert response.status_code == 302 and "/partnership/portal" in response.headers["Location"]
            continue
        # 401: the token-authenticated API refuses a session before anything else.
        assert response.status_code in (401, 403), (rule.rule, method, response.status_code)


def test_staff_are_refused_on_referrer_pages(app: Flask, client, auth, make_user):
    """The referrer's portal answers 403 to operators, coordinators and administrators."""
    allowed, _ = _referrer_rules(app)
    portal = [
        (r, m) for r, m in allowed if getattr(app.view_functions[r.endpoint], "referrer_allowed", False)
    ]
    assert portal
    for role in (Role.OPERATOR, Role.COORDINATOR, Role.ADMIN):
        auth.login(make_user(role))
        for rule, method in portal:
            response = client.open(_url_for_rule(rule), method=method)
            assert response.status_code == 403, (rule.rule, method, role)
        auth.logout()


def test_referrer_role_grants_no_staff_right(make_user):
    """Rank 0: a referrer has none of the staff roles, and cannot see candidates."""
    from crm.permissions import can_see_candidates, is_candidate_coordinator

    user = make_user(Role.REFERRER)
    assert not any(user.has_role(r) for r in (Role.OPERATOR, Role.COORDINATOR, Role.ADMIN))
    assert not can_see_candidates(user) and not is_candidate_coordinator(user)
    assert not user.is_coordinator and not user.is_admin
