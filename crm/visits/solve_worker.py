"""Solve routing problems in a separate process: one JSON job per line in, one JSON reply out.

Started by :class:`crm.visits.jobs.BackgroundRunner` as a script (``python solve_worker.py``),
so it imports only the ``routing`` library, never Flask or the CRM. OR-Tools keeps Python's
GIL while it searches: in its own process it cannot slow down the web server's threads, and a
crash or a hang of the native code only costs this process (the runner starts a new one).
The process stays up between jobs so OR-Tools is imported once (~0.7 s), and it exits when
its stdin closes (the web process went away).

Job: ``{"problem": routing.io.problem_to_dict(...), "settings": {SolverSettings fields},
"routing_url": null | "http://osrm:5000"}``. Reply: ``{"plan": routing.io.plan_to_dict(...)}``
or ``{"error": "..."}``.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def solve_job(job: dict[str, Any]) -> dict[str, Any]:
    from routing import HaversineProvider, HttpRoutingProvider, SolverSettings, solve
    from routing.io import plan_to_dict, problem_from_dict

    problem, _static = problem_from_dict(job["problem"])
    url = job.get("routing_url")
    provider = HttpRoutingProvider(url) if url else HaversineProvider()
    return plan_to_dict(solve(problem, provider, SolverSettings(**job.get("settings", {}))))


def main() -> int:
    import routing.solver  # noqa: F401 - pay the OR-Tools import before the first job

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply: dict[str, Any] = {"plan": solve_job(json.loads(line))}
        except Exception as exc:  # report, keep serving: the next job may be fine
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
