"""Source notebooks and learner submissions built with nbformat for the grading tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CORRECT = "def squares(n):\n    return [i * i for i in range(1, n + 1)]\n"
WRONG = "def squares(n):\n    return [i + i for i in range(1, n + 1)]\n"
RAISING = "def squares(n):\n    raise ValueError('not done yet')\n"
HALF = "def squares(n):\n    return [i * i for i in range(1, n + 1)] if n < 3 else []\n"
HIDDEN_ASSERT = "assert squares(10)[-1] == 100, 'squares(10) must end with 100'"
TEST_IDS = ("test_basic", "test_hidden", "test_partial")
VISIBLE_TEST_IDS = ("test_basic", "test_partial")  # test_hidden has hidden tests: never in the kernel


def solutions(path: Path) -> dict[str, str]:
    """The instructor's answer cells of a source notebook, by grade id."""
    cells = json.loads(path.read_text())["cells"]
    return {
        c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
        for c in cells
        if c["metadata"].get("nbgrader", {}).get("solution")
    }


def _meta(grade_id: str, **flags: object) -> dict:
    base = {"grade": False, "solution": False, "locked": False, "schema_version": 3}
    return {"nbgrader": {**base, "grade_id": grade_id, **flags}}


def source_notebook() -> NotebookNode:
    """An instructor's notebook: setup, solution, three tests (one hidden), a manual answer."""
    cells = [
        new_markdown_cell("# Squares\nWrite `squares(n)`."),
        new_code_cell("import math", metadata=_meta("setup", locked=True)),
        new_code_cell(
            "def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(1, n + 1)]\n"
            "    ### END SOLUTION",
            metadata=_meta("squares", solution=True),
        ),
        new_code_cell(
            "assert squares(1) == [1]\nassert squares(3) == [1, 4, 9], 'squares(3) should be [1, 4, 9]'",
            metadata=_meta("test_basic", grade=True, locked=True, points=2),
        ),
        new_code_cell(
            f"assert squares(2) == [1, 4]\n### BEGIN HIDDEN TESTS\n{HIDDEN_ASSERT}\n### END HIDDEN TESTS",
            metadata=_meta("test_hidden", grade=True, locked=True, points=1),
        ),
        new_code_cell(
            "sum([squares(2) == [1, 4], squares(3) == [1, 4, 9]])",
            metadata=_meta("test_partial", grade=True, locked=True, points=2),
        ),
        new_markdown_cell(
            "Explain your approach.\n\n=== BEGIN MARK SCHEME ===\nmentions range\n=== END MARK SCHEME ===",
            metadata=_meta("explain", grade=True, solution=True, points=1),
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def source_bytes(in_kernel: tuple[str, ...] = ()) -> bytes:
    """The source notebook as an instructor's file; the `in_kernel` test cells are marked to
    run in the learner's kernel (the old way) instead of the checker."""
    nb = source_notebook()
    for grade_id in in_kernel:
        cell_by_id(nb, grade_id).metadata["academy"] = {"run_in": "kernel"}
    return nbformat.writes(nb).encode()


def cell_by_id(nb: NotebookNode, grade_id: str) -> NotebookNode:
    """The cell carrying a grade id."""
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def submission(
    release_notebook: bytes,
    answer: str = CORRECT,
    *,
    extra: list[str] = (),
    edit: Callable[[NotebookNode], None] | None = None,
) -> bytes:
    """The release with `answer` in the solution cell, `extra` code cells after it, then `edit`."""
    nb = nbformat.reads(release_notebook.decode(), as_version=4)
    cell = cell_by_id(nb, "squares")
    cell.source = answer
    index = nb.cells.index(cell)
    for offset, code in enumerate(extra, start=1):
        nb.cells.insert(index + offset, new_code_cell(code))
    cell_by_id(nb, "explain").source = "I used range."
    if edit is not None:
        edit(nb)
    return nbformat.writes(nb).encode()
