"""Static analysis for the checker: the plan stored with a release, and each rule's problems."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grading import make_release
from grading.analysis import Level, analyse, plan_from_release

COURSES = Path(__file__).resolve().parents[2] / "courses"
DEMOS = sorted(COURSES.glob("*/assignments/*.ipynb"))


def _meta(grade_id: str, **flags: object) -> dict:
    base = {"grade": False, "solution": False, "locked": False, "schema_version": 3}
    return {"nbgrader": {**base, "grade_id": grade_id, **flags}}


def setup(source: str, grade_id: str = ""):
    return new_code_cell(source, metadata=_meta(grade_id, locked=True) if grade_id else {})


def solution(grade_id: str, source: str):
    return new_code_cell(source, metadata=_meta(grade_id, solution=True))


def check(grade_id: str, source: str, run_in: str | None = None):
    metadata = _meta(grade_id, grade=True, locked=True, points=1)
    if run_in:
        metadata["academy"] = {"run_in": run_in}
    return new_code_cell(source, metadata=metadata)


def notebook(*cells):
    nb = new_notebook(cells=[new_markdown_cell("# Exercise"), *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


SQUARE = solution("square", "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION")


def problems(*cells, level: Level | None = None) -> list:
    found = analyse(notebook(*cells))[1]
    return [p for p in found if level is None or p.level is level]


def test_plan_of_a_notebook() -> None:
    nb = notebook(
        setup("import math\nLIMIT = 3\ndef helper(v):\n    inner = v\n    return inner"),
        setup("data = [1, 2]", grade_id="provided"),
        solution(
            "answers",
            "import numpy as np\nimport os.path\nimport xml.etree.ElementTree as ET\n"
            "from collections import Counter\nfrom a.b import c as d\n\n"
            "def train(x):\n    ### BEGIN SOLUTION\n    secret_local = x\n    return secret_local\n"
            "    ### END SOLUTION\n"
            "class Model:\n    weight = 1\n"
            "total = 0\nfor step in range(2):\n    total += step\n"
            "with open(__file__) as handle:\n    pass\n"
            "squares = [k * k for k in range(3)]",
        ),
        check("test_train", "assert train(1) == 1", run_in="checker"),
        check("test_speed", "import time\nstart = time.time()\ntrain(2)", run_in="kernel"),
    )
    plan, found = analyse(nb)
    assert found == []
    assert plan.surface == ("Model", "handle", "squares", "step", "total", "train")
    assert plan.modules == (
        ("np", "numpy", ""),
        ("os", "os", ""),
        ("ET", "xml.etree.ElementTree", ""),
        ("Counter", "collections", "Counter"),
        ("d", "a.b", "c"),
    )
    assert plan.setup == (nb.cells[1].source, "data = [1, 2]")
    assert plan.kernel_tests == ("test_speed",)
    assert "secret_local" not in str(plan.to_dict())
    assert type(plan).from_dict(plan.to_dict()) == plan


def test_setup_is_taken_after_nbgrader_clears_solutions() -> None:
    bad = setup("x = 1\n### BEGIN SOLUTION\nsecret = 2\n### END SOLUTION")
    plan, found = analyse(notebook(bad, SQUARE, check("t", "assert square(2) == 4")))
    assert "secret" not in "".join(plan.setup)
    assert [(p.cell, p.level) for p in found] == [(1, Level.ERROR)] and "cannot clear" in found[0].message


def test_every_resolution_layer_is_accepted() -> None:
    cells = (
        setup("import math\nfrom fractions import Fraction\nLIMIT = 3"),
        solution("mod", "from collections import Counter\nimport numpy as np\n" + SQUARE.source),
        check("t1", "values = [square(i) for i in range(LIMIT)]\nf = lambda v, *rest, k=1: v + k"),
        check(
            "t2",
            "def twice(n):\n    return [square(n)] * 2\n"
            "assert values == [0, 1, 4] and f(1) == 2 and twice(2) == [4, 4]\n"
            "assert Counter('aa')['a'] == 2 and np.isclose(math.pi, 3.14159, atol=1e-5)\n"
            "result, printed = capture_output(print, 'hi')\n"
            "try:\n    square(None)\nexcept TypeError as error:\n    message = str(error)\n"
            "assert Fraction(1, 2) and isinstance(message, str) and {x: y for x, y in [(1, 2)]}",
        ),
    )
    assert problems(*cells) == []


def test_a_name_found_nowhere_is_an_error_at_its_cell_and_line() -> None:
    found = problems(SQUARE, check("test_train", "x = 1\nassert square(x) == helper(x)"))
    assert [(p.cell, p.line, p.level) for p in found] == [(2, 2, Level.ERROR)]
    assert found[0].message == (
        "test cell 'test_train' reads 'helper', which the checker cannot find: it is not bound by a test cell, "
        "a setup cell, an import in a solution cell, nor by the solution cells (the answer surface)"
    )


@pytest.mark.parametrize(
    ("cells", "hint"),
    [
        ((check("t1", "assert square(n) == 4"), check("t2", "n = 2")), "a later test cell binds 'n'"),
        ((check("t1", "n = 2", run_in="kernel"), check("t2", "assert square(n) == 4")), "run_in: kernel binds 'n'"),
        ((check("t1", "import math\nassert square(2) == 4"), check("t2", "assert math.pi")), None),
    ],
)
def test_bindings_from_other_test_cells(cells, hint) -> None:
    found = problems(SQUARE, *cells)
    if hint is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].level is Level.ERROR and hint in found[0].message


def test_names_bound_only_inside_the_solution_or_by_imports_inside_functions_are_not_found() -> None:
    sol = solution("s", "def f(x):\n    import json\n    local = x\n    return local")
    found = problems(sol, check("t", "assert f(1) == local\nassert json"))
    assert [(p.line, p.level) for p in found] == [(1, Level.ERROR), (2, Level.ERROR)]


@pytest.mark.parametrize(
    "reader",
    [
        setup("def helper():\n    return GiB * 2"),
        solution("s", "def size():\n    ### BEGIN SOLUTION\n    return GiB\n    ### END SOLUTION"),
        check("k", "assert GiB > 0", run_in="kernel"),
    ],
)
def test_a_kernel_cell_reading_what_only_checker_tests_bind_is_an_error(reader) -> None:
    found = problems(check("t", "GiB = 2**30"), reader)
    assert [(p.cell, p.level) for p in found] == [(2, Level.ERROR)]
    assert "reads 'GiB', which only test cells bind" in found[0].message


def test_a_kernel_cell_may_read_what_the_kernel_binds() -> None:
    cells = (setup("GiB = 2**30"), check("t", "GiB = 2**30"), solution("s", "def size():\n    return GiB"))
    assert problems(*cells) == []


def test_kernel_mode_hidden_tests_are_an_error() -> None:
    source = "assert square(2) == 4\n### BEGIN HIDDEN TESTS\nassert square(3) == 9\n### END HIDDEN TESTS"
    found = problems(SQUARE, check("test_square", source, run_in="kernel"))
    assert [(p.cell, p.line, p.level) for p in found] == [(2, 2, Level.ERROR)]
    assert "hidden tests must run in the checker" in found[0].message
    assert problems(SQUARE, check("test_square", source)) == []
    assert problems(SQUARE, check("test_square", "assert square(2) == 4", run_in="kernel")) == []


def test_star_import_in_a_solution_is_an_error() -> None:
    sol = solution("s", "import re\nfrom math import *\n\ndef f():\n    return sqrt(4)")
    found = problems(sol, check("t", "assert f() == 2"))
    assert [(p.cell, p.line, p.level) for p in found] == [(1, 2, Level.ERROR)]
    assert "imports * from math" in found[0].message


def test_run_in_must_be_checker_or_kernel() -> None:
    found = problems(SQUARE, check("t", "assert square(2) == 4", run_in="sandbox"))
    assert found[0].level is Level.ERROR and 'use "checker" or "kernel"' in found[0].message


def test_magics_and_syntax_errors() -> None:
    magics = check("t", "%timeit square(3)\n!ls\nfiles = !ls\nassert square(3) == 9", run_in="kernel")
    assert problems(SQUARE, magics) == []
    found = problems(SQUARE, check("t", "assert square(2) == 4\nassert square(3) = 9"))
    assert [(p.cell, p.line, p.level) for p in found] == [(2, 2, Level.ERROR)]
    assert "test cell 't' is not valid Python" in found[0].message


LIVE = {
    "random.seed": ("import random\nrandom.seed(1)\nassert square(2) == 4", "seeds a random number generator"),
    "np.random.seed": ("import numpy as np\nnp.random.seed(0)", "seeds a random number generator"),
    "rng.seed": ("import random\nrng = random.Random()\nrng.seed(3)", "seeds a random number generator"),
    "module attribute": ("import math\nmath.pi = 3", "monkeypatches (math.pi)"),
    "surface attribute": ("square.calls = 0", "monkeypatches (square.calls)"),
    "setattr": ("import math\nsetattr(math, 'tau', 6)", "monkeypatches (setattr)"),
    "environment": ("import os\nos.environ['MODE'] = 'test'", "monkeypatches"),
    "redirect_stdout": (
        "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    square(2)",
        "redirects output",
    ),
    "sys.stdout": ("import io, sys\nsys.stdout = io.StringIO()", "redirects output (sys.stdout)"),
    "open": ("with open('out.txt') as fh:\n    assert fh.read()", "opens a file (open)"),
    "Path.read_text": ("import pathlib\npathlib.Path('out.txt').read_text()", "opens a file"),
    "time.perf_counter": ("import time\nt0 = time.perf_counter()\nsquare(2)", "times a call (time.perf_counter)"),
    "from time import": ("from time import monotonic\nt0 = monotonic()", "times a call"),
    "%timeit": ("%timeit square(3)", "times a call (%timeit)"),
    "timeit module": ("import timeit\ntimeit.timeit(lambda: square(3), number=10)", "times a call"),
}


@pytest.mark.parametrize("case", LIVE)
def test_tests_needing_live_objects_warn_in_the_checker_only(case) -> None:
    source, what = LIVE[case]
    found = problems(SQUARE, check("test_live", source))
    assert [p.level for p in found] == [Level.WARNING], found
    assert f"test cell 'test_live' {what}" in found[0].message
    assert '"academy": {"run_in": "kernel"}' in found[0].message and "capture_output(fn, *args)" in found[0].message
    assert problems(SQUARE, check("test_live", source, run_in="kernel")) == []


def test_plain_tests_do_not_warn() -> None:
    source = (
        "import numpy as np\nrng = np.random.default_rng(1)\nvalues = rng.normal(size=3)\n"
        "result, out = capture_output(square, 3)\nsquare_of = {}\nsquare_of['x'] = square(2)\n"
        "assert result == 9 and out == ''"
    )
    assert problems(SQUARE, check("t", source)) == []


TRUSTING = {
    "assigned expected": ("expected = square(3)\nassert square(3) == expected", "(expected, from square())"),
    "direct call": ("assert square(3) == square(-3)", "(square())"),
    "through a chain": ("base = square(2)\nexpected = base + 1\nassert square(2) + 1 == expected", "expected"),
    "inside a loop": ("for want in [square(2)]:\n    got = square(2)\n    assert got == want", "want"),
}


@pytest.mark.parametrize("case", TRUSTING)
def test_expected_side_computed_by_learner_code_warns(case) -> None:
    source, code = TRUSTING[case]
    found = problems(SQUARE, check("test_trust", source))
    assert [p.level for p in found] == [Level.WARNING], found
    assert "the checker cannot fix a test that trusts the code it tests" in found[0].message
    assert code in found[0].message


@pytest.mark.parametrize(
    "source",
    [
        "expected = 9\nassert square(3) == expected",
        "got = square(3)\nexpected = 9\nassert got == expected",
        "assert 9 == square(3)",  # the learner's side on the right: nothing trusted
        "best = [square(3), square(2)]\nassert all(best[j] >= best[j + 1] for j in range(1))",
        "got = square(2)\nexpected = square(2)\nexpected = 4\nassert got == expected",
    ],
)
def test_literal_expected_values_and_property_checks_do_not_warn(source) -> None:
    assert problems(SQUARE, check("t", source)) == []


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.stem)
def test_demo_notebooks_have_no_errors_and_a_stable_plan(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    plan, found = analyse(nb)
    assert [p for p in found if p.level is Level.ERROR] == []
    assert found == [], found  # the demos are examples: no warnings either
    release = make_release(path.read_bytes(), name=path.stem)
    assert release.plan == plan and plan_from_release(release) == plan


def test_demo_surfaces_are_what_the_solutions_define() -> None:
    surfaces = {p.stem: analyse(nbformat.read(p, as_version=4))[0].surface for p in DEMOS}
    assert surfaces["token-counter"] == ("count_tokens", "encode", "get_pair_counts", "merge_pair", "train_bpe")
    assert surfaces["prompt-builder"] == ("build_prompt", "format_examples", "render")
    assert surfaces["qa-metrics"] == ("evaluate", "exact_match", "f1_score", "normalize_answer")
