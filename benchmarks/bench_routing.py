"""Routing benchmark: Solomon VRPTW, Florence field instances and a memory check.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_routing.py [--seconds 10] [--field-seconds 5]
        [--instances C101,R101,fv30] [--seed 0] [--solution-limit N] [--skip-memory]
        [--set ruin_removed=10 --set restarts=1 ...] [--json results.json]

For every instance it prints: feasible (checked again in double precision), vehicles,
distance, reference, gap to the reference and seconds. References: Solomon instances use the
distance-only best-known solutions (``solomon/bks_distance_only.csv``), field instances the
PyVRP 60 s reference (``field/refs.csv``); read the READMEs for what they measure. The memory
check solves a synthetic 120-stop, 15-staff Florence day in a child process and reports its
peak resident memory.

Wall-clock limits make results depend on machine load (the header prints the load average and
every row the CPU seconds the solve got); ``--solution-limit`` stops each search after a fixed
number of solutions instead, which repeats exactly run to run and compares settings at equal
search effort on a busy machine. ``--set NAME=VALUE`` overrides a :class:`SolverSettings` field
for the Solomon and field runs (how the tuning rounds in ``docs/routing.md`` were measured).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from routing.io import read_solomon  # noqa: E402
from routing.solver import SolverSettings, solve  # noqa: E402


def _refs(path: Path) -> dict[str, float]:
    if not path.exists():
        return {}
    with path.open(newline="") as f:
        return {row["instance"]: float(row["distance"]) for row in csv.DictReader(f)}


def _overrides(pairs: list[str]) -> dict[str, Any]:
    """``["ruin_removed=10", "gls_tail=0.2"]`` -> SolverSettings keyword arguments."""
    defaults = {f.name: f.default for f in fields(SolverSettings)}
    out: dict[str, Any] = {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        # The limits and the seed have their own options (and appear in the header).
        if name not in defaults or name in {"time_limit", "seed", "solution_limit"}:
            raise SystemExit(f"--set: unknown or reserved setting {name!r}")
        default = defaults[name]
        if isinstance(default, bool):
            out[name] = text.lower() in {"1", "true", "yes"}
        elif isinstance(default, int | float):
            out[name] = type(default)(text)
        else:
            out[name] = text
    return out


def _run(
    path: Path,
    seconds: float,
    seed: int,
    ref: float | None,
    solution_limit: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    inst = read_solomon(path)
    settings = SolverSettings(
        time_limit=seconds, seed=seed, solution_limit=solution_limit, **(overrides or {})
    )
    started = time.monotonic()
    cpu = time.process_time()
    plan = solve(inst.problem, inst.provider, settings)
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu
    routes = inst.routes_of(plan)
    problems = inst.violations(routes)
    distance = inst.distance(routes)
    return {
        "instance": inst.name or path.stem,
        "feasible": not problems,
        "problems": problems[:3],
        "vehicles": len(routes),
        "distance": round(distance, 2),
        "reference": ref,
        "gap": None if ref is None else round(100.0 * (distance / ref - 1.0), 2),
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
    }


def synthetic_day(n_stops: int = 120, n_staff: int = 15, seed: int = 7) -> Any:
    """A Florence-like day: office in Piazza della Signoria, stops within ~15 km.

    Mixed opening hours (morning, afternoon, split 9-13 / 14:30-18, all day), 30-60 min
    visits, lunch 12:30-14:30 for 45 min, car or scooter, at most 10 visits per shift.
    """
    import numpy as np

    from routing.model import Break, Location, Problem, Shift, Stop, TimeWindow, TravelMode

    rng = np.random.default_rng(seed)
    office = Location(43.7696, 11.2558)
    h = 3600
    shifts = [
        Shift(
            f"staff{k:02d}",
            office,
            TimeWindow(8 * h + 30 * 60, 18 * h),
            lunch=Break(12 * h + 30 * 60, 14 * h + 30 * 60, 45 * 60),
            mode=TravelMode.SCOOTER if k % 3 == 0 else TravelMode.CAR,
            max_visits=10,
        )
        for k in range(n_staff)
    ]
    hours = [
        ((9 * h, 13 * h),),
        ((14 * h + 30 * 60, 18 * h),),
        ((9 * h, 13 * h), (14 * h + 30 * 60, 18 * h)),
        ((8 * h + 30 * 60, 18 * h),),
    ]
    stops = []
    for i in range(n_stops):
        lat = 43.7696 + rng.normal(0, 0.05)
        lon = 11.2558 + rng.normal(0, 0.07)
        service = int(rng.choice([30, 45, 60])) * 60
        stops.append(
            Stop.from_opening_hours(
                f"s{i:03d}",
                Location(float(lat), float(lon)),
                service,
                hours[int(rng.integers(len(hours)))],
                priority=int(rng.integers(0, 4)) * 10,
            )
        )
    return Problem(tuple(stops), tuple(shifts), name="synthetic-120")


def _memory_child(seconds: float) -> None:
    from routing.solution import check_plan

    problem = synthetic_day()
    started = time.monotonic()
    plan = solve(problem, settings=SolverSettings(time_limit=seconds))
    elapsed = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "instance": problem.name,
                "feasible": not check_plan(problem, plan),
                "vehicles": plan.vehicles,
                "unassigned": len(plan.unassigned),
                "travel_h": round(plan.travel_time / 3600, 2),
                "seconds": round(elapsed, 2),
                "peak_mb": round(peak_kb / 1024, 1),
            }
        )
    )


def _memory(seconds: float) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", "--seconds", str(seconds)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Solomon time limit")
    parser.add_argument("--field-seconds", type=float, default=5.0, help="field time limit")
    parser.add_argument("--instances", default="", help="comma-separated names (default all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--solution-limit", type=int, default=None, help="stop after N solutions (equal effort)"
    )
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a setting")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        _memory_child(args.seconds)
        return 0
    wanted = {x.strip().upper() for x in args.instances.split(",") if x.strip()}
    overrides = _overrides(args.set)
    groups = [
        (
            "solomon",
            HERE / "solomon",
            _refs(HERE / "solomon" / "bks_distance_only.csv"),
            args.seconds,
        ),
        ("field", HERE / "field", _refs(HERE / "field" / "refs.csv"), args.field_seconds),
    ]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    limit = "" if args.solution_limit is None else f"  solution limit {args.solution_limit}"
    if overrides:
        limit += "  " + " ".join(args.set)
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')}  python {sys.version.split()[0]}  "
        f"seed {args.seed}  solomon {args.seconds:g}s  field {args.field_seconds:g}s{limit}  "
        f"load {load} on {os.cpu_count()} cpus"
    )
    header = (
        f"{'instance':10} {'feasible':8} {'veh':>4} {'distance':>10} {'ref':>10} "
        f"{'gap%':>6} {'sec':>6} {'cpu':>6}"
    )
    results: list[dict[str, Any]] = []
    for group, folder, refs, seconds in groups:
        files = sorted(folder.glob("*.txt"))
        files = [f for f in files if not wanted or f.stem.upper() in wanted]
        if not files:
            continue
        print(f"\n## {group}\n{header}")
        gaps = []
        for path in files:
            r = _run(path, seconds, args.seed, refs.get(path.stem), args.solution_limit, overrides)
            r["group"] = group
            results.append(r)
            gap = "" if r["gap"] is None else f"{r['gap']:6.2f}"
            ref = "" if r["reference"] is None else f"{r['reference']:10.2f}"
            print(
                f"{r['instance']:10} {'yes' if r['feasible'] else 'NO':8} {r['vehicles']:4d} "
                f"{r['distance']:10.2f} {ref:>10} {gap:>6} {r['seconds']:6.2f} "
                f"{r['cpu_seconds']:6.2f}",
                flush=True,
            )
            if r["gap"] is not None:
                gaps.append(r["gap"])
        if gaps:
            feasible = sum(r["feasible"] for r in results if r["group"] == group)
            print(
                f"{'mean':10} {feasible}/{len(files):<6} {'':>4} {'':>10} {'':>10} "
                f"{sum(gaps) / len(gaps):6.2f}"
            )
    if not args.skip_memory and not wanted:
        m = _memory(args.field_seconds)
        results.append({"group": "memory", **m})
        print(
            f"\n## memory\n{m['instance']}: feasible {'yes' if m['feasible'] else 'NO'}, "
            f"{m['vehicles']} shifts used, {m['unassigned']} unassigned, "
            f"{m['seconds']:.2f} s, peak RSS {m['peak_mb']:.0f} MB (limit 300)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
