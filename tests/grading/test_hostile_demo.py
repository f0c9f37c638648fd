"""Forging attempts on all six demo assignments: values that lie, shadowed or patched
builtins and libraries, objects that raise, cycles, reading the call stack and the history
for hidden tests, huge errors, and a learner process that dies or hangs mid-call. The
checker runs the tests, so none of it earns a point the plain truth would not."""

from __future__ import annotations

import json
import re
import secrets
import time
from functools import cache

import pytest

from grading import GradeResult, Release, SandboxLimits, grade, make_release
from tests.grading import demo

LIMITS = SandboxLimits(cell_timeout=10.0, notebook_timeout=40.0)
SHORT = SandboxLimits(cell_timeout=2.0, notebook_timeout=5.0)

LIAR = """
class Liar:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__
    def __bool__(self): return True
    def __hash__(self): return 0
    def __len__(self): return 0
    def __iter__(self): return iter(())
    def __contains__(self, item): return True
    def __getitem__(self, key): return Liar()
    def __getattr__(self, name): return Liar()
    def __call__(self, *a, **k): return Liar()
    def __float__(self): return 0.0
    def __int__(self): return 0
    def __index__(self): return 0
    def __abs__(self): return 0
    def __sub__(self, other): return 0
    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __sub__
    def __repr__(self): return "Liar()"
"""
SHADOWED = (
    LIAR
    + """
import builtins
for _name in ("len", "sum", "all", "any", "isinstance", "type", "abs", "float", "int", "set", "sorted", "max", "min"):
    globals()[_name] = Liar()
builtins.isinstance = lambda *a: True
builtins.len = lambda *a: 0
builtins.all = lambda *a: True
"""
)
PATCHED = """
import math, numpy, numpy.testing
math.isclose = lambda *a, **k: True
numpy.isclose = numpy.allclose = numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = lambda *a, **k: None
"""
SUBCLASSES = """
class L(list):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
class D(dict):
    def __eq__(self, other): return True
class F(float):
    def __eq__(self, other): return True
    def __lt__(self, other): return True
class S(str):
    def __eq__(self, other): return True
"""
RAISING = """
class Raising:
    def __eq__(self, other): raise RuntimeError("eq")
    def __repr__(self): raise RuntimeError("repr")
    def __bool__(self): raise RuntimeError("bool")
    def __hash__(self): raise RuntimeError("hash")
"""
# Aimed at token-counter's tests: each function returns what the visible asserts look for,
# through overridden lookups and comparisons, with nothing computed.
TOKEN_COUNTER = """
from collections import Counter
class Counts(Counter):
    def __getitem__(self, pair): return {("a", "a"): 4, ("a", "b"): 2}.get(pair, 0)
    def values(self): return [10]
    def __len__(self): return 0
class Tokens(list):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
class Number(int):
    def __eq__(self, other): return True
    def __le__(self, other): return True
    def __lt__(self, other): return True
"""
TARGETED = (
    "name = _name_of_caller()\n"
    "return Counts() if name == 'get_pair_counts' else Number(0) if name == 'count_tokens' else Tokens()"
)
CALLER = "import sys\ndef _name_of_caller():\n    return sys._getframe(1).f_code.co_name\n"

# Each lie is graded beside its control, the same data without the lie.
LIES = {
    "lying_values": (LIAR, "return Liar()", "return None"),
    "shadowed_builtins": (SHADOWED, "return Liar()", "return None"),  # breaks the kernel itself: SHORT limits
    "patched_math_and_numpy": (PATCHED, "return 0", "return 0"),
    "subclasses_overriding_eq": (SUBCLASSES, "return L()", "return []"),
    "float_subclass_overriding_eq": (SUBCLASSES, "return F(0.0)", "return 0.0"),
    "dict_and_str_subclasses": (SUBCLASSES, "return D() if args and type(args[0]) is list else S('')", None),
}


@cache
def _graded(name: str, prelude: str, body: str, limits: SandboxLimits = LIMITS) -> GradeResult:
    return grade(demo.release(name), demo.notebook(name, instead=body, prelude=prelude), limits=limits)


def _points(result: GradeResult) -> dict[str, float]:
    return {t.name: t.points for t in result.tests}


@pytest.mark.parametrize("name", demo.IDS)
@pytest.mark.parametrize("lie", list(LIES))
def test_a_lie_earns_no_more_than_the_truth(name: str, lie: str) -> None:
    prelude, body, control = LIES[lie]
    forged = _graded(name, prelude, body, SHORT if lie == "shadowed_builtins" else LIMITS)
    if control is None:
        assert forged.score == 0, forged.to_dict()
        return
    truth = _graded(name, "", control)
    assert all(_points(forged)[t] <= p for t, p in _points(truth).items()), (forged.to_dict(), truth.to_dict())
    if lie in ("lying_values", "shadowed_builtins"):  # patched builtins may break the learner's own serve loop
        assert forged.score == 0 and (forged.error is None or lie == "shadowed_builtins"), forged.to_dict()


def test_a_lie_aimed_at_token_counter_earns_nothing() -> None:
    forged = _graded("token-counter", TOKEN_COUNTER + CALLER, TARGETED)
    assert forged.score == 0 and forged.error is None, forged.to_dict()


@pytest.mark.parametrize("name", demo.IDS)
def test_objects_that_raise_on_compare_and_repr_fail_cleanly(name: str) -> None:
    result = _graded(name, RAISING, "return Raising()")
    assert result.score == 0 and result.error is None
    visible = [t for t in result.tests if "hidden" not in t.message]
    assert any("return plain data" in t.message for t in visible), result.to_dict()


@pytest.mark.parametrize("name", demo.IDS)
@pytest.mark.parametrize(
    "body",
    ["x = []\nx.append(x)\nreturn x", "x = []\nfor _ in range(100_000):\n    x = [x]\nreturn x"],
    ids=["self_referential", "deep"],
)
def test_cyclic_and_deep_values_fail_cleanly(name: str, body: str) -> None:
    result = _graded(name, "", body)
    assert result.score == 0 and result.error is None, result.to_dict()


@pytest.mark.parametrize("name", demo.IDS)
def test_a_huge_exception_message_is_stored_small(name: str) -> None:
    result = _graded(name, "", 'raise ValueError("E" * 20_000_000)')
    assert result.score == 0
    assert len(json.dumps(result.to_dict())) < 100_000
    assert len(result.feedback_html) < 1_500_000


@pytest.mark.parametrize("name", demo.IDS)
def test_a_learner_process_dying_mid_call_stops_the_rest(name: str) -> None:
    started = time.monotonic()
    result = _graded(name, "import os", "os._exit(3)")
    assert result.score == 0 and "exited with status 3" in (result.error or "")
    assert all("exited with status 3" in t.message for t in result.tests), result.to_dict()
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("name", demo.IDS)
def test_a_call_that_hangs_is_interrupted(name: str) -> None:
    started = time.monotonic()
    result = _graded(name, "import time", "time.sleep(1000)", SHORT)
    assert result.score == 0
    assert re.search("time limit", "\n".join(t.message for t in result.tests)), result.to_dict()
    assert time.monotonic() - started < SHORT.notebook_timeout + 10


# Learner code that searches everything it can reach for a marker: the call stack (test
# frames would be there if tests ran in this process), IPython's input history, every
# namespace, the garbage collector's objects, and its own memory through /proc.
SEARCH = """
import builtins, gc, os, sys
def _search(pattern):
    found = set()
    def look(value):
        text = value if isinstance(value, str) else repr(value) if isinstance(value, (list, tuple, dict)) else ""
        if pattern in text:
            found.add(text[text.index(pattern):][:40])
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()) + list(frame.f_globals.values()) + list(frame.f_code.co_consts):
            look(value)
        frame = frame.f_back
    shell = get_ipython()
    for value in (shell.user_ns.get("In", []), shell.user_ns.get("_ih", []), shell.history_manager.input_hist_raw):
        look(value)
    for value in list(vars(sys.modules["__main__"]).values()):
        look(value)
    try:
        for obj in gc.get_objects():
            look(obj)
    except PermissionError:
        pass
    try:
        fd = os.open("/proc/self", os.O_RDONLY)
        mem = os.open("mem", os.O_RDONLY, dir_fd=fd)
        found.add("mem " + "opened")
        os.close(mem)
    except OSError:
        pass
    builtins.FOUND = getattr(builtins, "FOUND", set()) | found
    return found
_probe = "KERNEL-SIDE-" + "MARKER"  # in this process, so the search must find it
"""
PROBE = "KERNEL-SIDE-MARKER"  # never written whole in a learner cell: shown only if found


@cache
def _with_canary(name: str, canary: str) -> Release:
    """The assignment with a canary line in every hidden test block (outside calls and messages)."""
    nb = json.loads(demo.source(name).read_text())
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if "### BEGIN HIDDEN TESTS" in text:
            line = f'_hidden_note = "{canary}"  # {canary}\n'
            cell["source"] = text.replace("### BEGIN HIDDEN TESTS\n", "### BEGIN HIDDEN TESTS\n" + line, 1)
    return make_release(json.dumps(nb).encode(), name=name)


@pytest.mark.parametrize("name", demo.IDS)
def test_hidden_test_source_never_reaches_the_learner(name: str) -> None:
    canary = "CANARY-" + secrets.token_hex(8)
    release = _with_canary(name, canary)
    assert any(canary in c.source for c in release.cells if c.is_test)
    search = "_search('CANARY-')\n_search('KERNEL-SIDE-')\nreturn f(*args, **kwargs)"
    data = demo.notebook(name, after=search, prelude=SEARCH, last="print(sorted(FOUND))")
    result = grade(release, data, limits=LIMITS)
    shown = result.feedback_html + json.dumps(result.to_dict())
    assert PROBE in shown, "the search reports what it finds in the learner's process"
    assert canary not in shown and "mem opened" not in shown
    assert result.score == release.max_score, result.to_dict()
