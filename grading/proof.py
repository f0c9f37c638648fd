"""Turn a test cell into a call of the kernel guard's `__academy_test__`, and check its proof.

The guard (grading/kernel_guard.py) runs the test code and, only if it ran to its end, prints
HMAC-SHA256(kernel key, grade id + sha256(test code)); the grader holds the key, the learner's
code cannot reach it, and the proof is bound to the exact code the grader sent.
"""

from __future__ import annotations

import ast
import hashlib
import hmac

from IPython.core.inputtransformer2 import TransformerManager

_MANAGER = TransformerManager()  # a fresh one: learner-installed transformers never apply here


def expected_proof(key: str, grade_id: str, body: str) -> str:
    """The line the guard prints once `body` ran to its end in the kernel holding `key`."""
    message = f"{grade_id}\n{hashlib.sha256(body.encode()).hexdigest()}".encode()
    return "academy-proof-" + hmac.new(bytes.fromhex(key), message, "sha256").hexdigest()


def _cell(grade_id: str, body: str, show: str) -> str:
    """The cell actually sent: the test code travels as one string literal (IPython's and the
    learner's input transformers see a single call); only the display line is plain. Both
    proof lines are assignments, so neither becomes the displayed value."""
    return (
        f"_academy_proof = __academy_test__({grade_id!r}, {body!r})\n"
        "_academy_proof = __import__('sys').stdout.write(_academy_proof + '\\n')\n" + show
    )


def instrument(source: str, grade_id: str) -> tuple[str, str]:
    """The cell to send for a test cell, and the test code its proof is bound to.

    The cell's last expression is kept as the displayed value (nbgrader reads a number there
    as partial credit): the test code stores it, and the cell shows it after the proof.
    """
    python = _MANAGER.transform_cell(source)  # magics become plain Python, as IPython does
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return _cell(grade_id, python, ""), python  # fails when run: no proof, no points
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return _cell(grade_id, python, ""), python
    last = tree.body[-1]
    head = ast.Module(body=tree.body[:-1], type_ignores=[])
    lines = python.splitlines(keepends=True)
    prev_end = tree.body[-2].end_lineno if len(tree.body) > 1 else 0
    if prev_end is not None and prev_end < last.lineno:
        head_src = "".join(lines[: last.lineno - 1])  # keep line numbers for tracebacks
    else:
        head_src = ast.unparse(head) + "\n"
    body = f"{head_src}_academy_value = ({ast.unparse(last.value)})\n"
    show = "_academy_value;" if python.rstrip().endswith(";") else "_academy_value"
    return _cell(grade_id, body, show + "\n"), body
