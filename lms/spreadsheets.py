"""Spreadsheets we hand out: text a person typed made safe for the spreadsheet that opens our CSV
and XLSX downloads, and the XLSX writer the exports share (XlsxWriter in constant-memory mode:
bench/xlsx.py measured it against openpyxl's write-only mode)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
HEADER_STYLE = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#4F46E5"}


def neutralize(value: str | None) -> str | None:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_workbook(out: IO[bytes]) -> Any:
    """A workbook written to `out` row by row (each sheet's rows go to a temporary file as they come,
    so memory stays flat). Rows must be written in order within a sheet; call `.close()` to finish.
    Text is never read as a formula or a link; datetimes must be naive UTC."""
    import xlsxwriter  # loaded with the first XLSX export

    options = {
        "constant_memory": True,
        "default_date_format": DATE_FORMAT,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    return xlsxwriter.Workbook(out, options)


class XlsxTable:
    """One sheet of a workbook as a table: a styled header row, frozen, fixed column widths, typed cells
    and an autofilter over every column once closed. The caller neutralizes the text it got from people."""

    def __init__(self, workbook: Any, name: str, headers: Sequence[str], widths: Sequence[float]) -> None:
        self.sheet = workbook.add_worksheet(name)
        self.columns = len(headers)
        for index, width in enumerate(widths):
            self.sheet.set_column(index, index, width)
        self.sheet.freeze_panes(1, 0)
        self.sheet.write_row(0, 0, headers, workbook.add_format(HEADER_STYLE))
        self.rows = 0

    def append(self, row: Sequence[Any]) -> None:
        self.rows += 1
        self.sheet.write_row(self.rows, 0, row)

    def close(self) -> int:
        """Set the autofilter over the header and every row written; returns the row count."""
        self.sheet.autofilter(0, 0, self.rows, self.columns - 1)
        return self.rows
