"""The six demo assignments as test material: their releases, solutions, and learner notebooks
built from the solutions with extra cells (wrappers that change behaviour honestly or not)."""

from __future__ import annotations

import ast
import json
from functools import cache
from pathlib import Path

from grading import Release, make_release
from tests.grading.notebooks import solutions

COURSES = Path(__file__).resolve().parents[2] / "courses"
SOURCES = sorted(COURSES.glob("*/assignments/*.ipynb"))
IDS = [p.stem for p in SOURCES]


def source(name: str) -> Path:
    """The source notebook of a demo assignment by file stem (e.g. 'token-counter')."""
    return next(p for p in SOURCES if p.stem == name)


@cache
def release(name: str) -> Release:
    return make_release(source(name).read_bytes(), name=name)


def functions(code: str) -> list[str]:
    """Top-level functions a solution cell defines."""
    return [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]


def wrapper(names: list[str], body: str, prelude: str = "") -> str:
    """A learner cell replacing each named function by a wrapper running `body`, where `f` is
    the original and `args`, `kwargs` the call's arguments."""
    indented = "".join(f"        {line}\n" for line in body.strip().splitlines())
    return (
        f"{prelude}\n"
        "def _wrap(f):\n"
        "    def g(*args, **kwargs):\n"
        f"{indented}"
        "    return g\n"
        f"for _name in {names!r}:\n"
        "    globals()[_name] = _wrap(globals()[_name])\n"
    )


def stand_in(names: list[str], body: str, prelude: str = "") -> str:
    """A learner cell defining each named function as `def name(*args, **kwargs): body`."""
    indented = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return prelude + "\n" + "".join(f"def {name}(*args, **kwargs):\n{indented}\n" for name in names)


def notebook(name: str, *, after: str = "", instead: str = "", prelude: str = "", last: str = "") -> bytes:
    """The release with the instructor's solutions filled in. `after` (a `wrapper` body)
    runs after each solution cell on the functions it defined; `instead` replaces each
    solution function by a stand-in with that body (`prelude` first); `last` is a learner
    cell appended at the end."""
    rel = release(name)
    answers = solutions(source(name))
    nb = json.loads(rel.notebook)
    cells = []
    for cell in nb["cells"]:
        cells.append(cell)
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id not in answers:
            continue
        code = answers[grade_id]
        names = functions(code)
        cell["source"] = stand_in(names, instead, prelude) if instead else code
        if after:
            cells.append(_code_cell(wrapper(names, after, prelude)))
    if last:
        cells.append(_code_cell(last))
    nb["cells"] = cells
    return json.dumps(nb).encode()


def _code_cell(code: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": code, "outputs": [], "execution_count": None}
