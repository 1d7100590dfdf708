"""How fast the organization list, search, map data and detail page answer on a large database.

Usage (on a database made with ``flask --app crm demo-data --scale 50000``)::

    CRM_DATABASE_URL=sqlite:////tmp/big.sqlite3 .venv/bin/python benchmarks/bench_lists.py [--repeat 20]

Prints, per page, the median and 95th percentile of the server-side time (Flask test client, one
process, logged in as the coordinator) and the number of SQL statements, then the median with the
application cache emptied before every request (list pages and map data are cached per filters
and data version, so a page seen again is cheaper; "uncached" is a first visit or the first view
after a change). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import event, func, select

from crm import create_app
from crm.extensions import cache, db
from crm.organizations.models import Organization

PAGES = [
    ("list, first page", "/organizations/"),
    ("list, page 500", "/organizations/?page=500"),
    ("list sorted by last interaction", "/organizations/?sort=last_interaction"),
    ("list filtered (status + comune)", "/organizations/?status=contacted&comune=048017"),
    ("search one word", "/organizations/?q=pelletteria"),
    ("search two words + filter", "/organizations/?q=rossi+srl&kind=company"),
    ("search by Partita IVA fragment", "/organizations/?q=0480"),
    ("map data, all", "/map/points.json"),
    ("map data, filtered", "/map/points.json?status=prospect&section=G"),
    ("activity list", "/interactions/"),
    ("my follow-ups", "/follow-ups/"),
    ("home dashboard", "/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--user", default="coordinatore@demo.local")
    args = parser.parse_args()
    app = create_app({"WTF_CSRF_ENABLED": False})
    statements = {"n": 0}

    with app.app_context():
        count = db.session.scalar(select(func.count(Organization.id)))
        first_id = db.session.scalar(select(func.min(Organization.id)))

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args: object) -> None:
            statements["n"] += 1

    client = app.test_client()
    client.post("/login", data={"email": args.user, "password": "demo"})
    pages = [*PAGES, ("organization page", f"/organizations/{first_id}")]
    print(f"{count} organizations, {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, "
          f"{args.repeat} requests per page")
    print(f"{'page':40} {'median ms':>10} {'p95 ms':>8} {'SQL':>5} {'uncached ms':>12}")
    for name, url in pages:
        client.get(url)  # warm the caches
        times = []
        for _ in range(args.repeat):
            statements["n"] = 0
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        sql = statements["n"]
        uncached = []
        for _ in range(max(3, args.repeat // 2)):
            with app.app_context():
                cache.clear()
            started = time.perf_counter()
            client.get(url)
            uncached.append((time.perf_counter() - started) * 1000)
        print(f"{name:40} {statistics.median(times):10.1f} {p95:8.1f} {sql:5d} "
              f"{statistics.median(uncached):12.1f}")


if __name__ == "__main__":
    main()
