"""What the checker needs to run a notebook's tests, and what in a notebook it cannot run.

Test cells run in a separate checker process, not in the learner's kernel. A name a
checker-mode test reads is looked up, in order, among: names bound by this or an earlier
test cell; builtins and CHECKER_HELPERS; names bound by the setup cells (code cells that are
neither solution nor test: the checker runs them itself); names imported at the top level of
the solution cells (imported afresh in the checker); and last, the answer surface: the names
the solution cells bind at top level, read from the learner's kernel. `analyse` finds the
plan stored with each release and the problems `flask courses validate` reports.
"""

from __future__ import annotations

import ast
import builtins
import copy
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearSolutions

from grading import checker_hazards
from grading.names import Bindings, all_bindings, import_origins, module_bindings, parse_cell, reads

if TYPE_CHECKING:
    from grading.release import Release

CHECKER_HELPERS = ("capture_output",)
# What an IPython shell has besides builtins (a magic becomes a get_ipython() call).
IPYTHON_NAMES = frozenset({"get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___"})
ALWAYS_BOUND = frozenset(dir(builtins)) | IPYTHON_NAMES | frozenset(CHECKER_HELPERS)
HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
KERNEL_MODE = '"academy": {"run_in": "kernel"}'
ADVICE = (
    f"mark the cell {KERNEL_MODE} in its metadata (visible tests only), or for captured output use "
    "capture_output(fn, *args), which returns (result, stdout_text)"
)


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class RunIn(StrEnum):
    CHECKER = "checker"
    KERNEL = "kernel"


class CellKind(StrEnum):
    SETUP = "setup"
    SOLUTION = "solution"
    TEST = "test"


@dataclass(frozen=True)
class CheckPlan:
    """What the checker needs, stored with the release."""

    surface: tuple[str, ...]  # answer-surface names, sorted
    modules: tuple[tuple[str, str, str], ...]  # (bound name, module, attribute or "")
    setup: tuple[str, ...]  # setup cell sources (solutions cleared), in notebook order
    kernel_tests: tuple[str, ...]  # grade ids of test cells marked run_in: kernel

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (lists, not tuples)."""
        return {
            "surface": list(self.surface),
            "modules": [list(m) for m in self.modules],
            "setup": list(self.setup),
            "kernel_tests": list(self.kernel_tests),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckPlan:
        """Inverse of to_dict."""
        return cls(
            surface=tuple(data["surface"]),
            modules=tuple((str(n), str(m), str(a)) for n, m, a in data["modules"]),
            setup=tuple(data["setup"]),
            kernel_tests=tuple(data["kernel_tests"]),
        )


@dataclass(frozen=True)
class Problem:
    """One finding, at a line of a cell of the source notebook."""

    cell: int  # index of the cell in the source notebook
    line: int  # 1-based line inside the cell's source
    level: Level
    message: str


@dataclass
class _Cell:
    index: int
    kind: CellKind
    grade_id: str
    run_in: RunIn
    source: str  # as the instructor wrote it: solutions and hidden tests in
    cleared: str  # after nbgrader's ClearSolutions: safe to store as setup
    tree: ast.Module | None  # None: not valid Python

    @property
    def label(self) -> str:
        if self.grade_id:
            return f"{self.kind} cell '{self.grade_id}'"
        return f"{self.kind} cell {self.index + 1}"

    @property
    def in_checker(self) -> bool:
        return self.kind is CellKind.TEST and self.run_in is RunIn.CHECKER


class _Found(list[Problem]):
    def error(self, cell: _Cell, line: int, message: str) -> None:
        self.append(Problem(cell.index, max(line, 1), Level.ERROR, message))

    def warning(self, cell: _Cell, line: int, message: str) -> None:
        self.append(Problem(cell.index, max(line, 1), Level.WARNING, message))


def analyse(nb: NotebookNode) -> tuple[CheckPlan, list[Problem]]:
    """The check plan of a source notebook and every problem found in it (errors and warnings)."""
    found = _Found()
    cells = _cells(nb, found, clear=True)
    plan = _plan(cells, found)
    _check_names(cells, plan, found)
    _check_tests(cells, plan, found)
    return plan, sorted(found, key=lambda p: (p.cell, p.line))


def plan_from_release(release: Release) -> CheckPlan:
    """The plan of a release stored before plans existed, from what it recorded: its release
    notebook (setup cells, cleared solutions: nbgrader keeps their `def name(...)` lines, so
    the surface survives) with each recorded cell's source (hidden tests in)."""
    import nbformat

    nb = nbformat.reads(release.notebook, as_version=4)
    recorded = {c.grade_id: c.source for c in release.cells}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in recorded:
            cell.source = recorded[grade_id]
    return _plan(_cells(nb, _Found(), clear=False), _Found())


def _kind(cell: NotebookNode) -> CellKind:
    if utils.is_solution(cell):
        return CellKind.SOLUTION
    return CellKind.TEST if utils.is_grade(cell) else CellKind.SETUP


def _cells(nb: NotebookNode, found: _Found, *, clear: bool) -> list[_Cell]:
    """The code cells, classified, cleared of solutions (when `clear`) and parsed."""
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    clearer = ClearSolutions()
    cells: list[_Cell] = []
    for index, raw in enumerate(nb.cells):
        if raw.cell_type != "code":
            continue
        meta = raw.metadata.get("nbgrader") or {}
        academy = raw.metadata.get("academy")
        run_in = academy.get("run_in", RunIn.CHECKER) if isinstance(academy, dict) else RunIn.CHECKER
        cell = _Cell(index, _kind(raw), str(meta.get("grade_id", "")), RunIn.CHECKER, raw.source, raw.source, None)
        if run_in not in tuple(RunIn):
            found.error(cell, 1, f'{cell.label}: "run_in" is {run_in!r} in its metadata; use "checker" or "kernel"')
        elif cell.kind is CellKind.TEST:
            cell.run_in = RunIn(run_in)
        elif run_in == RunIn.KERNEL:
            found.warning(cell, 1, f'{cell.label} is marked "run_in": "kernel", which only test cells use')
        if clear:
            try:
                cell.cleared = clearer.preprocess_cell(copy.deepcopy(raw), {"language": language}, index)[0].source
            except (RuntimeError, KeyError) as exc:
                found.error(cell, 1, f"{cell.label}: nbgrader cannot clear its solution: {exc}")
                cell.cleared = ""
        try:
            cell.tree = parse_cell(raw.source)
        except SyntaxError as exc:
            found.error(cell, exc.lineno or 1, f"{cell.label} is not valid Python: {exc.msg}")
        except ValueError as exc:  # a NUL character in the source
            found.error(cell, 1, f"{cell.label} is not valid Python: {exc}")
        cells.append(cell)
    return cells


def _plan(cells: list[_Cell], found: _Found) -> CheckPlan:
    surface: set[str] = set()
    modules: dict[str, tuple[str, str, str]] = {}  # by bound name: a later import wins
    for cell in cells:
        if cell.kind is not CellKind.SOLUTION or cell.tree is None:
            continue
        surface |= module_bindings(cell.tree).non_imports
        for stmt in cell.tree.body:
            for entry in _imports(stmt, cell, found):
                modules.pop(entry[0], None)
                modules[entry[0]] = entry
    return CheckPlan(
        surface=tuple(sorted(surface)),
        modules=tuple(modules.values()),
        setup=tuple(c.cleared for c in cells if c.kind is CellKind.SETUP and c.cleared.strip()),
        kernel_tests=tuple(c.grade_id for c in cells if c.kind is CellKind.TEST and c.run_in is RunIn.KERNEL),
    )


def _imports(stmt: ast.stmt, cell: _Cell, found: _Found) -> list[tuple[str, str, str]]:
    """(bound name, module, attribute) of a top-level import statement of a solution cell."""
    if isinstance(stmt, ast.Import):  # `import os.path` binds os; `import os.path as p` binds os.path
        return [(a.asname, a.name, "") if a.asname else (_top(a.name), _top(a.name), "") for a in stmt.names]
    if not isinstance(stmt, ast.ImportFrom):
        return []
    module = "." * stmt.level + (stmt.module or "")
    entries = []
    for alias in stmt.names:
        if alias.name == "*":
            found.error(
                cell,
                stmt.lineno,
                f"{cell.label} imports * from {module}: the checker cannot tell which names that binds; "
                f"import the names you use (from {module} import name, ...)",
            )
        else:
            entries.append((alias.asname or alias.name, module, alias.name))
    return entries


def _top(module: str) -> str:
    return module.split(".")[0]


def _check_names(cells: list[_Cell], plan: CheckPlan, found: _Found) -> None:
    """Every name a cell reads must be found where that cell runs."""
    parsed = [(c, c.tree) for c in cells if c.tree is not None]
    setup = _union(module_bindings(t) for c, t in parsed if c.kind is CellKind.SETUP)
    solutions = _union(module_bindings(t) for c, t in parsed if c.kind is CellKind.SOLUTION)
    checker_tests = _union(module_bindings(t) for c, t in parsed if c.in_checker)
    kernel_tests = _union(module_bindings(t) for c, t in parsed if c.kind is CellKind.TEST and not c.in_checker)
    in_kernel = setup.names | solutions.names | kernel_tests.names | ALWAYS_BOUND
    in_checker = ALWAYS_BOUND | setup.names | {m[0] for m in plan.modules} | set(plan.surface)
    tests = Bindings()  # what the checker-mode test cells bind, so far
    for cell, tree in parsed:
        own = all_bindings(tree)
        if not cell.in_checker:  # runs in the learner's kernel, which never runs checker tests
            if not (setup.star or solutions.star or own.star):
                for name, line in reads(tree).items():
                    if name in checker_tests.names and name not in in_kernel | own.names:
                        found.error(
                            cell,
                            line,
                            f"{cell.label} reads '{name}', which only test cells bind: test cells run in the "
                            f"checker, never in the learner's kernel, so bind '{name}' in a setup cell",
                        )
            continue
        tests.names |= own.names
        tests.star |= own.star
        if tests.star or setup.star:  # `from m import *`: any name may be bound
            continue
        for name, line in sorted(reads(tree).items(), key=lambda item: item[1]):
            if name in tests.names or name in in_checker:
                continue
            hint = ""
            if name in kernel_tests.names:
                hint = f" (a test cell marked run_in: kernel binds '{name}', in the learner's kernel only)"
            elif name in checker_tests.names:
                hint = f" (a later test cell binds '{name}')"
            found.error(
                cell,
                line,
                f"{cell.label} reads '{name}', which the checker cannot find: it is not bound by a test cell, "
                f"a setup cell, an import in a solution cell, nor by the solution cells (the answer surface){hint}",
            )


def _union(parts: Iterable[Bindings]) -> Bindings:
    out = Bindings()
    for part in parts:
        out.names |= part.names
        out.imports |= part.imports
        out.star |= part.star
    return out


def _check_tests(cells: list[_Cell], plan: CheckPlan, found: _Found) -> None:
    """Hidden tests stay in the checker; warn where a test would behave unlike nbgrader."""
    origins: dict[str, str] = {}
    for cell in cells:
        if cell.tree is not None:
            origins.update(import_origins(cell.tree))
    tests = Bindings()
    for cell in cells:
        if cell.kind is not CellKind.TEST:
            continue
        if cell.run_in is RunIn.KERNEL and HIDDEN_TESTS in cell.source:
            line = next(n for n, text in enumerate(cell.source.splitlines(), 1) if HIDDEN_TESTS in text)
            found.error(
                cell,
                line,
                f"{cell.label} is marked run_in: kernel but has hidden tests: hidden tests must run in the checker. "
                "Move what needs the learner's kernel to a visible test cell marked run_in: kernel",
            )
        if cell.tree is None:
            continue
        tests.names |= all_bindings(cell.tree).names
        surface = set(plan.surface) - tests.names
        if cell.in_checker:
            for hazard in checker_hazards.live_object_hazards(
                cell.tree, imported=set(origins), surface=surface, origins=origins
            ):
                why = checker_hazards.WHY[hazard.kind]
                found.warning(
                    cell,
                    hazard.line,
                    f"{cell.label} {hazard.kind} ({hazard.code}), which needs the learner's live objects: "
                    f"{why}. To run it as before, {ADVICE}",
                )
        for hazard in checker_hazards.trusting_asserts(cell.tree, surface):
            found.warning(
                cell,
                hazard.line,
                f"{cell.label} {hazard.kind} ({hazard.code}): the checker cannot fix a test that trusts the code "
                "it tests; write the expected value out, or compute it without the solution's functions",
            )
