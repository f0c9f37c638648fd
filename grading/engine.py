"""Grade one submission: restore cells, run them in a fresh sandboxed kernel, score with nbgrader."""

from __future__ import annotations

import ast
import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from nbformat.notebooknode import NotebookNode
from nbgrader import utils

from grading.checker_host import CheckerError
from grading.feedback import feedback_html, feedback_notebook, pack
from grading.proof import expected_proof, instrument
from grading.release import Release, SourceCell
from grading.restore import restore
from grading.runner import CellRun, Runner, cap
from grading.sandbox import SandboxedKernel, SandboxLimits

__all__ = ["GradeResult", "ManualCell", "SandboxLimits", "TestResult", "grade"]

# Seconds past a test's deadline before a silent checker is killed. An interrupted test answers
# in milliseconds, but a machine short of CPU can delay that answer by seconds; only a test that
# ignores interrupts waits all of it out.
CHECKER_GRACE = 10.0
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

    def packed_feedback(self, release: Release) -> bytes | None:
        """For a result graded with feedback=False: the notebook as its feedback page shows it
        (hidden tests cleared), compressed, to store and render on first view with
        `grading.render_packed_feedback(packed, release, score)`; None if nothing ran."""
        if self.notebook is None:
            return None
        return pack(feedback_notebook(self.notebook, release, self.tests))

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


def _hidden_message(err: dict[str, Any]) -> str:
    """What a failed hidden test may say: its own assertion message, the type the learner's
    code raised, or our refusal to compare an object; never the test's code or values."""
    ename, evalue = err.get("ename", "Error"), str(err.get("evalue", ""))
    if ename == "AssertionError":
        return f"AssertionError: {evalue}".rstrip(": ")
    if err.get("learner"):
        return f"your code raised {ename}"
    if ename == "TypeError" and evalue.startswith("your code returned an object of type"):
        return f"TypeError: {evalue}"
    return f"the hidden test failed with {ename}"


def _message(run: CellRun, record: SourceCell) -> str:
    """Assertion message or the traceback's last lines; for hidden tests, _hidden_message."""
    if run.status != "error":
        return run.reason or NO_PROOF
    err = next((o for o in run.outputs if o["output_type"] == "error"), None)
    if err is None:
        return NO_PROOF
    if _is_hidden(record):
        return _hidden_message(err)
    head = f"{err.get('ename', 'Error')}: {err.get('evalue', '')}".rstrip(": ")
    if err.get("ename") == "AssertionError":
        return head
    lines = [ln for t in err.get("traceback", []) for ln in _ANSI.sub("", str(t)).splitlines()]
    return "\n".join(ln for ln in lines[-6:] if ln.strip()) or head


def _is_hidden(record: SourceCell) -> bool:
    return "BEGIN HIDDEN TESTS" in record.source


def _score(cell: NotebookNode, run: CellRun, record: SourceCell) -> TestResult:
    """nbgrader's determine_grade on the outputs, gated by the unforgeable completion proof."""
    cell.outputs = [nbformat.from_dict({k: v for k, v in o.items() if k != "learner"}) for o in run.outputs]
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

    message = cap(_message(run, record))
    if _is_hidden(record):  # the stored notebook (and its feedback page) says no more than the message
        cell.outputs = [
            nbformat.from_dict({**o, "evalue": message, "traceback": [message]}) if o["output_type"] == "error" else o
            for o in cell.outputs
        ]
    return TestResult(record.grade_id, 0.0, record.points, False, message)


def full_marks(run: CellRun, points: float) -> bool:
    """Whether a test cell's run earns all its points, by the rule final grading applies."""
    if not (run.proof and run.status == "ok"):
        return False
    cell = nbformat.v4.new_code_cell(
        metadata={"nbgrader": {"grade": True, "solution": False, "points": points, "grade_id": "t"}}
    )
    cell.outputs = [nbformat.from_dict({k: v for k, v in o.items() if k != "learner"}) for o in run.outputs]
    return float(utils.determine_grade(cell)[0] or 0) == points


def checker_plan(release: Release) -> dict[str, Any]:
    """What the checker needs to resolve names: the release's plan, plus which answer-surface
    names are functions or classes (called remotely by name, looked up at each call)."""
    plan = release.check_plan
    callables: set[str] = set()
    for record in release.cells:
        if not record.solution or record.cell_type != "code":
            continue
        try:
            tree = ast.parse(_PYTHON.transform_cell(record.source))
        except SyntaxError:
            continue
        callables |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    return {
        "surface": list(plan.surface),
        "callables": sorted(callables & set(plan.surface)),
        "modules": [list(m) for m in plan.modules],
        "setup": list(plan.setup),
    }


class Cells:
    """Runs a notebook's code cells on one sandbox: learner cells in the kernel, test cells
    in the checker while the kernel serves the learner's names (kernel-mode tests, marked by
    the instructor, in the kernel under the guard's completion proof)."""

    def __init__(self, kernel: SandboxedKernel, limits: SandboxLimits, plan: dict[str, Any] | None) -> None:
        self.kernel, self.limits = kernel, limits
        self.runner = Runner(kernel, limits)
        self.checker = kernel.checker
        self.tests = 0
        self._plan_pending = False
        if plan is not None and self.checker is not None:
            self.checker.send({"op": "plan", "plan": plan})  # setup cells run while learner cells do
            self._plan_pending = True

    @property
    def stopped(self) -> str | None:
        return self.runner.stopped

    def learner(self, code: str) -> CellRun:
        return self.runner.run(code)

    def in_kernel(self, source: str, grade_id: str) -> CellRun:
        """A kernel-mode test cell: the guard runs it and proves it ran to its end."""
        code, body = instrument(source, grade_id)
        run = self.runner.run(code, expected_proof(self.kernel.proof_key, grade_id, body))
        for out in run.outputs:
            if out["output_type"] == "error":  # our proof lines are no business of the learner
                out["traceback"] = _strip_proof(out.get("traceback", []))
        return run

    def checked(self, source: str, *, hidden: bool) -> CellRun:
        """A test cell run by the checker; the learner's output during its calls counts as
        the cell's own (stderr fails it, as in nbgrader), and is not shown for hidden tests."""
        if self.runner.stopped is None and not self.kernel.alive():
            self.runner.stopped = self.runner.exited()
        if self.runner.stopped is not None:
            return CellRun(status="stopped", reason=self.runner.stopped)
        checker = self.checker
        if checker is None or checker.stopped:
            reason = checker.stopped if checker else "no checker was started"
            return CellRun(status="stopped", reason=f"the checker was stopped earlier: {reason}")
        try:
            if self._plan_pending:
                self._plan_pending = False
                checker.receive(self.limits.start_timeout)
            self.tests += 1
            left = min(self.limits.cell_timeout, max(0.0, self.runner.deadline - time.monotonic()))
            checker.send({"op": "test", "index": self.tests, "code": source, "timeout": left})
            served = self.runner.run(f"__academy_serve__({self.tests})")
            if served.status == "stopped":  # the sandbox is gone, the checker with it
                return CellRun(served.outputs if not hidden else [], "stopped", served.reason, False)
            verdict = checker.receive(left + CHECKER_GRACE)
        except CheckerError as exc:
            return CellRun(status="stopped", reason=f"the test did not finish: {exc}")
        mine = verdict.get("outputs", [])
        theirs = served.outputs
        if hidden:
            wrote = any(o.get("name") == "stderr" for o in theirs)
            theirs = [_STDERR_HIDDEN] if wrote else []
            mine = [o for o in mine if o["output_type"] in ("error", "execute_result")]
        outputs = theirs + self.runner.admit(mine)
        if verdict.get("learner_gone") and not self.kernel.alive():
            self.runner.stopped = self.runner.stopped or self.runner.exited()
            return CellRun(outputs, "stopped", self.runner.stopped, False)
        if served.status == "timeout" or verdict.get("status") == "timeout":
            reason = served.reason or f"the cell exceeded its {self.limits.cell_timeout:g} s time limit"
            return CellRun(outputs, "timeout", reason, False)
        status = "error" if any(o["output_type"] == "error" for o in outputs) else "ok"
        return CellRun(outputs, status, "", True)


_PYTHON = TransformerManager()  # magics become plain Python before parsing, as IPython does
_STDERR_HIDDEN = {
    "output_type": "stream",
    "name": "stderr",
    "text": "[your code wrote to stderr during a hidden test; its output is not shown]\n",
}


def _execute(
    nb: NotebookNode, release: Release, kernel: SandboxedKernel, limits: SandboxLimits
) -> tuple[dict[str, tuple[NotebookNode, CellRun]], str | None]:
    """Run every code cell in order: the first cell of each test id with its run, and why the
    kernel stopped early, if it did."""
    plan = checker_plan(release)
    in_kernel = set(release.check_plan.kernel_tests)
    cells = Cells(kernel, limits, plan)
    tests: dict[str, tuple[NotebookNode, CellRun]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        is_test = grade_id is not None and release.cell(grade_id).is_test and grade_id not in tests
        if not is_test:
            run = cells.learner(cell.source)
        elif grade_id in in_kernel:
            run = cells.in_kernel(cell.source, grade_id)
        else:
            run = cells.checked(release.cell(grade_id).source, hidden=_is_hidden(release.cell(grade_id)))
        cell.outputs = [nbformat.from_dict({k: v for k, v in o.items() if k != "learner"}) for o in run.outputs]
        if is_test:
            tests[grade_id] = (cell, run)
    kernel.kill()
    return tests, cells.stopped


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
    missing: tuple[NotebookNode, CellRun] = (
        nbformat.v4.new_code_cell(),
        CellRun(status="stopped", reason="test cell missing"),
    )
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
