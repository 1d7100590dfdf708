"""How fast the REST API's lists and details answer on a large database.

Usage (on a database made with ``flask --app crm demo-data --scale 50000``)::

    CRM_DATABASE_URL=sqlite:////tmp/big.sqlite3 CRM_ENCRYPTION_KEY=… \\
        .venv/bin/python benchmarks/bench_api.py [--repeat 20] [--user coordinatore@demo.local]

Issues a read token for the user (revoked at the end), then prints per endpoint the median and 95th
percentile of the server-side time (Flask test client, one process) and the number of SQL
statements. A benchmark, not a test: the concurrent load test with gunicorn is a separate matter.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import event, func, select

from crm import create_app
from crm.api.models import TokenScope
from crm.api.services import create_token, revoke_token
from crm.auth.services import find_user_by_email
from crm.extensions import db
from crm.organizations.models import Organization

ENDPOINTS = [
    ("organizations, first page", "/api/v1/organizations"),
    ("organizations, page 500", "/api/v1/organizations?page=500"),
    ("organizations, 100 per page", "/api/v1/organizations?per_page=100"),
    ("organizations, filter + search", "/api/v1/organizations?status=contacted&comune=048017&q=srl"),
    ("organizations, search two words", "/api/v1/organizations?q=rossi+srl&kind=company"),
    ("organizations by last interaction", "/api/v1/organizations?sort=last_interaction"),
    ("contacts", "/api/v1/contacts"),
    ("interactions", "/api/v1/interactions"),
    ("interactions, kind + dates", "/api/v1/interactions?kind=visit&date_from=2026-01-01&date_to=2026-06-30"),
    ("follow-ups, everyone's", "/api/v1/follow-ups?assignee=everyone"),
    ("visits, mine", "/api/v1/visits"),
    ("visit plans", "/api/v1/visit-plans"),
    ("candidates (identities logged)", "/api/v1/candidates"),
    ("openings", "/api/v1/openings"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--user", default="coordinatore@demo.local")
    args = parser.parse_args()
    app = create_app()
    statements = {"n": 0}

    with app.app_context():
        count = db.session.scalar(select(func.count(Organization.id)))
        first_id = db.session.scalar(select(func.min(Organization.id)))
        user = find_user_by_email(args.user)
        if user is None:
            raise SystemExit(f"No user {args.user}: load the demo data first.")
        issued = create_token(user, name="bench_api", scope=TokenScope.READ)
        secret, token_id = issued.secret, issued.token.id

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args: object) -> None:
            statements["n"] += 1

    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    endpoints = [*ENDPOINTS, ("organization", f"/api/v1/organizations/{first_id}")]
    print(f"{count} organizations, {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, "
          f"{args.repeat} requests per endpoint")
    print(f"{'endpoint':40} {'median ms':>10} {'p95 ms':>8} {'SQL':>5}")
    try:
        for name, url in endpoints:
            client.get(url, headers=headers)  # warm the caches
            times = []
            for _ in range(args.repeat):
                statements["n"] = 0
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code, response.get_json())
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            print(f"{name:40} {statistics.median(times):10.1f} {p95:8.1f} {statements['n']:5d}")
    finally:
        with app.app_context():
            from crm.api.models import ApiToken

            token = db.session.get(ApiToken, token_id)
            revoke_token(token, by=token.user)


if __name__ == "__main__":
    main()
