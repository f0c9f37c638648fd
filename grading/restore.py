"""Restore a submission's locked and test cells from the release record, via nbgrader."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import nbformat
from nbformat.corpus.words import generate_corpus_id
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearOutput, DeduplicateIds, OverwriteCells

from grading.release import Release, SourceCell


class _ReleaseGradebook:
    """The slice of nbgrader's Gradebook that OverwriteCells reads, backed by a Release."""

    def __init__(self, release: Release) -> None:
        self._cells = {c.grade_id: c for c in release.cells}
        self._release = release

    def _entry(self, cell: SourceCell) -> SimpleNamespace:
        return SimpleNamespace(
            name=cell.grade_id,
            cell_type=cell.cell_type,
            source=cell.source,
            checksum=cell.checksum,
            locked=cell.locked,
            max_score=cell.points,
        )

    def find_source_cell(self, grade_id: str, *_: str) -> SimpleNamespace:
        """Return the recorded cell or raise nbgrader's MissingEntry, like the real gradebook."""
        if grade_id not in self._cells:
            raise MissingEntry()
        return self._entry(self._cells[grade_id])

    def find_graded_cell(self, grade_id: str, *_: str) -> SimpleNamespace:
        """Same record: nbgrader only reads max_score from it."""
        return self.find_source_cell(grade_id)

    def find_notebook(self, *_: str) -> SimpleNamespace:
        """The notebook-level lists that add_missing_grade_cells walks."""
        cells = self._release.cells
        return SimpleNamespace(
            source_cells=[self._entry(c) for c in cells],
            grade_cells=[self._entry(c) for c in cells if c.grade],
            solution_cells=[self._entry(c) for c in cells if c.solution],
            task_cells=[self._entry(c) for c in cells if c.task],
        )


class _OverwriteFromRelease(OverwriteCells):  # type: ignore[misc]  # nbgrader ships no annotations
    """nbgrader's OverwriteCells with the database swapped for the release record."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        """OverwriteCells.preprocess minus the database connection, missing cells always added."""
        self.gradebook = resources["gradebook"]
        self.notebook_id = self.assignment_id = resources["release"].name
        release: Release = resources["release"]
        for cell in nb.cells:  # DeduplicateIds leaves `nbgrader: {}` on the dropped copies
            if not cell.metadata.get("nbgrader", True):
                del cell.metadata["nbgrader"]
            elif "nbgrader" in cell.metadata:  # a known grade id: _reset_metadata dropped the others
                recorded = release.cell(cell.metadata.nbgrader.grade_id).cell_type
                if cell.cell_type != recorded:
                    _retype(cell, recorded)
        nb, resources = super(OverwriteCells, self).preprocess(nb, resources)
        nb, resources = self.add_missing_grade_cells(nb, resources)
        nb, resources = self.add_missing_task_cells(nb, resources)
        if nb.get("nbformat_minor", 0) >= 5:  # cells re-added above need the id every 4.5 cell has
            for cell in nb.cells:
                cell.setdefault("id", generate_corpus_id())
        return nb, resources

    def add_missing_grade_cells(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """nbgrader's rule (re-add after the preceding recorded cell), walking further back
        when that cell is missing too, where nbgrader itself raises KeyError."""
        release: Release = resources["release"]
        order = [c.grade_id for c in release.cells]
        for grade_id in order:
            record = release.cell(grade_id)
            present = {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells) if _graded(c)}
            if not record.grade or grade_id in present:
                continue
            cell = nbformat.from_dict(
                self.missing_cell_transform(
                    self.gradebook.find_source_cell(grade_id), record.points, is_solution=record.solution
                )
            )
            before = [present[g] for g in order[: order.index(grade_id)] if g in present]
            nb.cells.insert(before[-1] + 1 if before else 0, cell)
        return nb, resources


def _retype(cell: NotebookNode, cell_type: str) -> None:
    """Make a cell the recorded type, keeping its id, metadata and source. nbgrader's own
    update_cell_type validates the result against the newest schema, so it raises on a
    markdown cell's attachments and on notebooks older than 4.5 (no cell ids)."""
    kept = {key: cell[key] for key in ("id", "metadata", "source") if key in cell}
    cell.clear()
    cell.update(cell_type=cell_type, **kept)
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)


def _graded(cell: NotebookNode) -> bool:
    """nbgrader's notion of a cell tracked by grade id."""
    return bool(utils.is_grade(cell) or utils.is_solution(cell))


def _reset_metadata(nb: NotebookNode, release: Release) -> None:
    """Drop nbgrader metadata with unknown ids and rewrite known ids' flags from the record,
    so forged flags (solution on a test cell, points as text) never reach nbgrader's code."""
    known = {c.grade_id: c for c in release.cells}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(grade_id, str) or grade_id not in known:
            cell.metadata.pop("nbgrader", None)
            continue
        rec = known[grade_id]
        cell.metadata["nbgrader"] = NotebookNode(
            grade_id=grade_id,
            grade=rec.grade,
            solution=rec.solution,
            task=rec.task,
            locked=rec.locked,
            points=rec.points,
            checksum=rec.checksum,
            cell_type=rec.cell_type,
            schema_version=3,
        )


def restore(nb: NotebookNode, release: Release) -> NotebookNode:
    """Apply nbgrader's sanitize steps: clear outputs, drop duplicate ids, overwrite cells."""
    _reset_metadata(nb, release)
    resources = {"gradebook": _ReleaseGradebook(release), "release": release}
    for pre in (ClearOutput(), DeduplicateIds(), _OverwriteFromRelease()):
        nb, resources = pre.preprocess(nb, resources)
    return nb
