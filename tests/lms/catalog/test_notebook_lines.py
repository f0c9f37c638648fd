"""File lines of notebook cells and of each line of their source, whatever the JSON layout."""

from __future__ import annotations

import json

from lms.catalog.notebook_lines import cell_lines, line_of_cell


def test_cells_and_source_lines_as_jupyter_writes_them() -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "text"]},
        {"cell_type": "code", "metadata": {"x": {"cell_type": "no"}}, "source": ["a = 1\n", "b = 2\n", "c = 3"]},
    ]
    text = json.dumps({"cells": cells, "nbformat": 4}, indent=1)
    lines = text.splitlines()
    found = cell_lines(text)
    assert len(found) == 2
    assert lines[found[1].line - 1].strip().startswith('"cell_type": "code"')
    assert '"b = 2\\n"' in lines[found[1].line_of(2) - 1] and '"c = 3"' in lines[found[1].line_of(3) - 1]
    assert found[1].line_of(0) == found[1].line and found[1].line_of(99) == found[1].line_of(3)


def test_keys_in_any_order_and_one_string_sources() -> None:
    text = '{"metadata": {},\n"cells": [\n{"source": "x = 1\\ny = 2",\n"cell_type": "code"}]}'
    (cell,) = cell_lines(text)
    assert cell.line == 4 and cell.line_of(2) == 3


def test_not_a_notebook() -> None:
    assert cell_lines("[1, 2]") == [] and cell_lines('{"cells": 3}') == []


def test_line_of_cell() -> None:
    text = '{"cells": [\n{"cell_type": "code",\n"source": ["a = 1\\n", "b = 2"]}]}'
    lines = cell_lines(text)
    assert line_of_cell(lines, 0) == 2 and line_of_cell(lines, 0, 2) == 3
    assert line_of_cell(lines, 5) == 1  # a cell the scan did not reach: the top of the file
