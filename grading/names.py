"""Which names a notebook cell reads and binds, from its syntax tree alone (nothing runs)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.core.inputtransformer2 import TransformerManager

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@cache
def _transformer() -> TransformerManager:
    """IPython's cell transformer (magics, `!cmd`, `x?`): plain Python, no kernel needed."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def parse_cell(source: str) -> ast.Module:
    """Parse a cell as IPython would run it; raises SyntaxError with the cell's line."""
    cell: str = _transformer().transform_cell(source)
    return ast.parse(cell)


@dataclass
class Bindings:
    """Names a piece of code binds; `star` when a `from m import *` binds names we cannot know."""

    names: set[str] = field(default_factory=set)
    imports: set[str] = field(default_factory=set)  # the subset bound by import statements
    star: bool = False

    def add_import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.star = True
            else:
                name = alias.asname or alias.name.split(".")[0]
                self.names.add(name)
                self.imports.add(name)

    @property
    def non_imports(self) -> set[str]:
        """Names bound by something other than an import (a def, an assignment, a loop...)."""
        return self.names - self.imports


def _bind(node: ast.AST, out: Bindings) -> None:
    """Record what `node` itself binds (not its children)."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        out.names.add(node.id)
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        out.names.add(node.name)
    elif isinstance(node, ast.Import | ast.ImportFrom):
        out.add_import(node)
    elif isinstance(node, ast.arg):
        out.names.add(node.arg)
    elif isinstance(node, ast.ExceptHandler) and node.name:
        out.names.add(node.name)
    elif isinstance(node, ast.Global | ast.Nonlocal):
        out.names.update(node.names)
    elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
        out.names.add(node.name)
    elif isinstance(node, ast.MatchMapping) and node.rest:
        out.names.add(node.rest)


def all_bindings(tree: ast.AST) -> Bindings:
    """Every name bound anywhere in `tree`, at any scope: parameters, locals, comprehension
    targets too. An over-approximation, used where a missing binding would be a false error."""
    out = Bindings()
    for node in ast.walk(tree):
        _bind(node, out)
    return out


def module_bindings(tree: ast.Module) -> Bindings:
    """Names a cell binds in the notebook's namespace: top-level statements (inside if/for/
    with/try too), `global` declarations in its functions, walrus targets in comprehensions;
    not the locals of its functions and classes, nor comprehension targets."""
    out = Bindings()

    def visit(node: ast.AST) -> None:
        if isinstance(node, _SCOPES):
            _bind(node, out)
            for inner in ast.walk(node):  # `global x` in a function binds x in the notebook
                if isinstance(inner, ast.Global):
                    out.names.update(inner.names)
            return
        if isinstance(node, _COMPREHENSIONS):
            for inner in ast.walk(node):
                if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                    out.names.add(inner.target.id)
            return
        _bind(node, out)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def reads(tree: ast.AST) -> dict[str, int]:
    """Each name the code loads anywhere (functions, lambdas, comprehensions included),
    with the first line that reads it."""
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            line = getattr(node, "lineno", 1)
            found[node.id] = min(line, found.get(node.id, line))
    return found


def import_origins(tree: ast.AST) -> dict[str, str]:
    """Bound name -> dotted origin for every import in `tree`: `np` -> `numpy`,
    `perf_counter` -> `time.perf_counter` (used to recognise `time.time()` however imported)."""
    origins: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    origins[alias.asname] = alias.name
                else:
                    first = alias.name.split(".")[0]
                    origins[first] = first
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    origins[alias.asname or alias.name] = f"{module}.{alias.name}"
    return origins


def root_name(node: ast.AST) -> str | None:
    """The name an attribute chain, call or subscript starts from: `np` in `np.random.seed(1)`."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def dotted(node: ast.AST, origins: dict[str, str]) -> str | None:
    """`np.random.seed` -> "numpy.random.seed" (imports resolved); None if not a plain chain."""
    if isinstance(node, ast.Name):
        return origins.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = dotted(node.value, origins)
        return f"{base}.{node.attr}" if base else None
    return None
