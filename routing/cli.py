"""Command line: ``python -m routing solve FILE --seconds S [--seed N] --format json|text``.

``FILE`` is a Solomon VRPTW text file or a JSON problem (see :mod:`routing.io`). The JSON
output always has ``routes`` (for Solomon: the customer numbers of each route in visiting
order, depot excluded), ``vehicles`` and ``distance`` (Solomon: file units, double
precision; JSON problems: metres).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from routing.io import FormatError, plan_to_dict, read_problem, read_solomon
from routing.matrix import MatrixError
from routing.model import InvalidProblemError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m routing", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="solve a Solomon .txt or JSON problem file")
    solve.add_argument("file", type=Path)
    solve.add_argument("--seconds", type=float, default=5.0, help="time limit (default 5)")
    solve.add_argument("--seed", type=int, default=0, help="search seed (default 0)")
    solve.add_argument("--format", choices=("json", "text"), default="text")
    return parser


def _is_json(path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return True
    with path.open("rb") as f:
        return f.read(64).lstrip().startswith(b"{")


def _solve(path: Path, seconds: float, seed: int) -> dict[str, Any]:
    # Imported here so that `--help` and input errors do not pay for loading OR-Tools.
    from routing.solution import check_plan
    from routing.solver import SolverSettings, solve

    settings = SolverSettings(time_limit=seconds, seed=seed)
    if _is_json(path):
        problem, provider = read_problem(path)
        plan = solve(problem, provider, settings)
        violations = check_plan(problem, plan, provider)
        return {
            "name": problem.name or path.stem,
            "routes": [r.stop_ids for r in plan.used_routes],
            "shifts": [r.shift_id for r in plan.used_routes],
            "vehicles": plan.vehicles,
            "distance": float(plan.distance),
            "duration": plan.travel_time,
            "unassigned": [{"id": u.stop_id, "reason": u.reason.value} for u in plan.unassigned],
            "feasible": not violations,
            "seconds": round(plan.solve_seconds, 3),
            "plan": plan_to_dict(plan),
        }
    inst = read_solomon(path)
    plan = solve(inst.problem, inst.provider, settings)
    routes = inst.routes_of(plan)
    return {
        "name": inst.name,
        "routes": routes,
        "vehicles": len(routes),
        "distance": round(inst.distance(routes), 4),
        "unassigned": [{"id": int(u.stop_id), "reason": u.reason.value} for u in plan.unassigned],
        "feasible": not inst.violations(routes),
        "seconds": round(plan.solve_seconds, 3),
    }


def _text(result: dict[str, Any]) -> str:
    lines = [
        f"instance   {result['name']}",
        f"feasible   {'yes' if result['feasible'] else 'NO'}",
        f"vehicles   {result['vehicles']}",
        f"distance   {result['distance']:.2f}",
        f"unassigned {len(result['unassigned'])}",
        f"seconds    {result['seconds']:.2f}",
    ]
    labels = result.get("shifts") or [f"route {k + 1}" for k in range(len(result["routes"]))]
    for label, route in zip(labels, result["routes"], strict=True):
        lines.append(f"{label}: " + " ".join(str(x) for x in route))
    for u in result["unassigned"]:
        lines.append(f"unassigned {u['id']}: {u['reason']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    :param argv: arguments (default ``sys.argv[1:]``).
    :returns: the exit status (0 ok, 2 bad input).
    """
    args = _parser().parse_args(argv)
    if args.seconds <= 0:
        print("error: --seconds must be positive", file=sys.stderr)
        return 2
    try:
        result = _solve(args.file, args.seconds, args.seed)
    except (FormatError, InvalidProblemError, MatrixError) as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(result))
    else:
        print(_text(result))
    return 0
