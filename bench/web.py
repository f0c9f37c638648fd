"""Web benchmark: catalog and dashboard latency, and dashboard throughput next to a trivial endpoint.

One command (`make bench` or `python bench/web.py`): builds a fresh instance, seeds 10,000
learners / 50 courses / 1,000,000 events / 5 unread notifications per learner (the bell counts
them on every page), serves it with gunicorn (2 workers), then measures
p50/p95 of the catalog and the dashboard and, with wrk and 20 connections, the dashboard's
throughput as a ratio of /healthz's served the same way (and the workers' CPU time per request,
which other load on the machine disturbs less). Also times `flask courses sync`.
`--instance DIR` keeps the seeded instance and reuses it on the next run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.serving import PASSWORD, flask, gunicorn, latencies, login, workers_cpu


def wrk(port: int, path: str, cookie: str, seconds: int, connections: int, server_pid: int) -> tuple[float, float]:
    """Requests per second, and the workers' CPU milliseconds per request (other load on the
    machine moves the first a lot, the second much less)."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    cpu_before = workers_cpu(server_pid)
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    cpu = workers_cpu(server_pid) - cpu_before
    if "Non-2xx" in out:
        sys.exit(f"wrk saw errors on {path}:\n{out}")
    done = int(re.search(r"(\d+) requests in", out).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), 1000 * cpu / done


def seed_label(args: argparse.Namespace) -> str:
    """What an instance was seeded with: a kept instance is reused only for the same figures."""
    return (
        f"{args.learners} learners, {args.courses} courses, {args.events} events, "
        f"{args.notifications} unread notifications each"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--notifications", type=int, default=5, help="unread notifications per learner")
    parser.add_argument("--requests", type=int, default=300, help="sequential requests per latency figure")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each throughput run")
    parser.add_argument(
        "--instance",
        type=Path,
        help="keep the seeded instance in this folder and reuse it on the next run (skips syncing and seeding; "
        "migrations still run); default: a fresh temporary instance, deleted at the end",
    )
    args = parser.parse_args()

    instance = args.instance.resolve() if args.instance else Path(tempfile.mkdtemp(prefix="academy-bench-"))
    seeded_marker = instance / "bench-seeded"
    reuse = args.instance is not None and seeded_marker.is_file() and seeded_marker.read_text() == seed_label(args)
    env = {
        **os.environ,
        "FLASK_APP": "app.py",
        "ACADEMY_INSTANCE": str(instance),
        "LOGIN_RATE_LIMIT": "10000 per minute",
    }
    env.pop("DATABASE_URL", None)
    try:
        if args.instance and not reuse and instance.exists():
            if any(instance.iterdir()) and not seeded_marker.is_file():
                sys.exit(f"{instance} is not empty and is not a bench instance: choose another folder")
            shutil.rmtree(instance)  # seeded with other figures: start again
        instance.mkdir(parents=True, exist_ok=True)
        if not reuse:
            seeded_marker.write_text("seeding")  # a run stopped halfway is started again next time
        flask(env, "db", "upgrade", "heads")
        first_sync = sync_wall = resync_wall = seed_seconds = None
        if not reuse:
            started = time.perf_counter()
            first_sync = flask(env, "courses", "sync")
            sync_wall = time.perf_counter() - started
            started = time.perf_counter()
            flask(env, "courses", "sync")
            resync_wall = time.perf_counter() - started
            flask(env, "platform", "init")
            print("set-up done, seeding...", flush=True)
            started = time.perf_counter()
            sizes = ["--learners", str(args.learners), "--courses", str(args.courses), "--events", str(args.events)]
            sizes += ["--notifications", str(args.notifications)]
            flask(env, "demo", "seed", *sizes)
            seed_seconds = time.perf_counter() - started
            seeded_marker.write_text(seed_label(args))

        with gunicorn(env) as (server, port):
            cookies = [login(port, f"learner{n}@bench.test", PASSWORD) for n in range(5, 5 + 20 * 37, 37)]
            for path in ("/", "/dashboard", "/healthz"):  # warm both workers
                latencies(port, path, cookies, 20)
            catalog = latencies(port, "/", [], args.requests)
            dashboard = latencies(port, "/dashboard", cookies, args.requests)
            dash_rps, dash_cpu = wrk(port, "/dashboard", cookies[0], args.seconds, 20, server.pid)
            trivial_rps, trivial_cpu = wrk(port, "/healthz", "", args.seconds, 20, server.pid)
    finally:
        if not args.instance:
            shutil.rmtree(instance, ignore_errors=True)

    if reuse:
        print(f"Reused the instance in {instance} ({seed_label(args)}): sync and seeding not timed")
    else:
        sync_inner = re.search(r"Synced in ([\d.]+) s", first_sync).group(1)
        print(
            f"Seeded {args.learners:,} learners, {args.courses} courses, {args.events:,} events, "
            f"{args.notifications} unread notifications each in {seed_seconds:.1f} s"
        )
        print(
            f"flask courses sync (demo catalog, empty DB): {float(sync_inner):.2f} s in-process, "
            f"{sync_wall:.2f} s command; "
            f"unchanged re-sync {resync_wall:.2f} s command   target < 2 s"
        )
    print(f"catalog   p50 {catalog[0]:6.1f} ms   p95 {catalog[1]:6.1f} ms")
    print(f"dashboard p50 {dashboard[0]:6.1f} ms   p95 {dashboard[1]:6.1f} ms   target p95 < 50 ms")
    print(
        f"throughput, 20 connections, gunicorn 2 workers: dashboard {dash_rps:.0f} req/s, "
        f"/healthz {trivial_rps:.0f} req/s, ratio {dash_rps / trivial_rps:.2f}   target >= 0.40   "
        f"(load average {os.getloadavg()[0]:.2f})"
    )
    print(
        f"server CPU per request (steadier under other load): dashboard {dash_cpu:.2f} ms, "
        f"/healthz {trivial_cpu:.2f} ms, ratio {trivial_cpu / dash_cpu:.2f}"
    )


if __name__ == "__main__":
    main()
