"""Append a per-run completion proof to a test cell without changing what it displays."""

from __future__ import annotations

import ast
import base64
import secrets
import zlib

from IPython.core.inputtransformer2 import TransformerManager

_MANAGER = TransformerManager()  # a fresh one: learner-installed transformers never apply here


def new_token() -> str:
    """A secret the learner's code cannot know before the test prints it."""
    return "academy-proof-" + secrets.token_hex(16)


def _emit(token: str) -> str:
    # An assignment, so the emit line never becomes the cell's displayed value.
    return f"_academy_proof = __import__('sys').stdout.write({token!r} + '\\n')\n"


def _sealed(body: str, show: str) -> str:
    """The cell actually sent: the test travels as an opaque literal compiled with the
    builtin compiler (optimize=0), so IPython input/AST transformers and compiler flags the
    learner installed cannot strip its asserts; only the display line is plain."""
    blob = base64.b64encode(zlib.compress(body.encode())).decode()
    return (
        "exec(compile(__import__('zlib').decompress(__import__('base64').b64decode("
        f"'{blob}')).decode(), '<test cell>', 'exec', dont_inherit=True, optimize=0), globals())"
        "  # _academy_\n" + show
    )


def instrument(source: str, token: str) -> str:
    """Test source followed by a token print that only runs if every line before it passed.

    The cell's last expression is kept as the displayed value (nbgrader reads a number there
    as partial credit), so it is evaluated, the token printed, then the value shown again.
    """
    python = _MANAGER.transform_cell(source)  # magics become plain Python, as IPython does
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return _sealed(python, "")  # fails when run: no token, no points
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return _sealed(python.rstrip("\n") + "\n" + _emit(token), "")
    last = tree.body[-1]
    head = ast.Module(body=tree.body[:-1], type_ignores=[])
    lines = python.splitlines(keepends=True)
    prev_end = tree.body[-2].end_lineno if len(tree.body) > 1 else 0
    if prev_end is not None and prev_end < last.lineno:
        head_src = "".join(lines[: last.lineno - 1])  # keep line numbers for tracebacks
    else:
        head_src = ast.unparse(head) + "\n"
    value = ast.unparse(last.value)
    show = "_academy_value;" if python.rstrip().endswith(";") else "_academy_value"
    return _sealed(f"{head_src}_academy_value = ({value})\n{_emit(token)}", show + "\n")
