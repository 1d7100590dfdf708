"""In a real browser: a token is created on the profile page, the Swagger UI documentation renders
under the Content-Security-Policy with no violation, and the new token works against the API.

It uses the shared browser of this folder: Playwright's sync API allows one instance per process
thread, and a second one started elsewhere in the run made the whole e2e session fail
intermittently ("Playwright Sync API inside the asyncio loop").
"""

from __future__ import annotations

from typing import Any

from crm.auth.models import Role

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_token_from_profile_and_interactive_docs(live_server: Any, page: Any, make_user: Any, password: str):
    """A coordinator makes a write token on the profile page; the docs render; the token works."""
    user = make_user(Role.COORDINATOR, locale="en")
    base, errors, failed = live_server.url, [], []
    # Console errors about the policy or scripts (the browser's /favicon.ico probe is not ours).
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: failed.append(r.url)
            if r.status >= 400 and "favicon" not in r.url else None)
    page.add_init_script(LISTENER)
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(base + "/")

    page.goto(base + "/profile")
    section = page.locator("#api-tokens")
    section.get_by_label("Name").fill("Browser test")
    section.get_by_label("Access").select_option("write")
    section.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("crm_")

    page.goto(base + "/profile")
    assert "Browser test" in page.locator("#api-tokens").inner_text()
    assert secret not in page.content()

    page.goto(base + "/api/v1/docs")
    page.wait_for_selector(".opblock-tag")
    tags = page.locator(".opblock-tag").all_inner_texts()
    assert any("organizations" in t for t in tags) and any("candidates" in t for t in tags)
    assert page.evaluate("window.__cspViolations") == []
    assert errors == [] and failed == []

    me = page.request.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200 and me.json()["email"] == user.email
    anonymous = page.request.get(base + "/api/v1/me")
    assert anonymous.status == 401 and anonymous.json()["error"] == "missing_token"
