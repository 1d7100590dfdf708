"""How fast the outreach ranking is on a large database.

Usage::

    .venv/bin/python benchmarks/bench_ranking.py [--scale 50000] [--database /tmp/bench_ranking.sqlite3]
                                                  [--rebuild] [--repeat 20]

Builds the database the first time (``flask db upgrade`` then ``flask demo-data --scale N``, a few
minutes at 50,000), or uses the one given with ``CRM_DATABASE_URL``/``--database``. Prints:

* the seconds to rank every organization from scratch (SQL columns + numpy, no cache; target ≤ 1 s),
  the median of ``--repeat`` runs, and the same with the factor table cached (weights applied only);
* the ranked list page response times (Flask test client, one process, logged in as the coordinator):
  median and 95th percentile, warm (the ranking cached, the usual case) and cold (the data changed
  just before each request, so the whole population is ranked again); target ≤ 200 ms.

A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PAGES = [
    ("ranked list, first page", "/ranking/"),
    ("ranked list, page 200", "/ranking/?page=200"),
    ("ranked list, filtered (comune)", "/ranking/?comune=048017"),
    ("ranked list, search + kind", "/ranking/?q=srl&kind=company"),
    ("ranked list, from an operator's area", "/ranking/?from=operator:3"),
    # For comparison: the organization list with the same search (the filters cost the same there).
    ("organization list, search + kind (reference)", "/organizations/?q=srl&kind=company"),
]


def _build(url: str, scale: int) -> None:
    env = dict(os.environ, CRM_DATABASE_URL=url)
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "crm"]
    print(f"building a demo database of {scale} organizations at {url} …", flush=True)
    started = time.perf_counter()
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*flask, "demo-data", "--scale", str(scale)], cwd=ROOT, env=env, check=True)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=50000)
    parser.add_argument("--database", default="/tmp/bench_ranking.sqlite3")  # noqa: S108 - scratch data
    parser.add_argument("--rebuild", action="store_true", help="Delete and rebuild the database first.")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--user", default="coordinatore@demo.local")
    args = parser.parse_args()

    url = os.environ.get("CRM_DATABASE_URL") or f"sqlite:///{args.database}"
    if url.startswith("sqlite:///") and not os.environ.get("CRM_DATABASE_URL"):
        path = Path(args.database)
        if args.rebuild and path.exists():
            path.unlink()
        if not path.exists():
            _build(url, args.scale)
    os.environ["CRM_DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))

    from sqlalchemy import func, select

    from crm import create_app
    from crm.extensions import db
    from crm.organizations.models import Organization
    from crm.ranking import services

    app = create_app({"WTF_CSRF_ENABLED": False})
    with app.app_context(), app.test_request_context():
        total = db.session.scalar(select(func.count(Organization.id)))
        settings = services.current_settings()
        reference = services.resolve_reference(None)
        services.build_ranking(settings, reference, use_cache=False)  # warm the imports and the DB pages
        cold = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            ranking = services.build_ranking(settings, reference, use_cache=False)
            cold.append(time.perf_counter() - started)
        services.build_ranking(settings, reference)
        warm = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            services.build_ranking(settings, reference)
            warm.append(time.perf_counter() - started)
        one = []
        some_id = int(ranking.ids[ranking.order[0]])
        for _ in range(args.repeat):
            started = time.perf_counter()
            services.score_organizations([some_id], settings, reference)
            one.append(time.perf_counter() - started)
    backend = url.split(":")[0]
    print(f"{total} organizations ({len(ranking)} may be contacted), {backend}, {args.repeat} runs each")
    print(f"{'ranking':48} {'median s':>9} {'p95 s':>7}")
    for name, times in (
        ("rank all, from scratch (target ≤ 1 s)", cold),
        ("rank all, factor table cached", warm),
        ("score one organization (its page)", one),
    ):
        median, p95 = _percentiles(times)
        print(f"{name:48} {median:9.3f} {p95:7.3f}")

    client = app.test_client()
    client.post("/login", data={"email": args.user, "password": "demo"})
    print(f"{'page (target ≤ 200 ms)':48} {'median ms':>9} {'p95 ms':>7}")
    for name, url_path in PAGES:
        response = client.get(url_path)  # warm the caches
        assert response.status_code == 200, (url_path, response.status_code)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url_path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url_path, response.status_code)
        median, p95 = _percentiles(times)
        print(f"{name + ', warm':48} {median:9.1f} {p95:7.1f}")
    times = []
    for _ in range(max(3, args.repeat // 4)):
        services.clear_cache()
        started = time.perf_counter()
        response = client.get("/ranking/")
        times.append((time.perf_counter() - started) * 1000)
    median, p95 = _percentiles(times)
    print(f"{'ranked list, first page, cold (caches emptied)':48} {median:9.1f} {p95:7.1f}")
    with app.app_context():
        first = db.session.scalar(select(func.min(Organization.id)))
    client.get(f"/organizations/{first}")
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        client.get(f"/organizations/{first}")
        times.append((time.perf_counter() - started) * 1000)
    median, p95 = _percentiles(times)
    print(f"{'organization page (with the score panel)':48} {median:9.1f} {p95:7.1f}")


if __name__ == "__main__":
    main()
