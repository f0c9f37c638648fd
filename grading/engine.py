"""Grade one submission: restore cells, run them in a fresh sandboxed kernel, score with nbgrader."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader import utils

from grading.feedback import feedback_html
from grading.proof import expected_proof, instrument
from grading.release import Release, SourceCell
from grading.restore import restore
from grading.runner import CellRun, Runner
from grading.sandbox import SandboxedKernel, SandboxLimits

__all__ = ["GradeResult", "ManualCell", "SandboxLimits", "TestResult", "grade"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
NO_PROOF = (
    "the test did not run to its end: no error was shown, but its completion was not "
    "confirmed (output suppressed, traceback display overridden or the cell rewritten)"
)


@dataclass(frozen=True)
class TestResult:
    """One autograded test cell as shown to the learner."""

    name: str
    points: float
    max_points: float
    passed: bool
    message: str


@dataclass(frozen=True)
class ManualCell:
    """A cell an instructor must grade; `answered` is False for an untouched answer."""

    name: str
    max_points: float
    answered: bool


@dataclass(frozen=True)
class GradeResult:
    """The outcome of grading one submission; `to_dict()` is the JSON the CLI prints."""

    score: float
    max_score: float
    tests: list[TestResult]
    manual_cells: list[ManualCell] = field(default_factory=list)
    feedback_html: str = ""
    error: str | None = None
    # The executed notebook when grade(feedback=False): render it later with render_feedback().
    notebook: NotebookNode | None = field(default=None, repr=False, compare=False)

    def render_feedback(self, release: Release) -> str:
        """nbgrader's HTML feedback, for a result graded with feedback=False (a grade can be
        shown before this ~0.4 s render is done)."""
        if self.feedback_html or self.notebook is None:
            return self.feedback_html
        return feedback_html(self.notebook, release, self.tests, self.score)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: score, max_score, tests, manual_cells, error (no HTML)."""
        return {
            "score": self.score,
            "max_score": self.max_score,
            "tests": [asdict(t) for t in self.tests],
            "manual_cells": [asdict(m) for m in self.manual_cells],
            "error": self.error,
        }

    def report(self, as_json: bool) -> str:
        """What `python -m grading grade` and `flask grading grade` print: the JSON of
        `to_dict()`, or a PASS/FAIL line per test and the score."""
        if as_json:
            return json.dumps(self.to_dict(), indent=2)
        lines = [
            f"{'PASS' if t.passed else 'FAIL'} {t.name}: {t.points:g}/{t.max_points:g} {t.message}" for t in self.tests
        ]
        lines.append(f"score {self.score:g}/{self.max_score:g}" + (f" ({self.error})" if self.error else ""))
        return "\n".join(lines)


def _strip_proof(traceback: list[str]) -> list[str]:
    """A traceback without the entries of the proof call and the guard (the learner's own
    frames and the test's stay)."""
    return [entry for entry in traceback if "_academy_" not in str(entry)]


def _message(run: CellRun, record: SourceCell) -> str:
    """Assertion message or the traceback's last lines; only the error line for hidden tests."""
    if run.status != "error":
        return run.reason or NO_PROOF
    err = next((o for o in run.outputs if o["output_type"] == "error"), None)
    if err is None:
        return NO_PROOF
    head = f"{err.get('ename', 'Error')}: {err.get('evalue', '')}".rstrip(": ")
    if err.get("ename") == "AssertionError" or "BEGIN HIDDEN TESTS" in record.source:
        return head
    lines = [ln for t in err.get("traceback", []) for ln in _ANSI.sub("", str(t)).splitlines()]
    return "\n".join(ln for ln in lines[-6:] if ln.strip()) or head


def _score(cell: NotebookNode, run: CellRun, record: SourceCell) -> TestResult:
    """nbgrader's determine_grade on the outputs, gated by the unforgeable completion proof."""
    cell.outputs = [nbformat.from_dict(o) for o in run.outputs]
    if run.proof and run.status == "ok":
        points, _ = utils.determine_grade(cell)
        points = float(points or 0)
        message = ""
        if points < record.points:
            stderr = any(o.get("name") == "stderr" for o in run.outputs)
            message = (
                "the test wrote to stderr, which nbgrader counts as a failure"
                if stderr
                else f"partial credit: {points:g} of {record.points:g}"
            )
        return TestResult(record.grade_id, points, record.points, points == record.points, message)
    return TestResult(record.grade_id, 0.0, record.points, False, _message(run, record))


def _execute(
    nb: NotebookNode, release: Release, kernel: SandboxedKernel, limits: SandboxLimits
) -> tuple[dict[str, tuple[NotebookNode, CellRun]], str | None]:
    """Run every code cell in order: the first cell of each test id with its run, and why the
    kernel stopped early, if it did."""
    runner = Runner(kernel, limits)
    tests: dict[str, tuple[NotebookNode, CellRun]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        is_test = grade_id is not None and release.cell(grade_id).is_test and grade_id not in tests
        if is_test:
            code, body = instrument(cell.source, grade_id)
            run = runner.run(code, expected_proof(kernel.proof_key, grade_id, body))
        else:
            run = runner.run(cell.source)
        for out in run.outputs if is_test else ():
            if out["output_type"] == "error":  # our proof lines are no business of the learner
                out["traceback"] = _strip_proof(out.get("traceback", []))
        cell.outputs = [nbformat.from_dict(o) for o in run.outputs]
        if is_test:
            tests[grade_id] = (cell, run)
    kernel.kill()
    return tests, runner.stopped


DEFAULT_LIMITS = SandboxLimits()


def grade(
    release: Release,
    submission: bytes,
    *,
    limits: SandboxLimits = DEFAULT_LIMITS,
    kernel_factory: Callable[[SandboxLimits], SandboxedKernel] = SandboxedKernel,
    feedback: bool = True,
) -> GradeResult:
    """Grade in a fresh sandboxed kernel; `kernel_factory` lets a KernelPool hand one out.
    With feedback=False the HTML is left to `result.render_feedback(release)`."""
    try:
        submitted = nbformat.reads(submission.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, ValueError, TypeError) as exc:  # the learner's file, not our bug
        tests = [TestResult(c.grade_id, 0.0, c.points, False, "not graded") for c in release.cells if c.is_test]
        return GradeResult(0.0, release.max_score, tests, error=f"the notebook could not be read: {exc}")
    nb = restore(submitted, release)
    with kernel_factory(limits) as kernel:
        ran, stopped = _execute(nb, release, kernel, limits)
    missing = (nbformat.v4.new_code_cell(), CellRun(status="stopped", reason="test cell missing"))
    tests = [_score(*ran.get(c.grade_id, missing), c) for c in release.cells if c.is_test]
    cells = {c.metadata.nbgrader.grade_id: c for c in nb.cells if c.metadata.get("nbgrader")}
    manual = [
        ManualCell(
            r.grade_id,
            r.points,
            not (r.solution and r.grade_id in cells and utils.determine_grade(cells[r.grade_id])[0] == 0),
        )
        for r in release.cells
        if r.is_manual
    ]
    score = sum(t.points for t in tests)
    if not feedback:
        return GradeResult(score, release.max_score, tests, manual, "", stopped, notebook=nb)
    html = feedback_html(nb, release, tests, score)
    return GradeResult(score, release.max_score, tests, manual, html, stopped)
