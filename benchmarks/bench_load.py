"""Load benchmark: the CRM under gunicorn with concurrent users (locust, headless).

Usage (on a database made with ``flask --app crm demo-data --scale 50000``)::

    .venv/bin/python benchmarks/bench_load.py --database-url sqlite:////tmp/big.sqlite3
    .venv/bin/python benchmarks/bench_load.py --database-url postgresql://postgres@127.0.0.1/big

Starts gunicorn on the database (3 synchronous workers by default), lets ``--users`` simulated
members of staff (``locustfile.py``) log in and browse for ``--seconds``, and prints per page the
number of requests, failures and the 50th/95th/99th percentile response times measured by the
client, against the 150 ms p95 target, with the server's CPU time per request.
``--wait`` is each user's mean pause between two requests (0 = back to back: a stress test, not a
working day). Needs the ``bench`` extra (``pip install -e '.[bench]'``: gunicorn and locust).
A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_P95_MS = 150


def _flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "crm", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def _highest_organization_id(env: dict[str, str]) -> int:
    code = (
        "from crm import create_app\nfrom crm.extensions import db\nfrom sqlalchemy import text\n"
        "app = create_app()\nwith app.app_context():\n"
        "    print(db.session.execute(text('SELECT max(id) FROM organization')).scalar() or 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def _api_token(env: dict[str, str], email: str) -> str:
    """A read token for the API pages, when the installed version has personal access tokens."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "crm", "tokens", "create", email, "--scope", "read"],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )
    if result.returncode != 0:
        return ""
    return result.stdout.strip().split()[-1]


def _cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by a process and its children (gunicorn's master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 - our server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz in time")


def _exists(url: str) -> bool:
    """Whether a page exists (a redirect to the log-in page counts: it needs a session)."""
    try:
        with urllib.request.urlopen(url, timeout=10):  # noqa: S310 - our own server, http://
            return True
    except urllib.error.HTTPError as exc:
        return exc.code != 404
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=15, help="seconds of load before measuring")
    parser.add_argument("--wait", type=float, default=1.0, help="mean pause between requests (s)")
    # Three synchronous workers, as docs/deployment.md recommends for two cores: with threads, a
    # worker's requests shared its interpreter lock and p95 was two to three times the median.
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (1: sync)")
    parser.add_argument("--keep-alive", type=int, default=30,
                        help="seconds gunicorn keeps an idle connection (0: one request per connection, "
                        "as behind nginx without upstream keep-alive)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--email", default="coordinatore@demo.local")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--pages", default="", help="comma-separated subset: list,organization,"
                        "ranking,map,api")
    parser.add_argument("--ranking-path", default="/ranking/")
    args = parser.parse_args()
    for tool in ("gunicorn", "locust"):
        if not (BIN / tool).exists() and shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: pip install -e '.[bench]'")

    env = {
        **os.environ,
        "CRM_DATABASE_URL": args.database_url,
        "CRM_SECRET_KEY": os.environ.get("CRM_SECRET_KEY", "bench-" + "x" * 40),
        # The login rate limit protects real sites from guessing; here 16 users log in at once.
        "CRM_RATELIMIT_ENABLED": "false",
    }
    base = f"http://127.0.0.1:{args.port}"
    max_id = _highest_organization_id(env)
    token = _api_token(env, args.email)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(args.workers), "--threads", str(args.threads),
         "--bind", f"127.0.0.1:{args.port}", "--log-level", "warning",
         # Behind nginx keep-alive connections are the norm; gunicorn's 2 s default would reset
         # the connections of users who pause longer.
         "--keep-alive", str(args.keep_alive), "crm:create_app()"],
        env=env, cwd=ROOT,
    )
    try:
        _wait_until_up(base)
        ranking_path = args.ranking_path if _exists(base + args.ranking_path) else ""
        with tempfile.TemporaryDirectory() as tmp:
            prefix = str(Path(tmp) / "load")
            locust_env = {
                **env,
                "BENCH_EMAIL": args.email,
                "BENCH_PASSWORD": args.password,
                "BENCH_MAX_ORG_ID": str(max_id),
                "BENCH_WAIT": str(args.wait),
                "BENCH_API_TOKEN": token,
                "BENCH_RANKING_PATH": ranking_path,
                "BENCH_PAGES": args.pages,
            }
            command = [
                str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
                "-u", str(args.users), "-r", str(args.users), "--host", base, "--only-summary",
                "--loglevel", "ERROR", "-t", f"{args.warmup + args.seconds}s", "--csv", prefix,
            ]
            # One run: the users log in once, the first --warmup seconds (log-ins, every worker
            # compiling its templates and filling its caches) are not counted (locustfile.py),
            # and the server's CPU time is read from when the counting starts.
            mark = Path(tmp) / "measuring"
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            locust = subprocess.Popen(
                command, env={**locust_env, "BENCH_WARMUP": str(args.warmup), "BENCH_MARK_FILE": str(mark)},
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            while not mark.exists() and locust.poll() is None:
                time.sleep(0.05)
            cpu_before = _cpu_seconds(server.pid)
            locust.wait()
            server_cpu = _cpu_seconds(server.pid) - cpu_before
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            locust_cpu = (children.ru_utime + children.ru_stime) - (
                children_before.ru_utime + children_before.ru_stime
            )
            with open(prefix + "_stats.csv", newline="") as f:
                rows = list(csv.DictReader(f))
    finally:
        server.terminate()
        server.wait(timeout=30)

    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"{args.database_url.split(':')[0]}, highest organization id {max_id}, {args.users} users, "
          f"mean pause {args.wait} s, {args.seconds} s, gunicorn {args.workers}x{args.threads}, "
          f"load average after {' '.join(load)}")
    skipped = ("Aggregated", "login form", "login")
    measured = sum(int(r["Request Count"]) for r in rows if r["Name"] not in skipped)
    if measured:
        print(f"server CPU {1000 * server_cpu / measured:.1f} ms per request ({server_cpu:.1f} s over the "
              f"measured {measured} requests, {measured / args.seconds:.0f} requests/s); load generator "
              f"{locust_cpu:.1f} CPU s over the whole run")
    print(f"{'page':32} {'requests':>8} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  target")
    for row in rows:
        if row["Name"] in ("login form", "login"):
            continue
        p95 = float(row["95%"] or 0)
        verdict = "" if row["Name"] == "Aggregated" else ("ok" if p95 <= TARGET_P95_MS else "MISSED")
        print(f"{row['Name']:32} {row['Request Count']:>8} {row['Failure Count']:>5} "
              f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}  {verdict}")


if __name__ == "__main__":
    main()
