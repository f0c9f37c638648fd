"""XLSX writers on the completion export: 10,000 learners x 20 courses (200,000 rows x 15 columns).

One command (`python bench/xlsx.py [--keep DIR]`), on the database bench/reports.py seeds. Each
measurement runs in its own lean process (database + reports package), so its peak memory is its own:
  * bare SQL: the report's statement on the DB-API cursor, fetchall (as in bench/reports.py),
  * a bare loop per library, writing the export's very values (fetched, neutralised and dated
    before the clock starts) into one sheet and saving: openpyxl write-only, XlsxWriter
    constant_memory; no styles, no summary,
  * the export itself (lms.reports.exports.write_xlsx: query, conversions, styles, Summary sheet).
The export's anchor is bare SQL + the bare loop of the library it uses (target: export <= 1.3x).
Wall and CPU seconds are both printed, with the load average: the machine may be shared.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports import _peak_rss_mb, make_lean_app, seed  # noqa: E402  (bench/ is on sys.path)


def export_values(viewer, flt) -> list[list]:
    """The export's rows as the sheet holds them (what the bare loops write)."""
    from lms.reports.exports import _excel_date
    from lms.reports.query import DATE_COLUMNS, TEXT_COLUMNS, export_rows
    from lms.spreadsheets import neutralize

    values = []
    for row in export_rows(viewer, flt):
        out = list(row)
        for i in TEXT_COLUMNS:
            out[i] = neutralize(out[i])
        for i in DATE_COLUMNS:
            out[i] = _excel_date(out[i])
        values.append(out)
    return values


def bare_openpyxl(values: list[list], out: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Completions")
    for row in values:
        sheet.append(row)
    workbook.save(out)


def bare_xlsxwriter(values: list[list], out: Path) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True, "default_date_format": "yyyy-mm-dd hh:mm:ss"})
    sheet = workbook.add_worksheet("Completions")
    for n, row in enumerate(values):
        sheet.write_row(n, 0, row)
    workbook.close()


def child(task: str, db_path: Path, out: Path) -> None:
    """One measurement in this process; prints JSON (seconds, CPU seconds, rows, peak MB, bytes)."""
    from lms.extensions import db
    from lms.reports import exports
    from lms.reports.query import ReportFilter, completion_statement
    from lms.reports.scope import SYSTEM as admin

    app = make_lean_app(db_path)
    with app.app_context():
        flt = ReportFilter()
        values = export_values(admin, flt) if task.startswith("bare-") else []
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = cpu.ru_utime + cpu.ru_stime
        started = time.perf_counter()
        rows = len(values)
        if task == "sql":
            sql = str(completion_statement(admin, flt).compile(db.engine, compile_kwargs={"literal_binds": True}))
            cursor = db.session.connection().connection.driver_connection.cursor()
            rows = len(cursor.execute(sql).fetchall())
        elif task == "bare-openpyxl":
            bare_openpyxl(values, out)
        elif task == "bare-xlsxwriter":
            bare_xlsxwriter(values, out)
        elif task == "export":
            with out.open("wb") as f:
                rows = exports.write_xlsx(admin, flt, f, filters=[("Team", "all")])
        elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu": usage.ru_utime + usage.ru_stime - cpu_before,
                "rows": rows,
                "peak_mb": _peak_rss_mb(),
                "bytes": out.stat().st_size if out.exists() else 0,
                "load": os.getloadavg()[0],
            }
        )
    )


def run_child(task: str, db_path: Path, out: Path) -> dict:
    out.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", task, str(db_path), str(out)], capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        sys.exit(f"{task} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def best(task: str, db_path: Path, out: Path, runs: int) -> dict:
    """The fastest of `runs` (the machine is shared: the minimum is the least disturbed)."""
    return min((run_child(task, db_path, out) for _ in range(runs)), key=lambda r: r["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2, help="runs of each measurement; the fastest is kept")
    parser.add_argument("--keep", help="reuse/keep the database in this folder (the one bench/reports.py --keep made)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    os.environ.setdefault("ACADEMY_ENV", "development")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-xlsx-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "reports.db"
    if not db_path.exists():
        print(f"seeded: {seed(db_path, args.learners, args.courses)}", flush=True)
    from lms.reports.exports import XLSX_LIBRARY

    sql = best("sql", db_path, work / "none", args.runs)
    loops = {
        lib: best(f"bare-{lib}", db_path, work / f"bare-{lib}.xlsx", args.runs) for lib in ("openpyxl", "xlsxwriter")
    }
    export = best("export", db_path, work / "export.xlsx", args.runs)
    anchor = sql["seconds"] + loops[XLSX_LIBRARY]["seconds"]
    anchor_cpu = sql["cpu"] + loops[XLSX_LIBRARY]["cpu"]
    line = lambda name, r: (
        f"{name:<34} {r['seconds']:6.2f} s wall {r['cpu']:6.2f} s CPU  peak {r['peak_mb']:4.0f} MB"
        + (f"  {r['bytes'] / 1e6:5.1f} MB file" if r["bytes"] else "")
        + f"  (load {r['load']:.1f})"
    )
    print(f"rows: {sql['rows']:,} x 15 columns; {os.cpu_count()} cores; fastest of {args.runs} runs each")
    print(line("bare SQL (fetchall)", sql))
    print(line("bare loop, openpyxl write-only", loops["openpyxl"]))
    print(line("bare loop, XlsxWriter constant_memory", loops["xlsxwriter"]))
    print(line(f"export (write_xlsx, {XLSX_LIBRARY})", export))
    ratio, cpu_ratio = export["seconds"] / anchor, export["cpu"] / anchor_cpu
    verdict = "ok" if ratio <= 1.3 else "MISSED"
    print(
        f"export / (bare SQL + bare {XLSX_LIBRARY} loop): {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (<= 1.3x: {verdict})"
    )
    other = "openpyxl" if XLSX_LIBRARY == "xlsxwriter" else "xlsxwriter"
    print(
        f"bare loops: {other} / {XLSX_LIBRARY} = {loops[other]['seconds'] / loops[XLSX_LIBRARY]['seconds']:.2f}x wall, "
        f"{loops[other]['cpu'] / loops[XLSX_LIBRARY]['cpu']:.2f}x CPU"
    )
    print(f"data kept in {work}" if args.keep else f"(scratch data in {work}; delete it when done)")


if __name__ == "__main__":
    main()
