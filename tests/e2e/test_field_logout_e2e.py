"""Logging out of field mode in Chromium at a phone's size: the pages the service worker kept for the
user leave the phone; logs still waiting to be sent are not lost silently (a warning offers to send
them first)."""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from crm.extensions import db
from crm.field.models import FieldSubmission
from crm.interactions.models import Interaction, InteractionStatus
from tests.e2e.test_field_e2e import _log, _log_in, _visit

FIELD_CACHES = "() => caches.keys().then(keys => keys.filter(k => k.startsWith('field-')))"
_QUEUE = "() => JSON.parse(localStorage.getItem('florwork.field.{user}.queue') || '[]').length"


def _open_field(page, base: str) -> None:
    """Open /field/ and wait until the service worker is activated, controls the page and holds it."""
    page.goto(base + "/field/")
    # clients.claim() at activation: the page comes under the worker's control without a reload.
    page.wait_for_function(
        "() => navigator.serviceWorker.getRegistration('/field/')"
        ".then(r => !!r && !!r.active && r.active.state === 'activated')",
        polling=200,
        timeout=30_000,
    )
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", polling=200, timeout=30_000)
    page.wait_for_function(
        "() => caches.open('field-v1-pages').then(c => c.match(location.href)).then(r => !!r)",
        polling=200,
        timeout=30_000,
    )
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", polling=200, timeout=30_000)
    assert "field-v1-pages" in page.evaluate(FIELD_CACHES)


def test_logout_removes_the_field_caches(live_server, phone_page, operator, password):
    """The field page's log-out button: the cached field pages are gone, the server sent
    Clear-Site-Data "cache", and offline /field/ no longer shows the user's day."""
    visit = _visit(operator.id, "Tipografia Bianchi S.n.c.", 10)
    page = phone_page
    base = live_server.url
    _log_in(page, base, operator.email, password)
    _open_field(page, base)
    page.locator(f"#visit-{visit.id}").wait_for()

    with page.expect_response(lambda r: r.url == base + "/logout") as logout:
        page.locator("form.field-logout button[type=submit]").click()
    assert logout.value.all_headers().get("clear-site-data") == '"cache"'
    page.wait_for_url(base + "/login*")
    assert page.evaluate(FIELD_CACHES) == []

    # Nobody reads the day offline any more: the worker has nothing to answer with.
    page.context.set_offline(True)
    try:
        page.goto(base + "/field/")
        opened = True
    except PlaywrightError:  # the network error page: nothing cached to answer with
        opened = False
    page.wait_for_load_state("load")
    assert not opened or "Tipografia Bianchi" not in page.content()
    page.context.set_offline(False)


def test_logout_with_waiting_logs_warns_and_sends_them_first(live_server, phone_page, operator, password):
    """A log that could not be sent: log-out warns (nothing removed yet); "Send now" sends it, then logs
    out and removes the cached pages; the log is saved once."""
    visit = _visit(operator.id, "Forno Santo Spirito", 9)
    visit_id = visit.id
    page = phone_page
    base = live_server.url
    _log_in(page, base, operator.email, password)
    _open_field(page, base)

    # The server cannot be reached for the log: it stays in the queue.
    page.route("**/field/visits/*/log", lambda route: route.abort())
    _log(page, visit_id, "interested", "Cercano un aiuto fornaio")
    page.locator(f"#visit-{visit_id} .field-queued:not([hidden])").wait_for()
    assert page.evaluate(_QUEUE.format(user=operator.id)) == 1

    page.locator("form.field-logout button[type=submit]").click()
    warning = page.locator("#field-logout-warning")
    warning.wait_for()
    assert "1" in warning.inner_text()
    assert page.url.startswith(base + "/field/")
    assert "field-v1-pages" in page.evaluate(FIELD_CACHES)  # nothing removed before the user decides

    # Still unreachable: "Send now" says so and stays.
    warning.locator(".field-send-now").click()
    warning.locator(".field-logout-outcome:not([hidden])").wait_for()
    assert page.url.startswith(base + "/field/")
    assert page.evaluate(_QUEUE.format(user=operator.id)) == 1

    # "Stay logged in" closes the warning.
    warning.locator(".field-logout-stay").click()
    assert page.locator("#field-logout-warning").count() == 0

    # The connection is back: log out again, send now, and the log-out follows.
    page.unroute("**/field/visits/*/log")
    page.locator("form.field-logout button[type=submit]").click()
    page.locator("#field-logout-warning .field-send-now").click()
    page.wait_for_url(base + "/login*")
    assert page.evaluate(FIELD_CACHES) == []
    assert page.evaluate(_QUEUE.format(user=operator.id)) == 0
    db.session.expire_all()
    saved = db.session.get(Interaction, visit_id)
    assert saved.status is InteractionStatus.DONE and saved.body == "Cercano un aiuto fornaio"
    assert len(db.session.scalars(select(FieldSubmission)).all()) == 1


def test_logout_anyway_keeps_the_waiting_log_for_next_time(live_server, phone_page, operator, password):
    """ "Log out anyway": the pages go, the waiting log stays on the phone (in the user's queue) and is
    sent when the same user logs in again and opens field mode."""
    visit = _visit(operator.id, "Cartoleria Alfani", 12)
    visit_id = visit.id
    page = phone_page
    base = live_server.url
    _log_in(page, base, operator.email, password)
    _open_field(page, base)
    page.route("**/field/visits/*/log", lambda route: route.abort())
    _log(page, visit_id, "met", "Ripassare a gennaio")
    page.locator(f"#visit-{visit_id} .field-queued:not([hidden])").wait_for()

    page.locator("form.field-logout button[type=submit]").click()
    page.locator("#field-logout-warning .field-logout-anyway").click()
    page.wait_for_url(base + "/login*")
    assert page.evaluate(FIELD_CACHES) == []
    assert page.evaluate(_QUEUE.format(user=operator.id)) == 1  # kept: Clear-Site-Data "cache" spares it

    page.unroute("**/field/visits/*/log")
    _log_in(page, base, operator.email, password)
    page.goto(base + "/field/")
    page.wait_for_function(_QUEUE.format(user=operator.id) + " === 0", polling=200)
    db.session.expire_all()
    assert db.session.get(Interaction, visit_id).body == "Ripassare a gennaio"


def test_navbar_logout_is_guarded_too(live_server, phone_page, operator, password):
    """The menu's log-out form on a field page goes through the same clean-up."""
    page = phone_page
    base = live_server.url
    _log_in(page, base, operator.email, password)
    _open_field(page, base)
    # Submit the menu's form as its button would (the menu is collapsed at a phone's width).
    page.evaluate("() => document.querySelector('nav form[action=\"/logout\"]').requestSubmit()")
    page.wait_for_url(base + "/login*")
    assert page.evaluate(FIELD_CACHES) == []


def test_logged_out_elsewhere_the_worker_drops_the_pages(live_server, phone_page, operator, password):
    """Logged out from another page (no field script there): the next visit to /field/ is redirected
    to the log-in page, and the worker then drops the cached field pages."""
    page = phone_page
    base = live_server.url
    _log_in(page, base, operator.email, password)
    _open_field(page, base)
    page.goto(base + "/")
    with page.expect_response(lambda r: r.url == base + "/logout"):
        page.evaluate("() => document.querySelector('nav form[action=\"/logout\"]').submit()")
    page.wait_for_url(base + "/login*")
    # Clear-Site-Data "cache" empties the HTTP cache, not Cache Storage (Chromium follows the spec).
    assert "field-v1-pages" in page.evaluate(FIELD_CACHES)
    page.goto(base + "/field/")
    page.wait_for_url(base + "/login*")
    page.wait_for_function("() => caches.keys().then(keys => !keys.includes('field-v1-pages'))", polling=200)
