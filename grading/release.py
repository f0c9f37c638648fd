"""Turn an instructor's source notebook into a learner release plus the grading record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import (
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    LockCells,
)

from grading.analysis import CheckPlan, analyse, plan_from_release


class ReleaseError(ValueError):
    """A source notebook that nbgrader cannot turn into an assignment; `cell` is the index of the
    cell at fault (None when the fault is the whole notebook's), so a validator can show its line."""

    def __init__(self, message: str, cell: int | None = None) -> None:
        super().__init__(message)
        self.cell = cell


class DuplicateGradeId(ReleaseError):
    """A cell reusing an earlier cell's grade_id: nbgrader keys checksums and grades by it."""

    cell: int

    def __init__(self, cell: int, grade_id: str, first: int) -> None:
        super().__init__(f"cell {cell}: duplicate grade_id {grade_id!r} (first used by cell {first})", cell)
        self.grade_id = grade_id
        self.first = first


class NoNbgraderCells(ReleaseError):
    """A notebook with nothing for nbgrader to release or grade."""

    def __init__(self) -> None:
        super().__init__("the notebook has no nbgrader cells (no grade_id in any cell metadata)")


@dataclass(frozen=True)
class SourceCell:
    """One nbgrader cell as recorded at release time (nbgrader's SaveCells record)."""

    grade_id: str
    cell_type: str
    source: str  # solutions stripped, hidden tests kept: never sent to learners
    checksum: str
    locked: bool
    grade: bool
    solution: bool
    task: bool
    points: float

    @property
    def is_test(self) -> bool:
        """True for an autograded test cell, the cells whose points are computed."""
        return self.grade and not self.solution and self.cell_type == "code"

    @property
    def is_manual(self) -> bool:
        """True for cells an instructor grades by hand (manual answers and tasks)."""
        return (self.grade or self.task) and not self.is_test


@dataclass(frozen=True)
class Release:
    """Everything stored per assignment: the learner notebook and the autograding record."""

    name: str
    notebook: str  # the learner's release notebook, nbformat 4 JSON text
    cells: tuple[SourceCell, ...]
    max_score: float
    plan: CheckPlan | None = None  # None in releases stored before the checker: see check_plan

    @property
    def notebook_bytes(self) -> bytes:
        """The release notebook as offered for download."""
        return self.notebook.encode("utf-8")

    @property
    def grade_ids(self) -> tuple[str, ...]:
        """Grade ids in notebook order, the fingerprint of the assignment."""
        return tuple(c.grade_id for c in self.cells)

    def cell(self, grade_id: str) -> SourceCell:
        """Look up one recorded cell by grade id."""
        return {c.grade_id: c for c in self.cells}[grade_id]

    @property
    def check_plan(self) -> CheckPlan:
        """What the checker needs: the stored plan, or one computed from the recorded cells."""
        return self.plan if self.plan is not None else plan_from_release(self)

    def to_json(self) -> str:
        """Serialise for a database column."""
        data = asdict(self)
        data["plan"] = self.plan.to_dict() if self.plan is not None else None
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Release:
        """Inverse of to_json; JSON stored before plans existed gives plan=None."""
        data = json.loads(text)
        cells = tuple(SourceCell(**c) for c in data.pop("cells"))
        plan = data.pop("plan", None)
        return cls(cells=cells, plan=CheckPlan.from_dict(plan) if plan is not None else None, **data)


def grade_id_errors(cells: Sequence[NotebookNode]) -> list[ReleaseError]:
    """Every breach of the grade_id rules, in cell order, so a validator can report them all: each
    cell nbgrader records (graded, solution or locked) has its own grade_id, and there is one such
    cell. A recorded cell without a grade_id is left to nbgrader's validator, which says so."""
    errors: list[ReleaseError] = []
    first: dict[str, int] = {}
    for index, cell in enumerate(cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not grade_id or not (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell)):
            continue
        if grade_id in first:
            errors.append(DuplicateGradeId(index, grade_id, first[grade_id]))
        first.setdefault(grade_id, index)
    if not first:
        errors.append(NoNbgraderCells())
    return errors


def _check_metadata(nb: NotebookNode) -> None:
    """Fail early with the cell index and grade id instead of nbgrader's vague error: the first
    fault in cell order, a notebook-wide one last."""
    validator = MetadataValidator()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader"):
            validator.upgrade_cell_metadata(cell)  # the grade_id rules read the upgraded flags
    errors = {error.cell: error for error in grade_id_errors(nb.cells)}
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        try:
            validator.validate_cell(cell)
        except ValidationError as exc:
            raise ReleaseError(f"cell {index} (grade_id {meta.get('grade_id', '')!r}): {exc}", index) from exc
        if index in errors:
            raise errors[index]
    if None in errors:
        raise errors[None]


def _run(nb: NotebookNode, *preprocessors: type) -> NotebookNode:
    """Apply nbgrader preprocessors in order, as nbgrader's GenerateAssignment does."""
    resources: dict[str, Any] = {}
    for cls in preprocessors:
        nb, resources = cls().preprocess(nb, resources)
    return nb


def _record(cell: NotebookNode) -> SourceCell:
    """What nbgrader's SaveCells would store for this cell."""
    meta = cell.metadata.nbgrader
    return SourceCell(
        grade_id=meta["grade_id"],
        cell_type=cell.cell_type,
        source=cell.source,
        checksum=meta["checksum"],
        locked=utils.is_locked(cell),
        grade=bool(utils.is_grade(cell)),
        solution=bool(utils.is_solution(cell)),
        task=bool(utils.is_task(cell)),
        points=float(meta.get("points", 0) or 0),
    )


def make_release(source_notebook: bytes, *, name: str) -> Release:
    """Run nbgrader's release pipeline once, at course sync, and keep what grading needs."""
    try:
        nb = nbformat.reads(source_notebook.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReleaseError(f"{name}: not a readable notebook ({exc})") from exc
    _check_metadata(nb)
    plan, _ = analyse(nb)  # its problems are the validator's to report: sync keeps working
    try:  # nbgrader raises RuntimeError for a solution region outside a solution cell, a missing END...
        nb = _run(nb, LockCells, ClearSolutions, ClearOutput, ComputeChecksums)
        cells = tuple(
            _record(c)
            for c in nb.cells
            if utils.is_grade(c) or utils.is_solution(c) or utils.is_locked(c) or utils.is_task(c)
        )
        nb = _run(nb, ClearHiddenTests, ClearMarkScheme, ComputeChecksums)
    except RuntimeError as exc:
        raise ReleaseError(str(exc)) from exc
    MetadataValidator().validate_nb(nb)
    max_score = sum(c.points for c in cells if c.grade or c.task)
    return Release(name=name, notebook=nbformat.writes(nb), cells=cells, max_score=max_score, plan=plan)
