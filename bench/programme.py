"""Programme benchmark (issue 18): the developer-relations dashboard on 100,000 developers.

One command, `python bench/programme.py [--postgres] [--instance DIR]` (or `make bench-programme`):
1. a fresh instance (SQLite, or with --postgres a throwaway PostgreSQL from tests/postgres.py) with
   the demo catalog and accounts, then `flask demo seed` with the programme's options: --learners
   developers signed up over --days (15 months: every preset period has a previous one with data),
   --profiles of them with a developer profile and interests, --events learning events, --feedback
   hub items, a certificate per finished enrolment, survey answers, workshop registrations; two
   segments materialised straight from the profiles (partners; developers in DE or FR); then the
   read model: `flask programme rebuild`. Each step is timed;
2. per figure and preset period, platform-wide and per segment: the read model's time (the
   programme service's function, in this process) beside ONE bare SQL statement computing the same
   figure from the raw tables (compiled once, run on the DB-API cursor: the anchor);
3. gunicorn with 2 workers, warm (each page served first), the demo admin signed in through the
   real form: p50/p95 of GET /programme/?period=P[&segment=S] for every preset period and segment
   (target p95 < 300 ms), with the workers' CPU per request; the CSV export beside the bare SQL
   returning the same rows (target <= 1.5x) and the XLSX export beside a bare loop writing the same
   values with the same library (target <= 1.3x).
The load average is printed beside every figure: the machine (2 cores) is shared.
`--instance DIR` keeps the seeded instance (with --postgres its cluster too, in DIR/pg) and reuses it
when seeded with the same figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import PASSWORD, flask, gunicorn, latencies, login, workers_cpu  # noqa: E402
from lms.learning.models import COMPLETION_KINDS, PROGRESS_KINDS  # noqa: E402

PERIODS = {"week": 7, "month": 30, "quarter": 91, "year": 365}
DASHBOARD_P95_MS = 300.0
SEGMENTS = (  # name, the profiles it takes (SQL over developer_profiles: portable)
    ("Bench partners", "developer_type = 'partner'"),
    ("Bench DE and FR", "country IN ('DE', 'FR')"),
)


def seed_label(args: argparse.Namespace) -> str:
    return f"{args.learners}/{args.courses}/{args.events}/{args.feedback}/{args.profiles}/{args.days}"


def seed(env: dict, args: argparse.Namespace) -> dict[str, float]:
    """Migrate, load the catalog and demo accounts, seed, materialise the segments, build the read
    models; returns the seconds of each step."""
    steps: dict[str, float] = {}

    def step(name: str, *command: str) -> str:
        started = time.perf_counter()
        out = flask(env, *command)
        steps[name] = time.perf_counter() - started
        print(f"  {name}: {steps[name]:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)
        return out

    step("init", "platform", "init")
    sizes = ["--learners", str(args.learners), "--courses", str(args.courses), "--events", str(args.events)]
    sizes += ["--notifications", "0", "--profiles", str(args.profiles), "--feedback", str(args.feedback)]
    sizes += [
        "--certificates",
        "--surveys",
        "0.3",
        "--registrations",
        str(args.learners // 3),
        "--days",
        str(args.days),
    ]
    print(step("seed", "demo", "seed", *sizes).strip(), flush=True)
    started = time.perf_counter()
    materialise_segments()
    steps["segments"] = time.perf_counter() - started
    return steps | rebuild_programme(env)


def rebuild_programme(env: dict) -> dict[str, float]:
    """`flask programme rebuild`, once per instance (a reused instance seeded before the command existed
    gets it on the next run)."""
    marker = Path(env["ACADEMY_INSTANCE"]) / "bench-programme-rebuilt"
    if not has_command(env, "programme") or marker.is_file():
        return {}
    started = time.perf_counter()
    flask(env, "programme", "rebuild")
    marker.write_text("rebuilt")
    seconds = time.perf_counter() - started
    print(f"  programme rebuild: {seconds:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)
    return {"programme rebuild": seconds}


def has_command(env: dict, group: str) -> bool:
    return f"  {group} " in flask(env, "--help")


def materialise_segments() -> None:
    """The bench's segments, their members written straight from the profiles (as the segments'
    recompute would leave them), with member_count and computed_at."""
    from sqlalchemy import text

    from lms.extensions import db

    now = datetime.now(UTC)
    with app().app_context():
        for name, where in SEGMENTS:
            db.session.execute(text("DELETE FROM segments WHERE name = :name"), {"name": name})
            segment_id = db.session.execute(
                text(
                    "INSERT INTO segments (name, description, rules, created_at, updated_at, member_count) "
                    "VALUES (:name, 'bench', '[]', :now, :now, 0) RETURNING id"
                ),
                {"name": name, "now": now},
            ).scalar_one()
            db.session.execute(
                text(
                    f"INSERT INTO segment_members (segment_id, user_id) "
                    f"SELECT :segment, user_id FROM developer_profiles WHERE {where}"
                ),
                {"segment": segment_id},
            )
            db.session.execute(
                text(
                    "UPDATE segments SET computed_at = :now, member_count = "
                    "(SELECT count(*) FROM segment_members WHERE segment_id = :segment) WHERE id = :segment"
                ),
                {"segment": segment_id, "now": now},
            )
        db.session.commit()


_APP = None


def app():
    """The app of the bench instance, in this process (the environment says which database)."""
    global _APP
    if _APP is None:
        from lms import create_app

        _APP = create_app()
    return _APP


def segment_ids() -> dict[str, int]:
    from sqlalchemy import text

    from lms.extensions import db

    with app().app_context():
        rows = db.session.execute(text("SELECT name, id FROM segments WHERE description = 'bench'")).all()
    return {name: segment_id for name, segment_id in rows}


def set_admin_password() -> str:
    from lms.accounts import services as accounts
    from lms.extensions import db

    email = "admin@academy.test"
    with app().app_context():
        admin = accounts.find_user(email)
        admin.password_hash = accounts.hash_password(PASSWORD)
        db.session.commit()
    return email


SLOW_MS = 2000.0  # a call this slow is timed once: the full run stays within minutes


def timed(call: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """Best and median milliseconds of `rounds` calls after a warm-up call; a warm-up slower than
    SLOW_MS is the only measurement (a full scan of 5 M rows is not warmed by running it twice)."""
    started = time.perf_counter()
    call()
    first = (time.perf_counter() - started) * 1000
    if first > SLOW_MS:
        return first, first
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[0], times[len(times) // 2]


def bare_figures(dialect: str) -> dict[str, list[str]]:
    """Per programme figure group (the service function's name): one SQL statement per figure over the
    raw tables, for both periods of the window ([:prev, :cur) and [:cur, :end)) and an optional
    :segment (NULL: everyone), with the dashboard's definitions (lms/programme/services/figures.py).
    Portable SQL, except the difference of two times and the median."""
    seconds = (
        (lambda a, b: f"((julianday({a}) - julianday({b})) * 86400)")
        if dialect == "sqlite"
        else (lambda a, b: f"extract(epoch FROM {a} - {b})")
    )

    def cut(user: str) -> str:
        return f"(:segment IS NULL OR {user} IN (SELECT user_id FROM segment_members WHERE segment_id = :segment))"

    def periods(column: str) -> str:
        cur = f"sum(CASE WHEN {column} >= :cur THEN 1 ELSE 0 END)"
        return f"{cur}, sum(CASE WHEN {column} < :cur THEN 1 ELSE 0 END)"

    def median(value: str, moment: str, source: str) -> str:
        """The median of `value` per period of `moment` (rows of `source` within the window)."""
        period = f"CASE WHEN {moment} >= :cur THEN 'current' ELSE 'previous' END"
        if dialect == "postgresql":
            return f"SELECT {period} AS p, percentile_cont(0.5) WITHIN GROUP (ORDER BY {value}) {source} GROUP BY 1"
        ranked = (
            f"SELECT {period} AS p, {value} AS v, row_number() OVER (PARTITION BY {period} ORDER BY {value}) AS r, "
            f"count(*) OVER (PARTITION BY {period}) AS n {source}"
        )
        return f"SELECT p, avg(v) FROM ({ranked}) ranked WHERE r IN ((n + 1) / 2, (n + 2) / 2) GROUP BY p"

    kinds = lambda names: "(" + ", ".join(f"'{k}'" for k in sorted(names)) + ")"
    completed = (  # per (learner, course) with every live item done: when the last was first done
        "WITH live AS (SELECT i.id, i.course_id FROM items i JOIN modules m ON m.id = i.module_id "
        "WHERE i.archived_at IS NULL AND m.archived_at IS NULL), "
        "totals AS (SELECT course_id, count(*) AS total FROM live GROUP BY course_id), "
        "firsts AS (SELECT e.user_id, e.course_id, min(e.occurred_at) AS first_at FROM learning_events e "
        f"WHERE e.kind IN {kinds(COMPLETION_KINDS)} AND e.item_id IN (SELECT id FROM live) "
        f"AND {cut('e.user_id')} GROUP BY e.user_id, e.course_id, e.item_id), "
        "done AS (SELECT f.user_id, f.course_id, max(f.first_at) AS done_at FROM firsts f "
        "JOIN totals t ON t.course_id = f.course_id GROUP BY f.user_id, f.course_id, t.total "
        "HAVING count(*) = t.total) "
    )
    window = lambda column: f"{column} >= :prev AND {column} < :end"
    done_within = f"FROM done d WHERE {window('d.done_at')}"
    feedback = f"FROM feedback_items f WHERE {window('f.created_at')} AND {cut('f.reporter_id')}"
    return {
        "new_developers": [
            f"SELECT {periods('u.created_at')} FROM users u WHERE {window('u.created_at')} AND {cut('u.id')}"
        ],
        "weekly_active_learners": [
            "SELECT count(DISTINCT CASE WHEN e.occurred_at >= :cur_week THEN e.user_id END), "
            "count(DISTINCT CASE WHEN e.occurred_at < :cur THEN e.user_id END) FROM learning_events e "
            f"WHERE e.kind IN {kinds(PROGRESS_KINDS)} AND ((e.occurred_at >= :cur_week AND e.occurred_at < :end) "
            f"OR (e.occurred_at >= :prev_week AND e.occurred_at < :cur)) AND {cut('e.user_id')}"
        ],
        "learning": [  # enrolments, completions, completion rate (of the period's enrolments, completed so far)
            f"{completed}, enrolled AS (SELECT n.user_id, n.course_id, min(n.enrolled_at) AS enrolled_at "
            f"FROM enrollments n WHERE {cut('n.user_id')} GROUP BY n.user_id, n.course_id) "
            f"SELECT (SELECT sum(CASE WHEN d.done_at >= :cur THEN 1 ELSE 0 END) {done_within}), "
            f"(SELECT sum(CASE WHEN d.done_at < :cur THEN 1 ELSE 0 END) {done_within}), "
            f"{periods('n.enrolled_at')}, "
            "sum(CASE WHEN n.enrolled_at >= :cur AND d.done_at IS NOT NULL THEN 1 ELSE 0 END), "
            "sum(CASE WHEN n.enrolled_at < :cur AND d.done_at IS NOT NULL THEN 1 ELSE 0 END) "
            "FROM enrolled n LEFT JOIN done d ON d.user_id = n.user_id AND d.course_id = n.course_id "
            f"WHERE {window('n.enrolled_at')}"
        ],
        "time_to_complete": [
            f"{completed}, enrolled AS (SELECT n.user_id, n.course_id, min(n.enrolled_at) AS enrolled_at "
            "FROM enrollments n GROUP BY n.user_id, n.course_id) "
            + median(
                seconds("d.done_at", "n.enrolled_at"),
                "d.done_at",
                "FROM done d JOIN enrolled n ON n.user_id = d.user_id AND n.course_id = d.course_id "
                f"WHERE {window('d.done_at')}",
            )
        ],
        "certificates": [
            f"SELECT {periods('c.issued_at')} FROM certificates c WHERE {window('c.issued_at')} "
            f"AND c.revoked_at IS NULL AND {cut('c.user_id')}"
        ],
        "satisfaction": [
            "SELECT CASE WHEN r.submitted_at >= :cur THEN 'current' ELSE 'previous' END, count(*), "
            "100.0 * sum(CASE WHEN r.csat >= 4 THEN 1 ELSE 0 END) / count(r.csat), "
            "100.0 * (sum(CASE WHEN r.nps >= 9 THEN 1 ELSE 0 END) - sum(CASE WHEN r.nps <= 6 THEN 1 ELSE 0 END)) "
            f"/ count(r.nps) FROM survey_responses r WHERE {window('r.submitted_at')} AND {cut('r.user_id')} GROUP BY 1"
        ],
        "workshops": [
            "SELECT CASE WHEN g.registered_at >= :cur THEN 'current' ELSE 'previous' END, count(*), "
            "count(g.attended_at) "
            f"FROM workshop_registrations g WHERE {window('g.registered_at')} AND {cut('g.user_id')} GROUP BY 1"
        ],
        "feedback": [
            "SELECT CASE WHEN f.created_at >= :cur THEN 'current' ELSE 'previous' END, f.category, count(*), "
            f"count(f.resolved_at) {feedback} GROUP BY 1, 2",
            median(
                seconds("f.first_response_at", "f.created_at"),
                "f.created_at",
                f"{feedback} AND f.first_response_at IS NOT NULL",
            ),
            median(
                seconds("f.resolved_at", "f.created_at"), "f.created_at", f"{feedback} AND f.resolved_at IS NOT NULL"
            ),
        ],
    }


def window_params(days: int, segment_id: int | None) -> dict[str, Any]:
    """The dashboard's window for a preset: whole UTC days ending today, and as many days before."""
    today = datetime.now(UTC).date()
    end = datetime.combine(today + timedelta(days=1), dt_time(), UTC)
    cur, prev = end - timedelta(days=days), end - timedelta(days=2 * days)
    return {
        "prev": prev,
        "cur": cur,
        "end": end,
        "cur_week": end - timedelta(days=7),
        "prev_week": cur - timedelta(days=7),
        "segment": segment_id,
    }


def bare_sql_timings(segments: dict[str, int], rounds: int) -> Iterator[tuple[str, str, str, float, float, Any]]:
    """(figure group, period, segment, best ms, median ms, rows) of the group's bare statements, run
    one after the other on the DB-API cursor."""
    from lms.extensions import db

    with app().app_context():
        connection = db.session.connection()
        cursor = connection.connection.driver_connection.cursor()
        # every period platform-wide, and each segment over the quarter (the read model: every combination)
        cases = [(period, "everyone", None) for period in PERIODS] + [("quarter", *item) for item in segments.items()]
        for group, statements in bare_figures(connection.dialect.name).items():
            for period, segment_name, segment_id in cases:
                params = window_params(PERIODS[period], segment_id)
                literals = [_literal(sql, params, connection.dialect.name) for sql in statements]

                def run(literals: list[str] = literals) -> list:
                    out = []
                    for sql in literals:
                        cursor.execute(sql)
                        out.append(cursor.fetchall())
                    return out

                rows: list = []
                best, median = timed(lambda: rows.append(run()), rounds)  # noqa: B023
                yield group, period, segment_name, best, median, rows[-1]


def _literal(sql: str, params: dict[str, Any], dialect: str) -> str:
    """The statement with its parameters written in, as the database stores them."""
    for name, value in sorted(params.items(), key=lambda item: -len(item[0])):
        if value is None:
            literal = "NULL"
        elif isinstance(value, datetime):
            stamp = value.astimezone(UTC)
            literal = f"'{stamp.strftime('%Y-%m-%d %H:%M:%S.%f')}'" if dialect == "sqlite" else f"'{stamp.isoformat()}'"
        else:
            literal = str(value)
        sql = sql.replace(f":{name}", literal)
    return sql


def dashboard_timings(
    env: dict, segments: dict[str, int], requests: int
) -> list[tuple[str, float, float, float, float]]:
    """(path, p50, p95, workers' CPU ms per request, load) of the dashboard per period and segment."""
    email = set_admin_password()
    results = []
    with gunicorn(env) as (server, port):
        cookie = login(port, email)
        paths = [
            f"/programme/?period={period}" + (f"&segment={segment_id}" if segment_id else "")
            for period in PERIODS
            for segment_id in (None, *segments.values())
        ]
        for path in paths:  # warm both workers
            latencies(port, path, [cookie], 4)
        for path in paths:
            cpu = workers_cpu(server.pid)
            p50, p95 = latencies(port, path, [cookie], requests)
            cpu_ms = (workers_cpu(server.pid) - cpu) * 1000 / requests
            results.append((path, p50, p95, cpu_ms, os.getloadavg()[0]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--feedback", type=int, default=20_000)
    parser.add_argument("--profiles", type=float, default=0.8, help="share of developers with a profile")
    parser.add_argument("--days", type=int, default=450, help="sign-ups spread over this many days")
    parser.add_argument("--requests", type=int, default=40, help="per dashboard URL")
    parser.add_argument("--rounds", type=int, default=5, help="per bare SQL statement")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL instead of SQLite")
    parser.add_argument("--no-bare", action="store_true", help="leave out the bare SQL (minutes on 5 M events)")
    parser.add_argument(
        "--instance",
        type=Path,
        help="keep the seeded instance here (with --postgres, its cluster in DIR/pg) and reuse it",
    )
    args = parser.parse_args()

    instance = args.instance.resolve() if args.instance else Path(tempfile.mkdtemp(prefix="academy-programme-"))
    marker = instance / "bench-seeded"
    reuse = bool(args.instance) and marker.is_file() and marker.read_text() == seed_label(args)
    env = {**os.environ, "FLASK_APP": "app.py", "ACADEMY_INSTANCE": str(instance), "ACADEMY_ENV": "development"}
    env["LOGIN_RATE_LIMIT"] = "10000 per minute"
    env.pop("DATABASE_URL", None)
    if not reuse and args.instance and instance.exists() and any(instance.iterdir()) and not marker.is_file():
        sys.exit(f"{instance} is not empty and is not a bench instance: choose another folder")
    server = None
    if args.postgres:
        from tests.postgres import TempPostgres

        if args.instance and not reuse:
            shutil.rmtree(instance / "pg", ignore_errors=True)
        server = TempPostgres(instance / "pg" if args.instance else None)
        env["DATABASE_URL"] = server.start()
    os.environ.update({k: env[k] for k in ("ACADEMY_INSTANCE", "ACADEMY_ENV")})
    if "DATABASE_URL" in env:
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    try:
        if not reuse:
            if not args.postgres:
                shutil.rmtree(instance, ignore_errors=True)
            instance.mkdir(parents=True, exist_ok=True)
            marker.write_text("seeding")
            print(f"seeding ({'PostgreSQL' if args.postgres else 'SQLite'}, {seed_label(args)})...", flush=True)
            steps = seed(env, args)
            marker.write_text(seed_label(args))
        else:
            print(f"reusing {instance} ({seed_label(args)})")
            flask(env, "db", "upgrade", "heads")
            if not segment_ids():
                materialise_segments()
            steps = rebuild_programme(env)
        report(args, env, steps)
    finally:
        if server is not None:
            server.stop()
        if not args.instance:
            shutil.rmtree(instance, ignore_errors=True)


def read_model_timings(segments: dict[str, int], rounds: int) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(figure group, period, segment) -> best and median ms of the programme service's function (the
    read model), in this process, as the dashboard calls it."""
    from lms.programme.services import figures
    from lms.programme.services.periods import window

    results = {}
    with app().app_context():
        today = datetime.now(UTC).date()
        for group in GROUPS:
            function = getattr(figures, group)
            for period in PERIODS:
                w = window(period, None, None, today)
                for segment_name, segment_id in {"everyone": None, **segments}.items():
                    results[group, period, segment_name] = timed(lambda: function(w, segment_id), rounds)  # noqa: B023
    return results


GROUPS = (
    "new_developers",
    "weekly_active_learners",
    "learning",
    "time_to_complete",
    "certificates",
    "satisfaction",
    "workshops",
    "feedback",
)


def daily_rows_sql(dialect: str) -> str:
    """One statement over the raw tables giving the CSV export's day rows for [:cur, :end), platform-wide:
    each day of the period with every daily column (lms.programme.services.figures.DAILY_COLUMNS)."""
    day = (lambda c: f"date({c})") if dialect == "sqlite" else (lambda c: f"date(timezone('UTC', {c}))")
    within = lambda c: f"{c} >= :cur AND {c} < :end"
    progress = "kind IN (" + ", ".join(f"'{k}'" for k in sorted(PROGRESS_KINDS)) + ")"
    facts = [
        ("new_developers", "count(*)", "users", "created_at", ""),
        (
            "active_learners",
            "count(DISTINCT user_id)",
            "learning_events",
            "occurred_at",
            progress,
        ),
        ("enrolments", "count(*)", "learning_events", "occurred_at", "kind = 'enrolled'"),
        ("completions", "count(*)", "done", "done_at", ""),
        ("certificates", "count(*)", "certificates", "issued_at", "revoked_at IS NULL"),
        ("survey_responses", "count(*)", "survey_responses", "submitted_at", ""),
        ("csat_answers", "count(csat)", "survey_responses", "submitted_at", ""),
        ("csat_satisfied", "sum(CASE WHEN csat >= 4 THEN 1 ELSE 0 END)", "survey_responses", "submitted_at", ""),
        ("nps_answers", "count(nps)", "survey_responses", "submitted_at", ""),
        ("nps_promoters", "sum(CASE WHEN nps >= 9 THEN 1 ELSE 0 END)", "survey_responses", "submitted_at", ""),
        ("nps_detractors", "sum(CASE WHEN nps <= 6 THEN 1 ELSE 0 END)", "survey_responses", "submitted_at", ""),
        ("workshop_registrations", "count(*)", "workshop_registrations", "registered_at", ""),
        ("workshop_attended", "count(attended_at)", "workshop_registrations", "registered_at", ""),
        ("feedback_filed", "count(*)", "feedback_items", "created_at", ""),
        ("feedback_resolved", "count(resolved_at)", "feedback_items", "created_at", ""),
    ]
    union = " UNION ALL ".join(
        f"SELECT {day(column)} AS d, '{name}' AS m, {value} AS c FROM {table} "
        f"WHERE {within(column)}{' AND ' + where if where else ''} GROUP BY 1"
        for name, value, table, column, where in facts
    )
    pivot = ", ".join(f"sum(CASE WHEN m = '{name}' THEN c ELSE 0 END)" for name, *_rest in facts)
    completed = bare_figures(dialect)["learning"][0].split(", enrolled AS", 1)[0]
    return f"{completed}, facts AS ({union}) SELECT d, {pivot} FROM facts GROUP BY d ORDER BY d"


def export_timings(rounds: int) -> dict[str, Any]:
    """The year's exports in this process (the dashboard's data, then the file) beside their anchors:
    the bare SQL giving the CSV's day rows; a bare loop writing the XLSX's values with its library."""
    import io

    from lms.extensions import db
    from lms.programme import exports
    from lms.programme.services import figures
    from lms.programme.services.periods import window

    out: dict[str, Any] = {}
    with app().app_context():
        now = datetime.now(UTC)
        w = window("year", None, None, now.date())
        connection = db.session.connection()
        sql = _literal(daily_rows_sql(connection.dialect.name), window_params(365, None), connection.dialect.name)
        cursor = connection.connection.driver_connection.cursor()

        def bare_sql() -> list:
            cursor.execute(sql)
            return cursor.fetchall()

        out["sql"] = timed(bare_sql, rounds)
        out["sql_rows"] = len(bare_sql())
        out["csv"] = timed(lambda: exports.csv_text(figures.dashboard(w, None, now)), rounds)
        board = figures.dashboard(w, None, now)
        out["csv_rows"] = len(board.days())
        library = "xlsxwriter" if "xlsx_workbook" in Path(exports.__file__).read_text() else "openpyxl"
        values = [[day, *(v[c] for c in figures.DAILY_COLUMNS)] for day, v in board.days()]
        summary = [list(row) for row in exports.summary_rows(board)]
        out["xlsx"] = timed(lambda: exports.write_xlsx(figures.dashboard(w, None, now), io.BytesIO()), rounds)
        out["xlsx_file"] = timed(lambda: exports.write_xlsx(board, io.BytesIO()), rounds)
        out["board"] = timed(lambda: figures.dashboard(w, None, now), rounds)
        out["loop"] = timed(lambda: bare_loop(library, values, summary), rounds)
        out["library"] = library
    return out


def bare_loop(library: str, values: list[list], summary: list[list]) -> None:
    """Two sheets of these values, no styles: the XLSX export's anchor."""
    import io

    if library == "xlsxwriter":
        import xlsxwriter

        book = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
        for name, rows in (("Daily", values), ("Summary", summary)):
            sheet = book.add_worksheet(name)
            for n, row in enumerate(rows):
                sheet.write_row(n, 0, row)
        book.close()
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, rows in (("Daily", values), ("Summary", summary)):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(io.BytesIO())


def report(args: argparse.Namespace, env: dict, steps: dict[str, float]) -> None:
    segments = segment_ids()
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\n== {database}, {args.learners:,} developers, {args.events:,} events, {os.cpu_count()} cores ==")
    if steps:
        print("set-up: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()))
    programme = has_command(env, "programme")
    models = read_model_timings(segments, args.rounds) if programme else {}
    print("\nper figure group, read model (the service function) beside bare SQL over the raw tables")
    print(f"(ms, best of {args.rounds}; both periods of the window; load average beside):")
    bare = [] if args.no_bare else bare_sql_timings(segments, args.rounds)
    for group, period, segment, best, _median, rows in bare:
        model = models.get((group, period, segment))
        side = f"read model {model[0]:7.1f}  " if model else ""
        ratio = f"bare/model {best / model[0]:7.1f}x  " if model and model[0] else ""
        shown = f"  {rows[0][:2]}" if segment == "everyone" and period == "quarter" else ""
        print(
            f"  {group:<24} {period:<8} {segment:<16} {side}bare SQL {best:8.1f}  {ratio}"
            f"load {os.getloadavg()[0]:.1f}{shown}"
        )
    for (group, period, segment), (best, _median) in models.items() if args.no_bare else ():
        print(f"  {group:<24} {period:<8} {segment:<16} read model {best:7.1f}  load {os.getloadavg()[0]:.1f}")
    if not programme:
        print("\n(no `flask programme` commands yet: the dashboard and exports are not measured)")
        return
    target = f"p95 < {DASHBOARD_P95_MS:.0f} ms"
    print(f"\ndashboard through gunicorn, 2 workers, {args.requests} requests per URL ({target}):")
    for path, p50, p95, cpu_ms, load in dashboard_timings(env, segments, args.requests):
        verdict = "ok" if p95 < DASHBOARD_P95_MS else "MISSED"
        print(f"  {path:<44} p50 {p50:6.1f}  p95 {p95:6.1f} ms ({verdict})  CPU {cpu_ms:5.1f} ms/req  load {load:.1f}")
    e = export_timings(args.rounds)
    load = os.getloadavg()[0]
    ok = lambda ratio, limit: f"{ratio:.2f}x ({'ok' if ratio <= limit else 'MISSED'}, <= {limit}x)"
    print(f"\nexports of the year, platform-wide, in this process (ms, best of {args.rounds}; load {load:.1f}):")
    print(
        f"  CSV  {e['csv'][0]:8.1f} ({e['csv_rows']} day rows + summary) beside bare SQL giving the day rows "
        f"{e['sql'][0]:8.1f} ({e['sql_rows']} rows): {ok(e['csv'][0] / e['sql'][0], 1.5)}"
    )
    print(
        f"  XLSX {e['xlsx'][0]:8.1f} = dashboard data {e['board'][0]:.1f} + file {e['xlsx_file'][0]:.1f}; "
        f"bare {e['library']} loop of the same values {e['loop'][0]:.1f}: file/loop "
        f"{ok(e['xlsx_file'][0] / e['loop'][0], 1.3)}"
    )


if __name__ == "__main__":
    main()
