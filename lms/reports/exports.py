"""Completion exports: CSV streamed, XLSX in openpyxl's write-only mode, PDF summary by WeasyPrint."""

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
from lms.spreadsheets import neutralize


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


XLSX_LIBRARY = "openpyxl"  # the writer write_xlsx uses (bench/xlsx.py compares it with a bare loop)

WIDTHS = (22, 24, 30, 34, 13, 20, 11, 13, 14, 12, 12, 11, 16, 20, 20)


def write_xlsx(viewer: User, flt: ReportFilter, out: IO[bytes], *, filters: list[tuple[str, str]]) -> int:
    """Write the report as XLSX (write-only: rows go to disk as they come); returns the row count.

    Sheet "Summary" first (filters, counts and rates), then "Completions" with typed cells,
    a frozen header row and an autofilter over every column.
    """
    from openpyxl import Workbook  # openpyxl (with numpy) loads with the first XLSX export
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    rows = export_rows(viewer, flt)
    workbook = Workbook(write_only=True)
    summary_sheet = workbook.create_sheet("Summary")
    sheet = workbook.create_sheet("Completions")
    sheet.freeze_panes = "A2"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="4F46E5")
    header = []
    for _key, title in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    sheet.append(header)
    count = 0
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
        sheet.append(out_row)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{count + 1}"

    _write_summary(summary_sheet, filters, count, per_course)
    workbook.save(out)
    return count


def _write_summary(sheet, filters: list[tuple[str, str]], count: int, per_course: dict) -> None:
    from openpyxl.cell import WriteOnlyCell  # loaded by write_xlsx already
    from openpyxl.styles import Font

    for column, width in zip("ABCDE", (40, 16, 12, 12, 16), strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)

    def cell(value, number_format=None, font=None):
        c = WriteOnlyCell(sheet, value=neutralize(value) if isinstance(value, str) else value)
        if number_format:
            c.number_format = number_format
        if font:
            c.font = font
        return c

    sheet.append([cell("Completion report", font=Font(bold=True, size=14))])
    sheet.append([cell("Generated (UTC)", font=bold), cell(datetime.now(UTC).replace(tzinfo=None, microsecond=0))])
    for label, value in filters:
        sheet.append([cell(label, font=bold), cell(value)])
    completed = sum(t[1] for t in per_course.values())
    sheet.append([cell("Rows", font=bold), cell(count)])
    sheet.append([cell("Completed", font=bold), cell(completed)])
    sheet.append([cell("Completion rate", font=bold), cell(completed / count if count else 0, "0.0%")])
    sheet.append([])
    sheet.append([cell(h, font=bold) for h in ("Course", "Tier", "Enrolled", "Completed", "Completion rate")])
    for (course, tier), (enrolled, done) in sorted(per_course.items()):
        sheet.append([cell(course), cell(tier), cell(enrolled), cell(done), cell(done / enrolled, "0.0%")])
