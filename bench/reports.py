"""Reports benchmark: 10,000 learners x 20 courses (200,000 report rows) in one run.

One command (`python bench/reports.py`): builds a fresh SQLite instance, seeds it, rebuilds the
reports read model, then measures, each export in its own process so that its peak memory
(ru_maxrss) is its own:
  * the bare SQL query returning the report's rows (the anchor: DB-API cursor, fetchall),
  * the CSV export (streamed to a file) and its ratio to the bare query (target <= 1.5x),
  * the XLSX export (write-only openpyxl; target < 30 s), peak memory of both (< 200 MB),
  * the dashboard of a 500-learner team, p95 over repeated requests (target < 200 ms).
Exports run in a lean process (database + reports package); the full app's own baseline
(other domains import nbgrader, WeasyPrint, numpy...) is measured and printed beside it.
Wall and CPU seconds are both printed: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-123"


def make_app(db_path: Path):
    from lms import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "INSTANCE_DIR": db_path.parent / "instance",
        "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
    })  # fmt: skip


def make_lean_app(db_path: Path):
    """What an export worker needs: the database and the reports package, none of the other
    domains' imports (the full app loads nbgrader, WeasyPrint, numpy... before any export)."""
    from flask import Flask

    from lms.extensions import db

    app = Flask("export")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    db.init_app(app)
    return app


def seed(db_path: Path, learners: int, courses: int) -> dict:
    from lms.extensions import db
    from lms.reports.progress import rebuild_activity, rebuild_progress
    from lms.reports.synthetic import seed_report_population

    app = make_app(db_path)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        counts = seed_report_population(learners, courses)
        db.session.commit()
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        counts["progress_rows"], counts["active_weeks"] = rebuild_progress(), rebuild_activity()
        db.session.commit()
        counts["seed_s"], counts["refresh_s"] = round(seeded, 1), round(time.perf_counter() - started, 1)
    return counts


def _peak_rss_mb() -> float:
    """This process's own peak RSS. Not ru_maxrss: Linux carries the parent's peak across
    fork+exec into it, so a child of a 200 MB parent would report at least 200 MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(task: str, db_path: Path, out: Path) -> None:
    """Run one measurement in this process and print JSON (seconds, CPU seconds, rows, peak RSS in MB).

    Tasks: bare, csv, xlsx in a lean process; full-baseline (create_app only) and full-csv.
    """
    from lms.extensions import db
    from lms.reports import exports
    from lms.reports.query import ReportFilter, completion_statement
    from lms.reports.scope import SYSTEM as admin

    app = make_app(db_path) if task.startswith("full") else make_lean_app(db_path)
    task = task.removeprefix("full-")
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = cpu.ru_utime + cpu.ru_stime
    with app.app_context():
        flt = ReportFilter()
        rows = 0
        started = time.perf_counter()
        if task == "bare":
            sql = str(completion_statement(admin, flt).compile(db.engine, compile_kwargs={"literal_binds": True}))
            cursor = db.session.connection().connection.driver_connection.cursor()
            rows = len(cursor.execute(sql).fetchall())
        elif task == "csv":
            with out.open("wb") as f:
                exports.write_csv(admin, flt, f)
        elif task == "xlsx":
            with out.open("wb") as f:
                rows = exports.write_xlsx(admin, flt, f, filters=[("Team", "all")])
        elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    size = out.stat().st_size if out.exists() else 0
    print(json.dumps({
        "seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime - cpu_before, "rows": rows,
        "peak_mb": _peak_rss_mb(), "bytes": size,
    }))  # fmt: skip


def run_child(task: str, db_path: Path, out: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", task, str(db_path), str(out)], capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        sys.exit(f"{task} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def dashboard_p95(db_path: Path, requests: int) -> tuple[float, float, int]:
    """p50/p95 (ms) of the dashboard of the first 500-learner team, through the whole Flask stack."""
    from sqlalchemy import func, select

    from lms.accounts import services as accounts
    from lms.accounts.models import Team, team_members
    from lms.extensions import db

    app = make_app(db_path)
    with app.app_context():
        manager = accounts.find_user("manager@academy.test")
        manager.password_hash = accounts.hash_password(PASSWORD)
        db.session.commit()
        team_id, size = db.session.execute(
            select(Team.id, func.count()).join(team_members).where(Team.name.like("Bench team%"))
            .group_by(Team.id).order_by(Team.id).limit(1)
        ).one()  # fmt: skip
    client = app.test_client()
    client.post("/login", data={"email": "manager@academy.test", "password": PASSWORD})
    timings = []
    for n in range(requests + 3):
        started = time.perf_counter()
        response = client.get(f"/reports/teams/{team_id}")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        if n >= 3:  # warm-up
            timings.append(elapsed)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * len(timings)) - 1], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", help="reuse/keep the database in this folder")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    os.environ.setdefault("ACADEMY_ENV", "development")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "reports.db"
    if not db_path.exists():
        counts = seed(db_path, args.learners, args.courses)
        print(f"seeded: {counts}")
    bare = min((run_child("bare", db_path, work / "none") for _ in range(3)), key=lambda r: r["seconds"])
    csv_run = min((run_child("csv", db_path, work / "report.csv") for _ in range(3)), key=lambda r: r["seconds"])
    xlsx_run = run_child("xlsx", db_path, work / "report.xlsx")
    full_base = run_child("full-baseline", db_path, work / "none")
    full_csv = run_child("full-csv", db_path, work / "report-full.csv")
    p50, p95, size = dashboard_p95(db_path, args.requests)
    ratio, cpu_ratio = csv_run["seconds"] / bare["seconds"], csv_run["cpu"] / bare["cpu"]
    ok = lambda cond: "ok" if cond else "MISSED"
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"rows: {bare['rows']:,}")
    print(f"bare SQL query (anchor):   {bare['seconds']:.2f} s wall, {bare['cpu']:.2f} s CPU")
    print(
        f"CSV export:                {csv_run['seconds']:.2f} s wall, {csv_run['cpu']:.2f} s CPU, "
        f"{csv_run['bytes'] / 1e6:.1f} MB file; ratio {ratio:.2f}x bare wall, {cpu_ratio:.2f}x CPU "
        f"(<= 1.5x: {ok(ratio <= 1.5)}); peak {csv_run['peak_mb']:.0f} MB (< 200 MB: {ok(csv_run['peak_mb'] < 200)})"
    )
    print(
        f"XLSX export:               {xlsx_run['seconds']:.2f} s wall, {xlsx_run['cpu']:.2f} s CPU "
        f"(< 30 s: {ok(xlsx_run['seconds'] < 30)}), {xlsx_run['bytes'] / 1e6:.1f} MB file; "
        f"peak {xlsx_run['peak_mb']:.0f} MB (< 200 MB: {ok(xlsx_run['peak_mb'] < 200)})"
    )
    print(
        f"full app (web worker or `flask reports completion`): baseline {full_base['peak_mb']:.0f} MB before any "
        f"export; CSV there peaks at {full_csv['peak_mb']:.0f} MB "
        f"(+{full_csv['peak_mb'] - full_base['peak_mb']:.0f} MB), {full_csv['seconds']:.2f} s"
    )
    print(
        f"dashboard ({size} learners): p50 {p50:.0f} ms   p95 {p95:.0f} ms over {args.requests} requests "
        f"(< 200 ms: {ok(p95 < 200)})"
    )
    print(f"data kept in {work}" if args.keep else f"(scratch data in {work}; delete it when done)")


if __name__ == "__main__":
    main()
