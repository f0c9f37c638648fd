"""Check an assignment's source notebook, each problem at its line in the JSON, and make its release."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from lms.catalog import notebook_format as nbformat
from lms.catalog.content_hash import notebook_visible
from lms.catalog.notebook_lines import CellLines, cell_lines, line_of_cell
from lms.catalog.problems import ProblemCollector
from lms.catalog.specs import ItemSpec

if TYPE_CHECKING:
    from nbformat import NotebookNode


def load_assignment(course: ProblemCollector, path: Path, text: str, slug: str) -> ItemSpec | None:
    """The assignment a source notebook makes (None if `course` got problems): the nbgrader rules
    checked here are the ones nbgrader would fail on at release, reported at their lines."""
    notebook = _read(course, path, text)
    if notebook is None:
        return None
    lines = cell_lines(text)
    grade_ids, max_points = _check_cells(course, path, notebook, lines)
    if course.problems:
        return None
    from grading import ReleaseError, make_release  # after notebook_format: nbformat's fast import
    from grading.analysis import Level, analyse

    try:  # what learners download and what grading needs: made here, stored on sync
        release = make_release(text.encode("utf-8"), name=slug)
    except ReleaseError as exc:
        course.problem(path, 1, f"nbgrader cannot release this notebook: {exc}")
        return None
    _, findings = analyse(notebook)  # how the tests will run in the checker (courses/README.md)
    for finding in findings:
        report = course.problem if finding.level is Level.ERROR else course.warn
        report(path, line_of_cell(lines, finding.cell, finding.line), finding.message)
    if any(f.level is Level.ERROR for f in findings):
        return None
    title = notebook_title(notebook) or slug
    data = {"notebook": path.name, "max_points": max_points, "grade_ids": grade_ids}
    visible = notebook_visible(release.notebook)  # the released notebook: no solutions, no hidden tests
    return ItemSpec("assignment", slug, title, "", data=data, release=release, visible=visible)


def _read(course: ProblemCollector, path: Path, text: str) -> NotebookNode | None:
    """The notebook, or None once its problem is reported: JSON, nbformat 4, valid."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        course.problem(path, exc.lineno, f"notebook is not valid JSON: {exc.msg}")
        return None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        course.problem(path, 1, "not an nbformat 4 notebook (the 'nbformat' field must be 4)")
        return None
    try:
        notebook: NotebookNode = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        course.problem(path, 1, f"notebook does not follow nbformat 4: {exc.message}")
        return None
    return notebook


def _check_cells(
    course: ProblemCollector, path: Path, notebook: NotebookNode, lines: list[CellLines]
) -> tuple[list[str], float]:
    """Report the nbgrader cells' faults; their grade ids in order and the points they are worth."""
    from grading.release import DuplicateGradeId, NoNbgraderCells, grade_id_errors  # as in load_assignment

    grade_ids: dict[str, None] = {}
    max_points = 0.0
    tests = 0
    for index, cell in enumerate(notebook.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        line = line_of_cell(lines, index)
        grade_id = meta.get("grade_id")
        if not grade_id:
            course.problem(path, line, f"cell {index + 1} has nbgrader metadata but no grade_id")
            continue
        grade_ids[grade_id] = None
        if meta.get("grade"):
            points = meta.get("points")
            if not isinstance(points, int | float) or points <= 0:
                course.problem(path, line, f"cell {index + 1} ({grade_id}): a graded cell needs points > 0")
                continue
            max_points += points
            tests += cell.cell_type == "code" and not meta.get("solution")
    errors = grade_id_errors(notebook.cells)
    for error in errors:  # the release's rules, in an author's words: cells counted from 1
        if isinstance(error, DuplicateGradeId):
            message = f"cell {error.cell + 1}: grade_id {error.grade_id!r} is already used by cell {error.first + 1}"
            course.problem(path, line_of_cell(lines, error.cell), message)
        elif isinstance(error, NoNbgraderCells):
            course.problem(path, 1, "no nbgrader metadata: mark solution and test cells (see courses/README.md)")
    if tests == 0 and not any(isinstance(error, NoNbgraderCells) for error in errors):
        course.problem(path, 1, "no autograder test cell (a code cell with grade: true and points)")
    return list(grade_ids), max_points


def notebook_title(notebook: NotebookNode) -> str:
    """The first '# Title' of a markdown cell ("" if none): an assignment's default title."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()[:200]
    return ""
