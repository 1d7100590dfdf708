"""Locust users for ``bench_load.py``: a member of staff browsing the CRM.

Each user logs in once through the real form (CSRF included) and then, with a pause between
requests, opens the pages a working day is made of. The pages are named so that locust's statistics
give one line per page. Configuration comes from the environment (set by ``bench_load.py``):

``BENCH_EMAIL``/``BENCH_PASSWORD``  the account; ``BENCH_MAX_ORG_ID`` the highest organization id;
``BENCH_WAIT`` the mean pause in seconds (0: back-to-back requests); ``BENCH_WARMUP`` the seconds
not counted at the start; ``BENCH_PAGES`` the page names
to request (comma-separated, default all); ``BENCH_API_TOKEN`` a personal access token for the API
pages (skipped without one); ``BENCH_RANKING_PATH`` the ranked list's path.
"""

from __future__ import annotations

import os
import random
import re

import gevent
from locust import FastHttpUser, between, events, task

SEARCH_WORDS = ["srl", "rossi", "bar", "coop", "pelletteria", "servizi", "firenze", "meccanica"]
STATUSES = ["prospect", "contacted", "active_partner", "dormant"]
WAIT = float(os.environ.get("BENCH_WAIT", "1"))
MAX_ORG_ID = int(os.environ.get("BENCH_MAX_ORG_ID", "1000"))
API_TOKEN = os.environ.get("BENCH_API_TOKEN", "")
RANKING_PATH = os.environ.get("BENCH_RANKING_PATH", "")
PAGES = {p for p in os.environ.get("BENCH_PAGES", "").split(",") if p}
WARMUP = float(os.environ.get("BENCH_WARMUP", "0"))
MARK_FILE = os.environ.get("BENCH_MARK_FILE", "")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@events.test_start.add_listener
def _measure_after_warmup(environment, **_kwargs) -> None:
    """Forget the first ``BENCH_WARMUP`` seconds: the users' log-ins (a deliberately slow password
    hash each) and every worker's first pages. Locust's own ``--reset-stats`` resets when the last
    user has started, while their log-ins still hold the server."""
    if WARMUP <= 0 or environment.runner is None:
        return

    def reset() -> None:
        gevent.sleep(WARMUP)
        environment.runner.stats.reset_all()
        if MARK_FILE:  # tells bench_load.py when the measured part starts
            with open(MARK_FILE, "w") as f:
                f.write("measuring")

    gevent.spawn(reset)


def _wanted(name: str) -> bool:
    return not PAGES or name in PAGES


class Staff(FastHttpUser):
    # FastHttpUser (geventhttpclient) rather than HttpUser (requests): the load generator shares the
    # machine's two cores with the server, and it spends several times less CPU per request.
    wait_time = between(0, 2 * WAIT)

    def on_start(self) -> None:
        form = self.client.get("/login", name="login form")
        match = CSRF.search(form.text)
        data = {
            "email": os.environ.get("BENCH_EMAIL", "coordinatore@demo.local"),
            "password": os.environ.get("BENCH_PASSWORD", "demo"),
        }
        if match:
            data["csrf_token"] = match.group(1)
        with self.client.post("/login", data=data, name="login", catch_response=True,
                              allow_redirects=False) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")

    @task
    def organization_list_filtered_search(self) -> None:
        if _wanted("list"):
            query = f"q={random.choice(SEARCH_WORDS)}&status={random.choice(STATUSES)}"
            self.client.get(f"/organizations/?{query}", name="list: search + filter")

    @task
    def organization_page(self) -> None:
        if _wanted("organization"):
            org_id = random.randint(1, MAX_ORG_ID)
            self.client.get(f"/organizations/{org_id}", name="organization page")

    @task
    def ranking(self) -> None:
        if RANKING_PATH and _wanted("ranking"):
            self.client.get(RANKING_PATH, name="ranking page")

    @task
    def map_data(self) -> None:
        if _wanted("map"):
            self.client.get("/map/points.json", name="map data (all)")

    @task
    def api_list(self) -> None:
        if API_TOKEN and _wanted("api"):
            self.client.get(
                f"/api/v1/organizations?status={random.choice(STATUSES)}&per_page=50",
                headers={"Authorization": f"Bearer {API_TOKEN}"},
                name="API organizations list",
            )
