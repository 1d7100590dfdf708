"""Duplicate finder benchmark: the whole-database search over the Florence demo data.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_duplicates.py [--scale 50000] [--database sqlite:////tmp/x.sqlite3]
        [--repeat 1] [--json results.json]

Without ``--database`` it builds a temporary SQLite database with
``flask --app crm db upgrade`` and ``flask --app crm demo-data --scale N`` (about 45 s for 50,000
organizations), then measures in this process, which did not generate the data: the seconds to read
the organizations, the seconds to match them, the pairs found by reason, and the peak resident
memory of the process (with the memory after start-up, for comparison). Target: 30 s for 50,000
organizations on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_database(url: str, scale: int) -> float:
    """Create the schema and load the demo data; returns the seconds it took."""
    env = {**os.environ, "CRM_DATABASE_URL": url}
    flask = [sys.executable, "-m", "flask", "--app", "crm"]
    started = time.perf_counter()
    subprocess.run([*flask, "db", "upgrade"], check=True, env=env, cwd=ROOT, capture_output=True)
    subprocess.run(
        [*flask, "demo-data", "--scale", str(scale)], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def measure(url: str, repeat: int) -> dict[str, Any]:
    from crm import create_app
    from crm.duplicates import services
    from crm.duplicates.matching import find_candidate_pairs

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    baseline = _peak_mb()
    best: tuple[float, float] | None = None
    with app.app_context():
        for _ in range(repeat):
            pairs: list[Any] = []  # one result alive at a time: the peak is one search's
            started = time.perf_counter()
            records = services._records()
            loaded = time.perf_counter()
            pairs = find_candidate_pairs(records, name_threshold=services.name_threshold())
            matched = time.perf_counter()
            if best is None or (loaded - started) + (matched - loaded) < sum(best):
                best = (loaded - started, matched - loaded)
        count = len(records)
        reasons = Counter(r.kind.value for p in pairs for r in p.reasons)
        pair_count = len(pairs)
        del pairs, records
        # The service path the pages use (fingerprint, dismissals, cache) once more, from cold.
        services.clear_cache()
        started = time.perf_counter()
        service_pairs = len(services.find_duplicates())
        service_seconds = time.perf_counter() - started
        services.clear_cache()
    assert best is not None
    load_s, match_s = best
    return {
        "organizations": count,
        "load_seconds": round(load_s, 2),
        "match_seconds": round(match_s, 2),
        "total_seconds": round(load_s + match_s, 2),
        "service_seconds": round(service_seconds, 2),
        "pairs": pair_count,
        "service_pairs": service_pairs,
        "pairs_by_reason": dict(reasons.most_common()),
        "startup_mb": round(baseline, 1),
        "peak_mb": round(_peak_mb(), 1),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=50_000, help="organizations to generate")
    parser.add_argument("--database", help="an existing database URL to search (skips generation)")
    parser.add_argument("--repeat", type=int, default=1, help="searches to run; the best is shown")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-duplicates-") as tmp:
        url = args.database
        if not url:
            url = f"sqlite:///{Path(tmp) / 'demo.sqlite3'}"
            print(f"Building {args.scale} demo organizations in {url} …", flush=True)
            print(f"  built in {build_database(url, args.scale):.1f} s", flush=True)
        result = measure(url, args.repeat)

    print(f"organizations     {result['organizations']}")
    print(f"read              {result['load_seconds']:.2f} s")
    print(f"match             {result['match_seconds']:.2f} s")
    print(f"total             {result['total_seconds']:.2f} s  (target 30 s)")
    print(f"find_duplicates() {result['service_seconds']:.2f} s  (service path, cold cache)")
    print(f"pairs found       {result['pairs']}  {result['pairs_by_reason']}")
    print(f"peak memory       {result['peak_mb']:.0f} MB  (after start-up {result['startup_mb']:.0f} MB)")
    print(f"cpus              {result['cpus']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
