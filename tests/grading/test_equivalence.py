"""The equivalence corpus: on all six demo assignments, the instructor's solution and honest
but wrong variants of it get the same points per test from the checker engine as from
nbgrader's own CLI, except where courses/README.md documents a deliberate difference."""

from __future__ import annotations

import pytest

from grading import SandboxLimits, grade
from tests.grading import demo
from tests.grading.reference import nbgrader_scores

# Wrapper bodies (see demo.wrapper): each changes what the solution does, honestly.
VARIANTS = {
    "solution": "",
    "mutates_input": (
        "result = f(*args, **kwargs)\n"
        "for a in args:\n"
        "    if type(a) is list:\n"
        "        a.append(None)\n"
        "    elif type(a) is dict:\n"
        "        a['_added'] = 1\n"
        "return result"
    ),
    "numpy_scalars": (
        "import numpy as np\n"
        "result = f(*args, **kwargs)\n"
        "if type(result) is int:\n"
        "    return np.int64(result)\n"
        "if type(result) is float:\n"
        "    return np.float64(result)\n"
        "return result"
    ),
    "generator": "result = f(*args, **kwargs)\nreturn (x for x in result) if type(result) is list else result",
    "counter": (
        "from collections import Counter\n"
        "result = f(*args, **kwargs)\n"
        "return Counter(result) if type(result) is dict else result"
    ),
    "defaultdict": (
        "from collections import defaultdict\n"
        "result = f(*args, **kwargs)\n"
        "return defaultdict(list, result) if type(result) is dict else result"
    ),
    "value_error_subclass": (
        "class NotReady(ValueError):\n"
        "    pass\n"
        "try:\n"
        "    return f(*args, **kwargs)\n"
        "except ValueError as exc:\n"
        "    raise NotReady(*exc.args) from None"
    ),
    "warns_on_stderr": "import warnings\nwarnings.warn('this helper is slow')\nreturn f(*args, **kwargs)",
}
LIMITS = SandboxLimits(cell_timeout=10.0, notebook_timeout=60.0)


@pytest.fixture(scope="module", params=demo.IDS)
def corpus(request, tmp_path_factory) -> tuple[str, dict, dict]:
    """One assignment's variants graded by nbgrader's CLI and by our engine."""
    name = request.param
    release = demo.release(name)
    subs = {variant: demo.notebook(name, after=body) for variant, body in VARIANTS.items()}
    test_ids = tuple(c.grade_id for c in release.cells if c.is_test)
    theirs = nbgrader_scores(
        tmp_path_factory.mktemp(name), demo.source(name).read_bytes(), subs, test_ids, notebook=name
    )
    ours = {variant: grade(release, data, limits=LIMITS, feedback=False) for variant, data in subs.items()}
    return name, ours, theirs


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_points_per_test_equal_nbgrader(corpus: tuple[str, dict, dict], variant: str) -> None:
    name, ours, theirs = corpus
    result = ours[variant]
    mine = {t.name: t.points for t in result.tests}
    reference = {k: v for k, v in theirs[variant].items() if k in mine}
    assert mine == reference, (name, variant, [(t.name, t.points, t.message) for t in result.tests])


def test_the_variants_are_not_all_equal_to_the_solution(corpus: tuple[str, dict, dict]) -> None:
    """The corpus tests something: at least one honest variant loses points."""
    _, ours, _ = corpus
    assert any(ours[v].score < ours["solution"].score for v in VARIANTS if v != "solution")
