"""Partnership benchmark: the timeliness figures, the follow-up items and the referrer's list over the
Florence demo data.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_partnership.py [--scale 10000] [--database sqlite:////tmp/x.sqlite3]

Without ``--database`` it builds a temporary SQLite database (``db upgrade`` and ``demo-data --scale N``;
the demo makes 150 candidates, each with a referral, per 400 organizations), then measures in this
process: the seconds to compute the timeliness table (four grouped queries and the pure summary), to
list everyone's plan actions and reviews due (the coordinator's follow-ups), to collect notification
events, and to open the busiest demo referrer's list. Target: each under 0.5 s for 4,000 referrals.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def build_database(url: str, scale: int) -> float:
    env = {**os.environ, "CRM_DATABASE_URL": url}
    flask = [sys.executable, "-m", "flask", "--app", "crm"]
    started = time.perf_counter()
    subprocess.run([*flask, "db", "upgrade"], check=True, env=env, cwd=ROOT, capture_output=True)
    subprocess.run(
        [*flask, "demo-data", "--scale", str(scale)], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def _timed(function: object, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best, result


def measure(url: str) -> dict[str, object]:
    from sqlalchemy import func, select

    from crm import create_app
    from crm.extensions import db
    from crm.followups.services import local_today
    from crm.partnership.models import Referral
    from crm.partnership.notifications import collect_events
    from crm.partnership.services import plan_items_due, portal_cases
    from crm.partnership.timeliness import summarise, timeliness_rows

    app = create_app({"DATABASE_URL": url})
    with app.app_context(), app.test_request_context():
        referrals = db.session.scalar(select(func.count()).select_from(Referral))
        timeliness_s, figures = _timed(lambda: summarise(timeliness_rows()))
        today = local_today()
        items_s, items = _timed(lambda: plan_items_due(None, until=today + timedelta(days=7)))
        busiest = db.session.execute(
            select(Referral.referrer_id, func.count())
            .where(Referral.referrer_id.is_not(None))
            .group_by(Referral.referrer_id)
            .order_by(func.count().desc())
        ).first()
        from crm.auth.models import User

        user = db.session.get(User, busiest[0]) if busiest else None
        portal_s, rows = _timed(lambda: portal_cases(user) if user else [])
        events_s, _ = _timed(collect_events, repeat=1)
    return {
        "referrals": referrals,
        "offices": len(figures),  # type: ignore[arg-type]
        "timeliness_s": timeliness_s,
        "plan_items": len(items),  # type: ignore[arg-type]
        "plan_items_s": items_s,
        "portal_rows": len(rows),  # type: ignore[arg-type]
        "portal_s": portal_s,
        "collect_events_s": events_s,
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10_000, help="organizations to generate")
    parser.add_argument("--database", help="an existing database URL (skips generation)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-partnership-") as tmp:
        url = args.database
        if not url:
            url = f"sqlite:///{Path(tmp) / 'demo.sqlite3'}"
            print(f"Building {args.scale} demo organizations in {url} …", flush=True)
            print(f"  built in {build_database(url, args.scale):.1f} s", flush=True)
        r = measure(url)
    print(f"referrals            {r['referrals']} from {r['offices']} offices")
    print(f"timeliness table     {r['timeliness_s']:.3f} s  (target 0.5 s)")
    print(f"plan items due       {r['plan_items_s']:.3f} s  ({r['plan_items']} items, everyone's)")
    print(f"referrer's list      {r['portal_s']:.3f} s  ({r['portal_rows']} people, names decrypted)")
    print(f"collect events       {r['collect_events_s']:.3f} s")
    print(f"cpus                 {r['cpus']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
