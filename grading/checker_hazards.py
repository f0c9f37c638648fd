"""Test code that behaves differently in the checker than in nbgrader's one kernel.

Two kinds of finding, both warnings for the instructor: a test that needs the learner's live
objects (seeding, monkeypatching, redirected output, files, timing), and an assert whose
expected side is computed by the learner's own code.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from grading.names import dotted, reads, root_name

TIMERS = frozenset(
    f"time.{name}{suffix}" for name in ("time", "perf_counter", "monotonic", "process_time") for suffix in ("", "_ns")
)
FILE_OPENERS = frozenset({"open", "io.open", "os.open", "codecs.open"})
FILE_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})
OUTPUT_STREAMS = frozenset({"sys.stdout", "sys.stderr"})

SEEDS = "seeds a random number generator"
PATCHES = "monkeypatches"
REDIRECTS = "redirects output"
FILES = "opens a file"
TIMES = "times a call"
TRUSTS = "computes the expected side of an assert with the learner's code"
WHY = {
    SEEDS: "seeding in the checker does not seed the learner's generators",
    PATCHES: "in the checker it changes the checker's copy, never the learner's object",
    REDIRECTS: "redirecting the checker's output does not capture what the learner's code prints",
    FILES: "the checker does not see the learner's files",
    TIMES: "in the checker, a call's measured time includes the round trip to the learner's kernel",
}


@dataclass(frozen=True)
class Hazard:
    line: int
    kind: str  # SEEDS, PATCHES, REDIRECTS, FILES, TIMES or TRUSTS
    code: str  # what the instructor wrote: "np.random.seed", "format_examples()", "expected"


def live_object_hazards(
    tree: ast.Module, *, imported: set[str], surface: set[str], origins: dict[str, str]
) -> list[Hazard]:
    """Places where a test needs the learner's live objects or process, not copies of values.

    `imported`: names bound by imports (modules and what they export); `surface`: the answer
    surface minus names the tests rebind; `origins`: import origins, to resolve `np` etc."""
    found: list[Hazard] = []
    patchable = imported | surface

    def add(node: ast.AST, kind: str, code: ast.AST | str) -> None:
        text = code if isinstance(code, str) else ast.unparse(code)
        found.append(Hazard(getattr(node, "lineno", 1), kind, text))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if kind := _call_kind(node, origins, patchable):
                magic = node.args[0] if kind == TIMES and node.args else None
                is_magic = isinstance(node.func, ast.Attribute) and node.func.attr.startswith("run_")
                add(node, kind, f"%{magic.value!s}" if is_magic and isinstance(magic, ast.Constant) else node.func)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in _flatten(targets):
                if not isinstance(target, ast.Attribute | ast.Subscript):
                    continue
                if dotted(target, origins) in OUTPUT_STREAMS:
                    add(node, REDIRECTS, target)
                elif root_name(target) in patchable:
                    add(node, PATCHES, target)
    return found


def _call_kind(node: ast.Call, origins: dict[str, str], patchable: set[str]) -> str | None:
    func = node.func
    name = dotted(func, origins) or ""
    last = name.rsplit(".", 1)[-1]
    attr = func.attr if isinstance(func, ast.Attribute) else ""
    if attr in ("run_line_magic", "run_cell_magic") and node.args:  # %timeit, %%time after transform
        first = node.args[0]
        return TIMES if isinstance(first, ast.Constant) and first.value in ("time", "timeit") else None
    if attr == "seed" or name.endswith(".seed"):
        return SEEDS
    if last in ("redirect_stdout", "redirect_stderr"):
        return REDIRECTS
    if name in FILE_OPENERS or attr in FILE_METHODS or (attr == "open" and root_name(func) in patchable):
        return FILES
    if name in TIMERS or name.startswith("timeit."):
        return TIMES
    if name == "setattr" and node.args and root_name(node.args[0]) in patchable:
        return PATCHES
    return None


def _flatten(targets: Sequence[ast.expr]) -> list[ast.expr]:
    out: list[ast.expr] = []
    for target in targets:
        if isinstance(target, ast.Tuple | ast.List):
            out += _flatten(list(target.elts))
        elif isinstance(target, ast.Starred):
            out += _flatten([target.value])
        else:
            out.append(target)
    return out


def trusting_asserts(tree: ast.Module, surface: set[str]) -> list[Hazard]:  # noqa: C901 - one branch per kind of assert
    """Asserts whose expected side (a comparator after the first operand) calls learner code,
    directly or through a name assigned earlier in the cell from such a call, while the first
    operand involves learner code too. Comparing two parts of one learner result
    (`best[0] >= best[1]`) is a property check, not a trusted expectation: not reported."""
    found: list[Hazard] = []
    tainted: dict[str, str] = {}  # name -> the surface function whose result it holds

    def learner_call(expr: ast.AST) -> str | None:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call) and root_name(node.func) in surface:
                return root_name(node.func)
        return None

    def source_of(expr: ast.AST, taint: dict[str, str]) -> str | None:
        """The surface function `expr` gets its value from, if any."""
        return learner_call(expr) or next((taint[n] for n in reads(expr) if n in taint), None)

    def assign(targets: list[ast.expr], value: ast.AST | None) -> None:
        origin = source_of(value, tainted) if value is not None else None
        for target in _flatten(targets):
            if isinstance(target, ast.Name):
                if origin:
                    tainted[target.id] = origin
                else:
                    tainted.pop(target.id, None)

    def check(test: ast.expr) -> None:
        taint = dict(tainted)
        for _ in range(2):  # comprehension targets over learner results (nested ones: twice)
            for node in ast.walk(test):
                for gen in getattr(node, "generators", []):
                    if origin := source_of(gen.iter, taint):
                        taint.update((t.id, origin) for t in _flatten([gen.target]) if isinstance(t, ast.Name))
        for node in ast.walk(test):
            if not isinstance(node, ast.Compare):
                continue
            left_reads = set(reads(node.left))
            if not (source_of(node.left, taint) or left_reads & surface):
                continue
            for right in node.comparators:
                called = learner_call(right)
                trusted = [n for n in reads(right) if n in taint and n not in left_reads]
                if called or trusted:
                    code = f"{called}()" if called else f"{trusted[0]}, from {taint[trusted[0]]}()"
                    found.append(Hazard(node.lineno, TRUSTS, code))
                    break

    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.Assign):
                assign(stmt.targets, stmt.value)
            elif isinstance(stmt, ast.AnnAssign | ast.AugAssign) and stmt.value is not None:
                if isinstance(stmt, ast.AnnAssign) or source_of(stmt.value, tainted):
                    assign([stmt.target], stmt.value)
            elif isinstance(stmt, ast.For | ast.AsyncFor):
                assign([stmt.target], stmt.iter)
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        assign([item.optional_vars], item.context_expr)
            elif isinstance(stmt, ast.Assert):
                check(stmt.test)
            for part in ("body", "orelse", "finalbody"):
                visit(getattr(stmt, part, []))
            for handler in getattr(stmt, "handlers", []):
                visit(handler.body)

    visit(tree.body)
    return found
