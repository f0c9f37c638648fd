"""The dashboard's data as CSV and XLSX: one row per day of the period with each figure's daily value,
then the summary (each figure beside the previous period). At most MAX_DAYS rows: built in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from lms.programme.services.figures import DAILY_COLUMNS, Dashboard
from lms.spreadsheets import neutralize

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
    """Two sheets, Daily and Summary (openpyxl write-only, as the completion export)."""
    from openpyxl import Workbook  # openpyxl (with numpy) loads with the first XLSX export
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet, names) -> None:
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    daily = book.create_sheet("Daily")
    daily.freeze_panes = "B2"
    header(daily, ["day", *DAILY_COLUMNS])
    if not board.hidden:
        for day, values in board.days():
            daily.append([day, *(values[c] for c in DAILY_COLUMNS)])
    summary = book.create_sheet("Summary")
    for line in _title(board):
        summary.append([neutralize(line)])
    if board.hidden:
        summary.append([neutralize(board.hidden)])
    else:
        header(summary, SUMMARY_HEADER)
        for row in summary_rows(board):
            summary.append([neutralize(v) if isinstance(v, str) else v for v in row])
    book.save(out)
