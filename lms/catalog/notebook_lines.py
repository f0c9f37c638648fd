"""Where each cell, and each line of a cell's source, stands in a notebook's JSON text."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


@dataclass
class CellLines:
    """File lines (1-based) of one cell: its "cell_type" key and its source lines."""

    line: int = 1
    source: list[tuple[int, int]] = field(default_factory=list)  # (first source line, file line) per piece

    def line_of(self, source_line: int = 0) -> int:
        """The file line of a 1-based line of the cell's source; the cell's line when unknown."""
        found = self.line
        for first, file_line in self.source:
            if first > source_line:
                break
            found = file_line
        return found if source_line > 0 else self.line


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self, chars: str = "") -> str:
        """Skip whitespace and any of `chars`; the character that follows ("" at the end)."""
        while self.pos < len(self.text) and self.text[self.pos] in _SPACE + chars:
            self.pos += 1
        return self.text[self.pos : self.pos + 1]

    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def value(self) -> object:
        self.skip()
        value, self.pos = _DECODER.raw_decode(self.text, self.pos)
        return value

    def members(self):
        """Yield each key of the object starting here, leaving the scanner at its value."""
        self.skip()
        self.pos += 1  # "{"
        while self.skip(",") not in ("}", ""):
            key_line = self.line()
            key = self.value()
            self.skip(":")
            start = self.pos
            yield key, key_line
            if self.pos == start:  # the caller did not read the value: skip it
                self.value()
        self.pos += 1

    def items(self):
        """Yield before each element of the array starting here (the caller reads it)."""
        self.skip()
        self.pos += 1  # "["
        while self.skip(",") not in ("]", ""):
            start = self.pos
            yield
            if self.pos == start:
                self.value()
        self.pos += 1


def cell_lines(text: str) -> list[CellLines]:
    """Each cell's lines, in order; [] when the text is not a notebook object."""
    scanner = _Scanner(text)
    cells: list[CellLines] = []
    try:
        if scanner.skip() != "{":
            return []
        for key, _ in scanner.members():
            if key == "cells" and scanner.skip() == "[":
                for _ in scanner.items():
                    cells.append(_cell(scanner) if scanner.skip() == "{" else CellLines())
    except (ValueError, IndexError):
        return cells
    return cells


def _cell(scanner: _Scanner) -> CellLines:
    cell = CellLines()
    for key, key_line in scanner.members():
        if key == "cell_type":
            cell.line = key_line
        elif key == "source":
            if scanner.skip() == "[":
                first = 1
                for _ in scanner.items():
                    file_line = scanner.line()
                    piece = scanner.value()
                    cell.source.append((first, file_line))
                    first += str(piece).count("\n")
            else:
                cell.source.append((1, scanner.line()))
    return cell


def line_of_cell(lines: list[CellLines], index: int, source_line: int = 0) -> int:
    """The line in the notebook JSON where the index-th cell's `source_line` (1-based) stands,
    or, without one (or when the source's layout is unknown), its "cell_type" key; 1 for a cell
    the scan did not reach."""
    return lines[index].line_of(source_line) if index < len(lines) else 1
