"""Logging out and field mode: the server asks the browser to drop its HTTP cache (not the storage that
holds unsent visit logs); the field page carries what its script needs to clear the worker's caches.
The browser side is tested in tests/e2e/test_field_logout_e2e.py."""

from __future__ import annotations

import json
import re


def test_logout_sends_clear_site_data_cache_only(client, auth, field_operator):
    """The log-out answer carries Clear-Site-Data "cache": never "storage" or "*" (they would wipe the
    unsent logs kept in localStorage)."""
    auth.login(field_operator)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert response.headers["Clear-Site-Data"] == '"cache"'
    directives = {d.strip() for d in response.headers["Clear-Site-Data"].split(",")}
    assert directives.isdisjoint({'"storage"', '"*"', '"executionContexts"'})
    # Really logged out: the field page now sends to the log-in page.
    assert client.get("/field/").status_code == 302


def test_logout_needs_post(client, auth, field_operator):
    """A GET cannot log anyone out (a link or an image could otherwise do it)."""
    auth.login(field_operator)
    assert client.get("/logout").status_code == 405
    assert client.get("/field/").status_code == 200


def test_field_page_has_a_logout_button_wired_for_the_script(client, auth, field_operator):
    """The day has its own log-out form (the menu is folded on a phone); the script gets the log-out
    path, the log-in path for the worker, and the warning's texts."""
    auth.login(field_operator)
    html = client.get("/field/").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)" class="[^"]*field-logout', html)
    assert form and form.group(1) == "/logout"
    assert 'data-logout-url="/logout"' in html
    assert 'data-sw-url="/field/sw.js?login=/login"' in html
    block = re.search(r'<script type="application/json" id="field-i18n">(.*?)</script>', html, re.S)
    texts = json.loads(block.group(1))
    assert texts["logout_waiting_one"] == "{count} visit log has not been sent yet."
    assert texts["logout_waiting_many"] == "{count} visit logs have not been sent yet."
    for key in ("logout_explain", "send_now", "logout_anyway", "stay", "still_waiting"):
        assert texts[key]


def test_service_worker_forgets_on_message_and_on_a_login_redirect(client):
    """The worker answers a "forget" on the message's port and drops the pages when a field page is
    redirected to the log-in page."""
    source = client.get("/field/sw.js").get_data(as_text=True)
    assert 'data.type === "forget"' in source and 'postMessage({ type: "forgotten" })' in source
    assert 'searchParams.get("login")' in source and "caches.delete(PAGES)" in source
