"""What crosses between the checker and the learner's kernel, seen from test cells: values
keep their exact type, objects become handles that refuse to compare, exceptions arrive as
built-in classes, arguments are copies updated after each call, the test's objects are lent
to learner code only during a call, and many calls are cheap."""

from __future__ import annotations

import signal

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grading import GradeResult, SandboxLimits, grade, make_release

SOLUTION = """
import collections
import numpy as np

def echo(value):
    ### BEGIN SOLUTION
    return value
    ### END SOLUTION

def append_one(items):
    ### BEGIN SOLUTION
    items.append(1)
    return len(items)
    ### END SOLUTION

def apply(fn, n):
    ### BEGIN SOLUTION
    return sum(fn(i) for i in range(n))
    ### END SOLUTION

def talk(client):
    ### BEGIN SOLUTION
    return client.complete("hi")
    ### END SOLUTION

def peek(obj, name):
    ### BEGIN SOLUTION
    return getattr(obj, name)
    ### END SOLUTION

def fail(kind):
    ### BEGIN SOLUTION
    class NotReady(ValueError):
        pass
    if kind == "value":
        raise NotReady("not yet", 3)
    raise KeyError("missing")
    ### END SOLUTION

def shout(text):
    ### BEGIN SOLUTION
    print(text.upper())
    return len(text)
    ### END SOLUTION

class Box:
    ### BEGIN SOLUTION
    def __init__(self, size):
        self.size = size
    def grow(self):
        self.size += 1
        return self.size
    def __eq__(self, other):
        return True
    ### END SOLUTION

def count_up(n):
    ### BEGIN SOLUTION
    yield from range(n)
    ### END SOLUTION
"""

TESTS = {
    "exact_types": """
import collections, datetime, decimal, fractions
values = [None, True, 2**200, -0.0, 1 + 2j, "\\ud800", b"x", bytearray(b"y"), (1, [2]), {3}, frozenset({4}),
          {"a": [1]}, collections.Counter("aab"), collections.OrderedDict(a=1), collections.deque([1], maxlen=2),
          collections.defaultdict(list, a=[1]), range(1, 9, 2), datetime.date(2026, 12, 7),
          datetime.timedelta(seconds=5), decimal.Decimal("1.10"), fractions.Fraction(1, 3)]
for value in values:
    back = echo(value)
    assert type(back) is type(value) and back == value, (value, back)
nan = echo(float("nan"))
assert nan != nan
arr = echo(np.arange(6, dtype=np.int32).reshape(2, 3))
assert type(arr) is np.ndarray and arr.dtype == np.int32 and arr.shape == (2, 3)
assert type(echo(np.float64(1.5))) is np.float64
Point = collections.namedtuple("Point", "x y")
p = echo(Point(1, 2))
assert p == (1, 2) and p.x == 1 and p._fields == ("x", "y")
""",
    "objects_are_handles": """
box = Box(3)
assert box.size == 3 and box.grow() == 4 and box.size == 4
try:
    box == box
except TypeError as exc:
    assert "return plain data" in str(exc)
else:
    raise AssertionError("a handle must refuse to compare")
try:
    bool(box)
except TypeError:
    pass
else:
    raise AssertionError("a handle has no truth")
assert list(count_up(4)) == [0, 1, 2, 3]
assert repr(box).startswith("<your ")
""",
    "exceptions": """
try:
    fail("value")
except ValueError as exc:
    assert type(exc) is ValueError and exc.args == ("not yet", 3), exc.args
else:
    raise AssertionError("no error")
try:
    fail("key")
except KeyError as exc:
    assert exc.args == ("missing",)
""",
    "arguments_are_copied_back": """
items = [0]
assert append_one(items) == 2
assert items == [0, 1], items
""",
    "callbacks": """
assert apply(lambda i: 1, 10_000) == 10_000
class Client:
    secret = "kept in the checker"
    def complete(self, prompt):
        return prompt + "!"
assert talk(Client()) == "hi!"
try:
    peek(lambda: 0, "__globals__")
except AttributeError:
    pass
else:
    raise AssertionError("private attributes of test objects must stay here")
try:
    apply(lambda i: 1 / 0, 1)
except Exception as exc:
    assert "ZeroDivisionError" not in str(exc) and "raised an error" in str(exc), exc
""",
    "captured_output": """
result, out = capture_output(shout, "hey")
assert result == 3 and out == "HEY\\n", (result, out)
""",
    "many_calls": """
for i in range(10_000):
    assert echo(i) == i
""",
    "numpy_imported_ahead": """
import sys
assert "numpy" in sys.modules, "the solution imports numpy: the checker imports it with the plan"
""",
}


@pytest.fixture(scope="module")
def graded() -> GradeResult:
    cells = [new_code_cell(SOLUTION, metadata={"nbgrader": _meta("answer", solution=True)})]
    for grade_id, code in TESTS.items():
        cells.append(new_code_cell(code, metadata={"nbgrader": _meta(grade_id, grade=True, locked=True, points=1)}))
    source = nbformat.writes(new_notebook(cells=cells)).encode()
    release = make_release(source, name="crossing")
    # Generous limits: this checks what crosses, not speed (bench/grading.py measures the calls).
    return grade(release, source, limits=SandboxLimits(cell_timeout=60.0, notebook_timeout=300.0), feedback=False)


def _meta(grade_id: str, **flags: object) -> dict:
    return {"grade": False, "solution": False, "locked": False, "schema_version": 3, "grade_id": grade_id, **flags}


@pytest.mark.parametrize("test", list(TESTS))
def test_what_crosses(graded: GradeResult, test: str) -> None:
    result = next(t for t in graded.tests if t.name == test)
    assert result.passed, result.message


STUCK = {
    "loops": "while True:\n    pass",
    "swallows_one": "try:\n    while True:\n        pass\nexcept BaseException:\n    pass\nwhile True:\n    pass",
    "ignores_interrupts": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
    "after": "assert echo(1) == 1",
}


def test_a_checker_stuck_in_test_code_is_interrupted_then_killed() -> None:
    """A test cell looping in instructor code is interrupted at the cell's limit (again if it
    swallowed the interrupt); one that ignores interrupts gets the checker killed, and the
    remaining tests fail with why."""
    cells = [new_code_cell(SOLUTION, metadata={"nbgrader": _meta("answer", solution=True)})]
    for grade_id, code in STUCK.items():
        cells.append(new_code_cell(code, metadata={"nbgrader": _meta(grade_id, grade=True, locked=True, points=1)}))
    source = nbformat.writes(new_notebook(cells=cells)).encode()
    release = make_release(source, name="stuck")
    result = grade(release, source, limits=SandboxLimits(cell_timeout=2.0, notebook_timeout=20.0), feedback=False)
    by_name = {t.name: t for t in result.tests}
    assert "time limit" in by_name["loops"].message, by_name["loops"]
    assert "time limit" in by_name["swallows_one"].message, by_name["swallows_one"]  # interrupted again
    assert "checker gave no answer" in by_name["ignores_interrupts"].message, by_name["ignores_interrupts"]
    assert "checker was stopped" in by_name["after"].message, by_name["after"]
    assert result.score == 0


def test_a_checker_started_with_sigint_ignored_still_interrupts_a_stuck_test() -> None:
    """A worker started in the background of a shell without job control passes SIGINT on
    ignored, and Python then keeps it ignored: the checker sets its own handler (a fresh
    clone's `make test`, run that way, found the watchdog's interrupt doing nothing)."""
    cells = [
        new_code_cell(SOLUTION, metadata={"nbgrader": _meta("answer", solution=True)}),
        new_code_cell(STUCK["loops"], metadata={"nbgrader": _meta("loops", grade=True, locked=True, points=1)}),
    ]
    source = nbformat.writes(new_notebook(cells=cells)).encode()
    release = make_release(source, name="stuck-ignored")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the sandboxes started below
    try:
        result = grade(release, source, limits=SandboxLimits(cell_timeout=2.0, notebook_timeout=20.0), feedback=False)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "time limit" in result.tests[0].message, result.tests[0]


def test_a_checker_imports_numpy_only_for_a_release_that_uses_it() -> None:
    """numpy is imported with the plan of a release whose solution imports it (above), not in
    every checker start: ~0.1 s of CPU per sandbox that most notebooks never use."""
    answer = "def one():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    test = "import sys\nassert 'numpy' not in sys.modules, 'numpy imported'\nassert one() == 1\n"
    cells = [
        new_code_cell(answer, metadata={"nbgrader": _meta("answer", solution=True)}),
        new_code_cell(test, metadata={"nbgrader": _meta("plain", grade=True, locked=True, points=1)}),
    ]
    source = nbformat.writes(new_notebook(cells=cells)).encode()
    result = grade(make_release(source, name="plain"), source, limits=SandboxLimits(cell_timeout=60.0), feedback=False)
    assert result.score == 1, result.tests
