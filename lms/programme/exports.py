"""The dashboard's data as CSV and XLSX: one row per day of the period with each figure's daily value,
then the summary (each figure beside the previous period). At most MAX_DAYS rows: built in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, time
from typing import IO, Any

from lms.programme.services.figures import DAILY_COLUMNS, Dashboard
from lms.spreadsheets import HEADER_STYLE, XlsxTable, neutralize, xlsx_workbook

SUMMARY_HEADER = ("figure", "label", "unit", "value", "previous", "change")


def _title(board: Dashboard) -> list[str]:
    scope = board.segment.name if board.segment is not None else "platform"
    period = board.window.current
    return [f"scope: {scope}", f"from: {period.start.isoformat()}", f"to: {period.end.isoformat()}"]


def summary_rows(board: Dashboard) -> Iterator[list[Any]]:
    for f in (*board.figures, *board.community):
        yield [f.key, str(f.label), f.unit, f.value, f.previous, f.change]
    for c in board.categories:
        yield [f"feedback:{c.category}", c.category, "count", c.value, c.previous, c.value - c.previous]


def csv_text(board: Dashboard) -> str:
    """UTF-8 with a BOM (Excel reads it), text cells neutralized against formula injection."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([neutralize(t) for t in _title(board)])
    if board.hidden:
        writer.writerow([neutralize(board.hidden)])
        return out.getvalue()
    writer.writerow(["day", *DAILY_COLUMNS])
    for day, values in board.days():
        writer.writerow([day.isoformat(), *(values[c] for c in DAILY_COLUMNS)])
    writer.writerow([])
    writer.writerow(SUMMARY_HEADER)
    for row in summary_rows(board):
        writer.writerow([neutralize(v) if isinstance(v, str) else v for v in row])
    return out.getvalue()


def write_xlsx(board: Dashboard, out: IO[bytes]) -> None:
    """Two sheets, Daily (a table of the period's days) and Summary, with the shared XlsxWriter helper
    (constant memory, as the completion export)."""
    book = xlsx_workbook(out)
    daily = XlsxTable(book, "Daily", ["day", *DAILY_COLUMNS], [12, *(len(c) + 2 for c in DAILY_COLUMNS)])
    if not board.hidden:
        day_format = book.add_format({"num_format": "yyyy-mm-dd"})
        for day, values in board.days():
            daily.append([None, *(values[c] for c in DAILY_COLUMNS)])
            daily.sheet.write_datetime(daily.rows, 0, datetime.combine(day, time()), day_format)
    daily.close()
    summary = book.add_worksheet("Summary")
    summary.set_column(0, 1, 28)
    lines: list[list[Any]] = [[neutralize(line)] for line in _title(board)]
    if board.hidden:
        lines.append([neutralize(board.hidden)])
    for row, line in enumerate(lines):
        summary.write_row(row, 0, line)
    if not board.hidden:
        summary.write_row(len(lines), 0, SUMMARY_HEADER, book.add_format(HEADER_STYLE))
        for row, values in enumerate(summary_rows(board), start=len(lines) + 1):
            summary.write_row(row, 0, [neutralize(v) if isinstance(v, str) else v for v in values])
    book.close()
