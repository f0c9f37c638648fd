"""Text a person typed, made safe for the spreadsheet that opens our CSV and XLSX downloads."""

from __future__ import annotations

# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str | None) -> str | None:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
