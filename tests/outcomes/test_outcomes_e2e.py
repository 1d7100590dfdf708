"""The dashboard and the report in a real browser: readable on a phone, printable without the menu.

The browser runs in a child process: the session's shared Playwright instance belongs to tests/e2e,
and a second sync Playwright cannot start in this process while it is alive.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.outcomes.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from playwright.sync_api import sync_playwright

    base, email, password, chromium, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        tab = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
        tab.set_default_timeout(10000)
        violations = []
        tab.on("console", lambda m: violations.append(m.text) if "Security Policy" in m.text else None)
        tab.goto(base + "/login")
        tab.get_by_label("E-mail").fill(email)
        tab.get_by_label("Password").fill(password)
        tab.locator("form button[type=submit]").click()
        tab.wait_for_url(base + "/")
        tab.goto(base + "/outcomes/?from=2026-01-01&to=2026-03-31")
        out["charts"] = tab.locator("svg.outcomes-chart").count()
        out["scroll_width"] = tab.evaluate("() => document.documentElement.scrollWidth")
        tab.locator("a[href*='/outcomes/step/hires']").first.click()
        tab.wait_for_url("**/outcomes/step/hires**")
        out["drill_down"] = tab.content()
        tab.set_viewport_size({"width": 1280, "height": 900})
        tab.goto(base + "/outcomes/report?from=2026-01-01&to=2026-03-31")
        tab.emulate_media(media="print")
        out["nav_printed"] = tab.locator("nav.navbar").is_visible()
        out["methodology"] = tab.get_by_role("heading", name="Methodology").is_visible()
        out["csp"] = violations
        browser.close()
    print(json.dumps(out))
    """
)


def test_dashboard_on_a_phone_and_report_in_print(outcomes_server, placements, coordinator, password):
    """At 390 px the dashboard has no horizontal scroll and draws its charts; hires drill down to
    the codes; in print the report hides the menu and keeps the methodology; no CSP violation."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            outcomes_server.url,
            coordinator.email,
            password,
            CHROMIUM,
            *CHROMIUM_ARGS,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["charts"] >= 3
    assert out["scroll_width"] <= 390
    assert placements.candidates[0].code in out["drill_down"]
    assert out["nav_printed"] is False and out["methodology"] is True
    assert out["csp"] == []
