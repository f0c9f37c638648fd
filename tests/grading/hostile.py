"""Hostile submissions from issue 3, section 5: each paired with what a sensible grade says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import nbformat
from nbformat.notebooknode import NotebookNode

from tests.grading.notebooks import CORRECT, WRONG, cell_by_id


@dataclass(frozen=True)
class Case:
    """A hostile notebook: solution code, extra cells after it, an edit; expected outcome."""

    answer: str
    reason: str  # regex found in the attacked tests' messages or the result's error
    extra: tuple[str, ...] = ()
    edit: Callable[[NotebookNode], None] | None = None
    score: float = 0.0
    attacked: tuple[str, ...] = ("test_basic", "test_hidden", "test_partial")
    host_check: str = ""  # name of a check the test runs on the host afterwards
    params: dict[str, str] = field(default_factory=dict)
    kernel_reason: str = ""  # the reason when the tests run in the kernel (an attack on the guard's proof)


def _in_squares(body: str) -> str:
    """A squares() that first runs `body`, then would return the right answer."""
    indented = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return f"import os, sys, socket\ndef squares(n):\n{indented}    return [i * i for i in range(1, n + 1)]\n"


def _set(grade_id: str, **changes: object) -> Callable[[NotebookNode], None]:
    def edit(nb: NotebookNode) -> None:
        cell = cell_by_id(nb, grade_id)
        for key, value in changes.items():
            if key == "source":
                cell.source = str(value)
            else:
                cell.metadata.nbgrader[key] = value

    return edit


def _drop_grade_id(nb: NotebookNode) -> None:
    cell = cell_by_id(nb, "test_basic")
    del cell.metadata.nbgrader["grade_id"]
    cell.source = "pass"


def _delete(nb: NotebookNode) -> None:
    nb.cells.remove(cell_by_id(nb, "test_basic"))


def _duplicate(nb: NotebookNode) -> None:
    cell = cell_by_id(nb, "test_basic")
    copy = nbformat.from_dict(nbformat.v4.new_code_cell("pass", metadata=dict(cell.metadata)))
    nb.cells.insert(nb.cells.index(cell) + 1, copy)
    cell.source = "pass"


def _to_markdown(nb: NotebookNode) -> None:
    cell = cell_by_id(nb, "test_basic")
    index = nb.cells.index(cell)
    nb.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)


HIDE_TRACEBACKS = "get_ipython().showtraceback = lambda *args, **kwargs: None"
NEVER_RUN = "ip = get_ipython()\n_run = ip.run_cell\nip.run_cell = lambda cell, *a, **k: _run('None', *a, **k)"
PATCH_REPLY = """k = get_ipython().kernel
_send = k.session.send
def send(stream, msg_or_type, content=None, *args, **kwargs):
    if msg_or_type == 'error':
        return None
    if msg_or_type == 'execute_reply' and content:
        content = dict(content, status='ok')
    return _send(stream, msg_or_type, content, *args, **kwargs)
k.session.send = send"""
STRIP_ASSERT_LINES = (
    "get_ipython().input_transformers_post.append("
    "lambda lines: [ln for ln in lines if not ln.lstrip().startswith('assert')])"
)
STRIP_ASSERT_NODES = """import ast
class NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(NoAsserts())"""

# Targeted forgeries of the completion proof (grading/kernel_guard.py): each would pass a
# wrong answer if the guard's checks were missing.
REPLAY_OTHER_BODY = """import builtins
_real = builtins.__academy_test__
builtins.__academy_test__ = lambda grade_id, body: _real(grade_id, 'pass')"""
FAKE_EXEC = """import builtins
_real = builtins.__academy_test__
builtins.__academy_test__ = lambda grade_id, body: _real(grade_id, body, exec=lambda *a: None)"""
SWAPPED_CODE = """import builtins
_real = builtins.__academy_test__
def fake(grade_id, body, ns=None, compile=compile, exec=exec, ask=None, reply_queue=None, frame=None):
    passed = True
    reply = reply_queue()
    ask((frame(), reply))
    return reply.get()
_real.__code__ = fake.__code__"""
KEY_HUNT = """import builtins, gc, hashlib, hmac, signal, sys
keys = set()
def collect(values):
    keys.update(v for v in values if type(v) is bytes and len(v) == 32)
def walk(frame):
    while frame is not None:
        collect(frame.f_locals.values())
        frame = frame.f_back
def hunt(*_):
    walk(sys._getframe())
    for attempt in (lambda: [walk(f) for f in sys._current_frames().values()],
                    lambda: [collect(gc.get_referents(o)) for o in gc.get_objects()]):
        try:
            attempt()
        except PermissionError:
            pass
signal.signal(signal.SIGALRM, hunt)
signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)
_real = builtins.__academy_test__
def forge(grade_id, body):
    for _ in range(50):
        _real(grade_id, 'pass')
    hunt()
    message = (grade_id + '\\n' + hashlib.sha256(body.encode()).hexdigest()).encode()
    for key in keys:
        print('academy-proof-' + hmac.new(key, message, 'sha256').hexdigest())
    return ''
builtins.__academy_test__ = forge"""

CASES: dict[str, Case] = {
    "infinite_loop": Case(_in_squares("while True:\n    pass"), "time limit"),
    "loop_ignoring_sigint": Case(
        "import signal\n" + _in_squares("signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
        "ignored the interrupt",
    ),
    "fork_bomb": Case(
        _in_squares("while True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
        "time limit",
        host_check="no_sandbox_processes",
    ),
    "allocate_8gb": Case(_in_squares("x = bytearray(8 << 30)"), "MemoryError"),
    "print_200mb": Case(
        _in_squares("for _ in range(200):\n    print('x' * (1 << 20))"), "MemoryError|MB of output|the kernel"
    ),
    "write_10gb_tmp": Case(
        _in_squares("with open('/tmp/big', 'wb') as f:\n    for _ in range(10240):\n        f.write(b'x' * (1 << 20))"),
        "File too large",
    ),
    "read_database": Case(_in_squares("open({secret!r}).read()"), "FileNotFoundError"),
    "read_instance_folder": Case(_in_squares("os.listdir({instance!r})"), "FileNotFoundError"),
    "read_proc1_environ": Case(
        _in_squares("print(open('/proc/1/environ').read())"),
        "PermissionError",
        extra=("import os\nprint(dict(os.environ))",),
        host_check="no_secret_in_output",
    ),
    "read_etc_shadow": Case(_in_squares("open('/etc/shadow').read()"), "FileNotFoundError"),
    "write_outside": Case(
        _in_squares("open({outside!r}, 'w').write('pwned')"), "Error", host_check="outside_untouched"
    ),
    "connect_localhost": Case(
        _in_squares("socket.create_connection(('127.0.0.1', {port}), timeout=1)"),
        "ConnectionRefusedError",
        host_check="no_connection",
    ),
    "kill_parent": Case(_in_squares("os.kill(os.getppid(), 9)"), "PermissionError"),
    "points_1_to_100": Case(CORRECT, "", edit=_set("test_hidden", points=100, source="pass"), score=5.0, attacked=()),
    "edit_test_source": Case(WRONG, "AssertionError", edit=_set("test_basic", source="pass")),
    "delete_grade_id": Case(WRONG, "AssertionError", edit=_drop_grade_id),
    "delete_test_cell": Case(WRONG, "AssertionError", edit=_delete),
    "duplicate_test_cell": Case(WRONG, "AssertionError", edit=_duplicate),
    "test_to_markdown": Case(WRONG, "AssertionError", edit=_to_markdown),
    "override_showtraceback": Case(
        WRONG,
        "AssertionError",
        extra=(HIDE_TRACEBACKS,),
        attacked=("test_basic", "test_hidden"),
        kernel_reason="did not run to its end",
    ),
    "blanking_input_transformer": Case(
        WRONG,
        "time limit",
        extra=("get_ipython().input_transformers_post.append(lambda lines: [])",),
        kernel_reason="did not run to its end",
    ),
    "input_transformer_strips_asserts": Case(
        WRONG, "AssertionError", extra=(STRIP_ASSERT_LINES,), attacked=("test_basic", "test_hidden")
    ),
    "ast_transformer_strips_asserts": Case(
        WRONG, "AssertionError", extra=(STRIP_ASSERT_NODES,), attacked=("test_basic", "test_hidden")
    ),
    "patched_run_cell": Case(WRONG, "time limit", extra=(NEVER_RUN,), kernel_reason="did not run to its end"),
    "patched_kernel_reply": Case(
        WRONG, "did not run to its end|AssertionError", extra=(PATCH_REPLY,), attacked=("test_basic", "test_hidden")
    ),
    "branch_on_nbgrader_execution": Case(
        WRONG,
        "AssertionError",
        extra=(f"import os\nif os.environ.get('NBGRADER_EXECUTION'):\n    {HIDE_TRACEBACKS}",),
        attacked=("test_basic", "test_hidden"),
        kernel_reason="did not run to its end",
    ),
    "replay_proof_of_other_code": Case(
        WRONG, "AssertionError", extra=(REPLAY_OTHER_BODY,), kernel_reason="did not run to its end"
    ),
    "runner_with_fake_exec": Case(WRONG, "AssertionError", extra=(FAKE_EXEC,), kernel_reason="did not run to its end"),
    "runner_code_swapped": Case(WRONG, "AssertionError", extra=(SWAPPED_CODE,), kernel_reason="did not run to its end"),
    "hunt_key_in_frames_and_heap": Case(
        WRONG, "AssertionError", extra=(KEY_HUNT,), kernel_reason="did not run to its end"
    ),
    "os_exit_0": Case(CORRECT, "the kernel exited with status 0", extra=("import os\nos._exit(0)",)),
}
