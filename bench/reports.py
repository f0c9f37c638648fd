"""Reports benchmark: 10,000 learners x 20 courses (200,000 report rows) in one run.

One command (`python bench/reports.py`): builds a fresh SQLite instance, seeds it, rebuilds the
reports read model, then measures, each export in its own process so that its peak memory
(ru_maxrss) is its own:
  * the bare SQL query returning the report's rows (the anchor: DB-API cursor, fetchall),
  * the CSV export (streamed to a file) and its ratio to the bare query (target <= 1.5x),
  * the XLSX export (write-only openpyxl; target < 30 s), peak memory of both (< 200 MB),
  * the dashboard of a 500-learner team, p95 over repeated requests (target < 200 ms).
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


def child(task: str, db_path: Path, out: Path) -> None:
    """Run one measurement in this process and print JSON (seconds, rows, peak RSS in MB)."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.extensions import db
    from lms.reports import exports
    from lms.reports.query import ReportFilter, completion_statement

    app = make_app(db_path)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@academy.test"))
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"seconds": elapsed, "rows": rows, "peak_mb": peak, "bytes": out.stat().st_size if out.exists() else 0}
        )
    )


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
    p50, p95, size = dashboard_p95(db_path, args.requests)
    ratio = csv_run["seconds"] / bare["seconds"]
    ok = lambda cond: "ok" if cond else "MISSED"  # noqa: E731
    print(f"rows: {bare['rows']:,}")
    print(f"bare SQL query (anchor):   {bare['seconds']:.2f} s   peak {bare['peak_mb']:.0f} MB")
    print(f"CSV export:                {csv_run['seconds']:.2f} s   {csv_run['bytes'] / 1e6:.1f} MB file   "
          f"peak {csv_run['peak_mb']:.0f} MB   ratio {ratio:.2f}x bare (<= 1.5x: {ok(ratio <= 1.5)}; "
          f"< 200 MB: {ok(csv_run['peak_mb'] < 200)})")  # fmt: skip
    print(f"XLSX export:               {xlsx_run['seconds']:.2f} s   {xlsx_run['bytes'] / 1e6:.1f} MB file   "
          f"peak {xlsx_run['peak_mb']:.0f} MB   ratio {xlsx_run['seconds'] / bare['seconds']:.1f}x bare "
          f"(< 30 s: {ok(xlsx_run['seconds'] < 30)}; < 200 MB: {ok(xlsx_run['peak_mb'] < 200)})")  # fmt: skip
    print(f"dashboard ({size} learners): p50 {p50:.0f} ms   p95 {p95:.0f} ms over {args.requests} requests "
          f"(< 200 ms: {ok(p95 < 200)})")  # fmt: skip
    print(f"data kept in {work}" if args.keep else f"(scratch data in {work}; delete it when done)")


if __name__ == "__main__":
    main()
