"""An assignment's notebook: nbgrader's grade_id rules reported at the cell's line, or an item with its release."""

from __future__ import annotations

import json

from lms.catalog import notebook_format as nbformat
from lms.catalog.notebook_checks import load_assignment, notebook_title
from lms.catalog.problems import ProblemCollector
from tests.conftest import FIXTURES

NB = FIXTURES / "courses/python-basics/assignments/add.ipynb"


def check(notebook: dict) -> tuple[object, list[str]]:
    """Load the notebook as Jupyter writes it; the item and each problem as `line: message`."""
    course = ProblemCollector(NB.parent.parent)
    item = load_assignment(course, NB, json.dumps(notebook, indent=1), "add")
    return item, [f"{p.line}: {p.message}" for p in course.problems]


def cell_type_line(notebook: dict, index: int) -> int:
    """The file line of the index-th cell's "cell_type" key in the indent=1 layout."""
    lines = json.dumps(notebook, indent=1).splitlines()
    return [n for n, text in enumerate(lines, 1) if text.strip().startswith('"cell_type"')][index]


def test_a_clean_notebook_is_an_assignment_with_its_release() -> None:
    item, problems = check(json.loads(NB.read_text()))
    assert problems == [] and item is not None
    assert item.title == "Add two numbers" and item.release.name == "add"
    assert item.data == {"notebook": "add.ipynb", "max_points": 5.0, "grade_ids": ["add", "test_add", "test_add_more"]}


def test_each_duplicate_grade_id_is_reported_at_its_cell() -> None:
    notebook = json.loads(NB.read_text())
    notebook["cells"].append({**json.loads(json.dumps(notebook["cells"][2])), "id": "again"})
    notebook["cells"][3]["metadata"]["nbgrader"]["grade_id"] = "test_add"
    item, problems = check(notebook)
    assert item is None
    assert problems == [
        f"{cell_type_line(notebook, 3)}: cell 4: grade_id 'test_add' is already used by cell 3",
        f"{cell_type_line(notebook, 4)}: cell 5: grade_id 'test_add' is already used by cell 3",
    ]


def test_cells_nbgrader_does_not_record_are_not_nbgrader_cells() -> None:
    notebook = json.loads(NB.read_text())
    for cell in notebook["cells"][1:]:
        cell["metadata"]["nbgrader"].update(grade=False, solution=False, locked=False, grade_id="same")
    _, problems = check(notebook)
    assert problems == ["1: no nbgrader metadata: mark solution and test cells (see courses/README.md)"]


def test_the_title_is_the_first_markdown_heading() -> None:
    notebook = nbformat.reads(NB.read_text(), as_version=4)
    assert notebook_title(notebook) == "Add two numbers"
    notebook.cells[0].source = "Intro\n\n## Not a title"
    assert notebook_title(notebook) == ""
