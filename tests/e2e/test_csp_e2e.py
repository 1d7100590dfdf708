"""The Content-Security-Policy in a real browser: the app's own pages run with no violation.

Every page reachable without an id (and the detail pages of a few records) is opened as a
coordinator and as an operator; a ``securitypolicyviolation`` listener and the console catch any
inline script, handler, style or source the policy refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from crm.auth.models import Role
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobStatus

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                              (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""

#: Pages that are files or JSON, or that log out.
NOT_PAGES = ("export", ".csv", ".ics", ".json", "download", "logout", "feed", "/api/", ".xlsx", ".pdf",
             ".gpx", ".kml", ".vcf")


def _page_urls(app: Flask, ids: dict[str, int]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint.endswith("static"):
            continue
        args = set(rule.arguments)
        if args - {"id", "org_id", "organization_id", "job_id", "plan_id"}:
            continue
        if args and not all(name in ids for name in args):
            continue
        url = rule.build({name: ids[name] for name in args}, append_unknown=False)[1]
        if not any(word in url for word in NOT_PAGES):
            urls.append(url)
    if any(r.rule == "/api/v1/docs" for r in app.url_map.iter_rules()):
        urls.append("/api/v1/docs")  # Swagger UI: a page of its own under /api/
    return sorted(set(urls))


@pytest.fixture
def _stop_plan_runner(live_server: Any) -> Iterator[None]:
    """Opening the planning page starts a warm solver process in the served app: stop it after."""
    yield
    served = live_server._server.app
    runner = served.extensions.pop("visit_plan_runner", None)
    if runner is not None:
        runner.shutdown()


def _login(page: Any, base: str, user: Any, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(base + "/")


@pytest.mark.usefixtures("_stop_plan_runner")
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.OPERATOR])
def test_pages_load_without_csp_violations(live_server, page, app, make_user, make_org, password, role):
    user = make_user(role)
    org = make_org(user, latitude=43.77, longitude=11.25, comune_code="048017")
    job = BackgroundJob(kind="geocoding.batch", status=JobStatus.RUNNING, progress=40, backend="inline",
                        message="40 of 100", user_id=user.id)
    db.session.add(job)
    db.session.commit()
    urls = _page_urls(app, {"org_id": org.id, "organization_id": org.id, "id": org.id, "job_id": job.id})
    assert len(urls) > 10

    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(LISTENER)
    _login(page, live_server.url, user, password)
    checked = []
    for url in urls:
        response = page.goto(live_server.url + url)
        if response is None or response.status != 200:
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page.wait_for_load_state("load")
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (url, violations)
        checked.append(url)
    assert console == []
    assert len(checked) > 8, checked
    assert f"/jobs/{job.id}" in checked and any(u.startswith("/map") for u in checked)


def test_job_page_follows_progress_and_survives_a_reload(live_server, page, make_user, password):
    """The job page's script (under the CSP) polls the job: progress moves without a reload, a reload
    shows the same state, and the finished job offers its result."""
    user = make_user(Role.COORDINATOR)
    job = BackgroundJob(kind="imports.organizations", status=JobStatus.RUNNING, progress=40,
                        backend="thread", message="400 of 1000 rows checked", user_id=user.id,
                        title="partners.csv")
    db.session.add(job)
    db.session.commit()
    _login(page, live_server.url, user, password)
    page.goto(f"{live_server.url}/jobs/{job.id}")
    assert page.locator("#job-percent").inner_text() == "40%"

    job.progress, job.message = 75, "750 of 1000 rows checked"
    db.session.commit()
    from playwright.sync_api import expect

    expect(page.locator("#job-percent")).to_have_text("75%")  # no eval: the page's CSP forbids it
    assert page.locator("#job-message").inner_text() == "750 of 1000 rows checked"
    page.reload()
    assert page.locator("#job-percent").inner_text() == "75%"
    assert page.locator("#job-bar").evaluate("e => e.style.width") == "75%"

    job.status, job.progress, job.result_url = JobStatus.SUCCEEDED, 100, "/imports/"
    job.message = "Import finished"
    db.session.commit()
    page.locator("#job-result").wait_for(state="visible")
    assert page.locator("#job-state").get_attribute("data-state") == "succeeded"
    page.locator("#job-result").click()
    page.wait_for_url(f"{live_server.url}/imports/")
