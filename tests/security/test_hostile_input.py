"""Hostile input on every route, found by walking the URL map (a new route cannot escape):

* every state-changing route refuses a missing or forged CSRF token (CSRF on, as in production);
* HTML, script and a spreadsheet formula typed into every text field of every form come back
  escaped on every page, and inert in CSV/XLSX exports;
* path tricks in every non-numeric URL part are refused without serving a file or failing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from crm.auth.models import Role
from crm.extensions import csrf
from tests.conftest import TEST_PASSWORD
from tests.test_route_security import _url_for_rule

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _login_with_csrf(client: FlaskClient, user: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    response = client.post("/login", data=data)
    assert response.status_code == 302, "log-in with a valid token must work"


def _csrf_exempt(app: Flask, rule: Rule) -> bool:
    view = app.view_functions[rule.endpoint]
    name = f"{view.__module__}.{view.__name__}"
    blueprint = rule.endpoint.rpartition(".")[0]
    return name in csrf._exempt_views or blueprint in csrf._exempt_blueprints


def test_every_form_route_refuses_missing_or_forged_csrf_tokens(make_app, make_user):
    """With CSRF on, every POST/PUT/PATCH/DELETE without a valid token is refused with 400."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    _login_with_csrf(client, make_user(Role.ADMIN))
    checked, exempt = 0, []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            if _csrf_exempt(app, rule):
                exempt.append(rule.rule)
                continue
            url = _url_for_rule(rule)
            # The API authenticates with bearer tokens only: a browser's session cookie does not
            # make it act (401), so a forged cross-site request cannot either.
            refused = (400, 401, 403) if url.startswith("/api/") else (400,)
            for data in ({}, {"csrf_token": "forged." + "A" * 40}):
                response = client.open(url, method=method, data=data)
                assert response.status_code in refused, (rule.rule, method, data, response.status_code)
            checked += 1
    assert checked > 20
    # Only the token-authenticated API may skip CSRF (it never reads the session cookie).
    assert all(path.startswith("/api/") for path in exempt), exempt


# --- HTML, script and formulas in every text field ------------------------------------------------

PAYLOAD = '=cmd|"/C calc"!A0 "><script>alert("xss")</script><img src=x onerror=alert(1)>'
RAW_MARKERS = ('<script>alert("xss")', "<img src=x onerror")
SKIP_ACTIONS = ("logout", "delete", "cancel", "/login", "revoke", "erase", "forget")
TEXT_TYPES = {"text", "email", "tel", "url", "search", "password", None, ""}


def _fill(form: Any) -> dict[str, Any] | None:
    """Every text field gets the payload; other fields a plausible value. None: skip this form."""
    data: dict[str, Any] = {}
    submit_done = False
    for el in form.inputs:
        name = el.get("name")
        if not name:
            continue
        tag = el.tag
        kind = (el.get("type") or "").lower() if tag == "input" else None
        if tag == "textarea" or (tag == "input" and kind in TEXT_TYPES):
            data[name] = PAYLOAD
        elif tag == "select":
            values = [o.get("value") for o in el.findall(".//option") if o.get("value")]
            if values:
                data[name] = values[0]
        elif kind == "file":
            return None  # uploads are covered by the import tests
        elif kind == "hidden":
            data[name] = el.get("value") or ""
        elif kind == "number":
            data[name] = "1"
        elif kind == "date":
            data[name] = "2030-01-08"
        elif kind == "time":
            data[name] = "10:00"
        elif kind == "datetime-local":
            data[name] = "2030-01-08T10:00"
        elif kind == "radio":
            data.setdefault(name, el.get("value"))
        elif kind == "submit" and not submit_done:
            data[name] = el.get("value") or "1"
            submit_done = True
    return data


def _post_forms(client: FlaskClient, url: str, html: str, seen: set[str]) -> Iterator[Any]:
    doc = lxml.html.fromstring(html)
    for form in doc.forms:
        if (form.method or "GET").upper() != "POST":
            continue
        action = urljoin(url, form.get("action") or url)
        if any(word in action for word in SKIP_ACTIONS) or action in seen:
            continue
        seen.add(action)
        data = _fill(form)
        if data is None:
            continue
        yield action, client.post(urlsplit(action).path, data=data, follow_redirects=True)


def _rule_urls(app: Flask) -> Iterator[str]:
    """A URL for each GET route: no arguments, or id 1 for numeric ones; others are path tricks'."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or rule.endpoint.endswith("static"):
            continue
        if any(type(c).__name__ != "IntegerConverter" for c in rule._converters.values()):
            continue
        yield _url_for_rule(rule)


def _check(url: str, response: Any, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{url}: {response.status_code}")
        return
    kind = response.mimetype or ""
    body = response.get_data()
    if kind == "text/html":
        text = body.decode("utf-8", "replace")
        problems += [f"{url}: unescaped {m!r}" for m in RAW_MARKERS if m in text]
    elif kind in ("text/csv",) or url.endswith(".csv"):
        text = body.decode("utf-8-sig", "replace")
        delimiter = ";" if text.count(";") >= text.count(",") else ","
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            problems += [f"{url}: live formula {c[:20]!r}" for c in row if c.startswith("=cmd")]
    elif "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body))
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                problems += [f"{url}: live formula" for c in row if str(c or "").startswith("=cmd")]


def test_html_script_and_formulas_in_every_form_come_back_inert(make_app, make_user, make_org):
    """Fill every form reachable by a coordinator with the payload, then read every page and export."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    coordinator = make_user(Role.COORDINATOR, locale="en")
    make_org(coordinator, legal_name=PAYLOAD)  # also a value saved directly, not through a form
    client.post("/login", data={"email": coordinator.email, "password": TEST_PASSWORD})
    problems: list[str] = []
    seen: set[str] = set()
    posted = 0
    for _round in range(2):  # the second round reaches forms on pages of records made by the first
        for url in list(_rule_urls(app)):
            page = client.get(url)
            _check(url, page, problems)
            if page.status_code == 200 and page.mimetype == "text/html":
                for action, response in _post_forms(client, url, page.get_data(as_text=True), seen):
                    posted += 1
                    _check(f"POST {action}", response, problems)
    for url in _rule_urls(app):
        _check(url, client.get(url), problems)
    assert posted > 10
    assert problems == []


# --- Path tricks -----------------------------------------------------------------------------------

TRICKS = [
    "../../../../etc/passwd",
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/etc/passwd",
    "..\\..\\windows\\win.ini",
    "report%00.csv",
    "....//....//etc/passwd",
]


def _trick_urls(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    for rule in app.url_map.iter_rules():
        names = [n for n, c in rule._converters.items() if type(c).__name__ != "IntegerConverter"]
        for name in names:
            for trick in TRICKS:
                values: dict[str, Any] = {
                    n: (1 if type(c).__name__ == "IntegerConverter" else "x")
                    for n, c in rule._converters.items()
                }
                marker = "TRICKVALUE"
                values[name] = marker
                url = rule.build(values, append_unknown=False)[1].replace(marker, trick)
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    yield rule, method, url


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_path_tricks_in_file_name_parameters_are_refused(make_app, make_user, role):
    """``../``, absolute paths, backslashes and NUL bytes in any non-numeric URL part: no file, no 500."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    user = make_user(role, locale="en")
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    checked = 0
    for _rule, method, url in _trick_urls(app):
        response = client.open(url, method=method)
        body = response.get_data()
        response.close()
        refused = (301, 302, 303, 308, 400, 403, 404, 405)
        assert response.status_code in refused, (url, method, response.status_code)
        if response.status_code in (301, 302, 303, 308):  # e.g. "//" merged: still this site
            assert urlsplit(response.headers["Location"]).netloc in ("", "localhost.localdomain"), url
        assert b"root:x:0:0" not in body and b"[fonts]" not in body, url
        checked += 1
    assert checked >= len(TRICKS) * 5
