"""Completion exports: CSV streamed, XLSX by XlsxWriter in constant-memory mode, PDF summary by WeasyPrint."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO

from lms.accounts.models import User
from lms.extensions import db
from lms.reports.query import (
    DATE_COLUMNS,
    EXPORT_COLUMNS,
    TEXT_COLUMNS,
    ReportFilter,
    check_filter,
    csv_line_statement,
    export_rows,
)
from lms.spreadsheets import XlsxTable, neutralize, xlsx_workbook


def _excel_date(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value[:19])
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)  # Excel has no time zones


def csv_chunks(viewer: User, flt: ReportFilter) -> Iterator[str]:
    """The report as CSV text in chunks, UTF-8 BOM first so Excel reads the accents right.

    The database formats and quotes each line (csv_line_statement); this joins them.
    """
    check_filter(viewer, flt)  # before the first byte is sent
    connection = db.session.connection()
    stmt = csv_line_statement(viewer, flt, connection.dialect.name)
    if connection.dialect.name == "sqlite":  # the driver's cursor already fetches lazily: read it directly
        cursor = connection.execute(stmt).cursor
        chunks = iter(lambda: cursor.fetchmany(5000), [])
    else:  # a server-side cursor, read in batches
        chunks = connection.execute(stmt.execution_options(yield_per=5000, stream_results=True)).partitions()
    return _csv_stream(chunks)


def _csv_stream(chunks) -> Iterator[str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([header for _key, header in EXPORT_COLUMNS])
    yield "\ufeff" + buffer.getvalue()
    for chunk in chunks:  # one finished line per row
        yield "\r\n".join([row[0] for row in chunk]) + "\r\n"


def write_csv(viewer: User, flt: ReportFilter, out: IO[bytes]) -> None:
    """Write the CSV export to a binary file (the CLI)."""
    for chunk in csv_chunks(viewer, flt):
        out.write(chunk.encode("utf-8"))


XLSX_LIBRARY = "xlsxwriter"  # lms.spreadsheets.xlsx_workbook; bench/xlsx.py compares it with a bare loop

WIDTHS = (22, 24, 30, 34, 13, 20, 11, 13, 14, 12, 12, 11, 16, 20, 20)


def write_xlsx(viewer: User, flt: ReportFilter, out: IO[bytes], *, filters: list[tuple[str, str]]) -> int:
    """Write the report as XLSX (rows go to disk as they come); returns the row count.

    Sheet "Summary" first (filters, counts and rates), then "Completions" with typed cells,
    a frozen header row and an autofilter over every column.
    """
    rows = export_rows(viewer, flt)
    workbook = xlsx_workbook(out)
    summary_sheet = workbook.add_worksheet("Summary")  # first tab, written once the rows are counted
    table = XlsxTable(workbook, "Completions", [title for _key, title in EXPORT_COLUMNS], WIDTHS)
    per_course: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        tally = per_course.setdefault((row[3], row[4]), [0, 0])
        tally[0] += 1
        tally[1] += row[7] == "completed"
        out_row = list(row)
        for i in TEXT_COLUMNS:
            out_row[i] = neutralize(out_row[i])
        for i in DATE_COLUMNS:
            out_row[i] = _excel_date(out_row[i])
        table.append(out_row)
    count = table.close()
    _write_summary(workbook, summary_sheet, filters, count, per_course)
    workbook.close()
    return count


def _write_summary(workbook, sheet, filters: list[tuple[str, str]], count: int, per_course: dict) -> None:
    for column, width in enumerate((40, 16, 12, 12, 16)):
        sheet.set_column(column, column, width)
    bold = workbook.add_format({"bold": True})
    percent = workbook.add_format({"num_format": "0.0%"})
    completed = sum(t[1] for t in per_course.values())
    sheet.write(0, 0, "Completion report", workbook.add_format({"bold": True, "font_size": 14}))
    lines = [
        ("Generated (UTC)", datetime.now(UTC).replace(tzinfo=None, microsecond=0), None),
        *((label, neutralize(value), None) for label, value in filters),
        ("Rows", count, None),
        ("Completed", completed, None),
        ("Completion rate", completed / count if count else 0, percent),
    ]
    for n, (label, value, style) in enumerate(lines, start=1):
        sheet.write(n, 0, neutralize(label), bold)
        sheet.write(n, 1, value, style)
    n = len(lines) + 2
    sheet.write_row(n, 0, ("Course", "Tier", "Enrolled", "Completed", "Completion rate"), bold)
    for (course, tier), (enrolled, done) in sorted(per_course.items()):
        n += 1
        sheet.write_row(n, 0, (neutralize(course), tier, enrolled, done))
        sheet.write_number(n, 4, done / enrolled, percent)
