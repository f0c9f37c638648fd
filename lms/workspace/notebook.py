"""The release notebook as workspace cells, a draft merged into it, and uploads read back."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import nbformat
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from nbformat.notebooknode import NotebookNode

import grading
from lms.assignments.services import refusal_message
from lms.errors import UserError


class NotebookError(UserError):
    """A draft or an uploaded notebook that is refused; `code` for programs, message for people."""

    def __init__(self, code: str, message: str | LazyString, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


class UploadRefused(NotebookError):
    """An uploaded notebook that is refused: grading's codes for a file (too_large, not_json,
    not_nbformat4, damaged with `detail`), or wrong_assignment when no answer cell is in it."""


@dataclass(frozen=True)
class Cell:
    """One cell of the workspace page, keyed by grade id (or position for plain cells)."""

    key: str
    cell_type: str  # code | markdown
    source: str  # the release's source: visible tests only, solutions stripped
    answer: bool  # an nbgrader solution cell: the learner edits it
    test: bool  # an autograded test cell (visible part)
    points: float


def _release_nb(release: grading.Release) -> NotebookNode:
    return nbformat.reads(release.notebook, as_version=4)


@lru_cache(maxsize=32)
def cells(release: grading.Release) -> tuple[Cell, ...]:
    """The release notebook's cells in order; hidden tests were removed by nbgrader at release.
    Parsed once per process and release: a release never changes (a new one is a new row)."""
    records = {c.grade_id: c for c in release.cells}
    out = []
    for index, cell in enumerate(_release_nb(release).cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        record = records.get(grade_id) if grade_id else None
        if cell.cell_type not in ("code", "markdown"):
            continue
        out.append(
            Cell(
                key=grade_id if record else f"cell-{index}",
                cell_type=cell.cell_type,
                source=cell.source,
                answer=bool(record and record.solution),
                test=bool(record and record.is_test),
                points=record.points if record else 0.0,
            )
        )
    return tuple(out)


def answer_keys(release: grading.Release) -> set[str]:
    """Grade ids of the cells a learner may write in."""
    return {c.grade_id for c in release.cells if c.solution}


def merged(release: grading.Release, answers: dict[str, str]) -> list[Cell]:
    """The page's cells with the draft's answers in place of the release's."""
    return [
        Cell(c.key, c.cell_type, answers.get(c.key, c.source), c.answer, c.test, c.points) if c.answer else c
        for c in cells(release)
    ]


def notebook_bytes(release: grading.Release, answers: dict[str, str]) -> bytes:
    """The draft as a valid .ipynb: the release notebook with the answer cells filled in.

    The same draft always gives the same bytes, so submitting it twice is deduplicated."""
    nb = _release_nb(release)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    nbformat.validate(nb)
    return nbformat.writes(nb).encode("utf-8")


def answers_from_upload(release: grading.Release, data: bytes, *, max_bytes: int) -> dict[str, str]:
    """The answer cells of a notebook worked on locally; other cells are the release's anyway.

    The file passes the same structural checks as a submission (grading.read_notebook), so any
    bytes give answers or an UploadRefused, never a crash; it need not differ from the release."""
    try:
        nb = grading.read_notebook(data, max_bytes=max_bytes)
    except grading.SubmissionRejected as exc:
        raise UploadRefused(exc.code, refusal_message(exc, max_bytes), exc.detail) from None
    keys = answer_keys(release)
    found = {key: source for key, source in grading.sources_by_grade_id(nb).items() if key in keys}
    if not found:
        raise UploadRefused(
            "wrong_assignment",
            _l("None of this assignment's answer cells are in this notebook: is it another assignment's?"),
        )
    return found
