"""Browser tests: Playwright driving Debian's Chromium (``/usr/bin/chromium``) against a live server.

No browser is downloaded at run time. Without Chromium the tests are skipped with the reason, unless
``CRM_REQUIRE_E2E=1`` (set by CI), which turns a missing browser into a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from crm import create_app

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's services, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CRM_REQUIRE_E2E") == "1":
        raise pytest.UsageError(f"CRM_REQUIRE_E2E=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The real app (CSRF on, as in production) on the test database, served on a free port."""
    served = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "e2e-secret",
            "WTF_CSRF_ENABLED": True,
        }
    )
    server = LiveServer(served)
    server.start()
    yield server
    server.stop()
    # The served app has its own engine and pool: close its connections before the session ends
    # (an open PostgreSQL connection collected at exit is a ResourceWarning, an error under -W error).
    from crm.extensions import db

    with served.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: object) -> Iterator[object]:
    """A phone-sized, touch-enabled page (the size of a common Android phone)."""
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="it-IT", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
