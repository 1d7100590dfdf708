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
