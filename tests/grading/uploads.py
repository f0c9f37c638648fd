"""Hypothesis strategies for uploads: nbformat-shaped JSON mutated at random paths, and junk.

A mutation picks any node of a real notebook (a cell, a source line, an output, nbgrader's
metadata...) and replaces it with another JSON value, nests it deeply, drops it or adds a
sibling; the result is encoded as Jupyter would, or with a BOM, another encoding, cut short."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import nbformat
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_notebook, new_output

NEST = "\x01nest\x01"  # replaced by the deep nesting after json.dumps (which would recurse)

Path = tuple[Any, ...]


def variants(notebook: bytes) -> list[dict]:
    """Valid notebooks to mutate: as given, as nbformat 4.4 (no cell ids), with outputs of every
    kind, an attachment and execution counts (what a worked-on notebook carries), and another
    assignment's notebook."""
    plain = json.loads(notebook)
    older = copy.deepcopy(plain)
    older["nbformat_minor"] = 4
    for cell in older["cells"]:
        cell.pop("id", None)
    nb = nbformat.reads(notebook.decode(), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 3
            cell.outputs = [
                new_output("stream", name="stdout", text="hello\n"),
                new_output("execute_result", {"text/plain": "[1, 4]"}, execution_count=3),
                new_output("display_data", {"image/png": "iVBORw0KGgo=", "application/json": {"a": [1]}}),
                new_output("error", ename="ValueError", evalue="no", traceback=["Traceback", "ValueError: no"]),
            ]
        elif cell.cell_type == "markdown":
            cell.attachments = {"a.png": {"image/png": "iVBORw0KGgo="}}
            cell.source += "\n![a](attachment:a.png)"
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    worked = json.loads(nbformat.writes(nb))
    foreign = new_notebook(cells=[new_code_cell("1", metadata={"nbgrader": {"grade_id": "other", "grade": True}})])
    return [plain, older, worked, json.loads(nbformat.writes(foreign))]


def _leaves() -> st.SearchStrategy[Any]:
    return (
        st.none()
        | st.booleans()
        | st.integers()
        | st.integers(min_value=10**300, max_value=10**400)
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=20)
        | st.sampled_from(["\x00", "\ud800", "code", "markdown", "raw", "stream", "error", "text/plain"])
    )


def json_values(grade_ids: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Any JSON value, biased to shapes a notebook holds in the wrong place."""
    shaped = st.sampled_from(
        [
            [1, 2],
            ["a\n", 3],
            {},
            [],
            [{}],
            {"grade_id": grade_ids[0]},
            {"grade_id": grade_ids[-1], "grade": "yes", "points": "two", "solution": 1, "locked": None},
            {"cell_type": "code", "metadata": {}, "source": 5},
            {"cell_type": "markdown", "metadata": {"nbgrader": []}, "source": ["x"]},
            {"output_type": "stream", "name": 1, "text": [None]},
            *grade_ids,
        ]
    )
    return st.recursive(
        _leaves() | shaped,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=10,
    )


def paths(doc: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every node of a JSON document, the root included, as a path of keys and indices."""
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from paths(value, (*prefix, index))


def _like(value: Any, grade_ids: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Another value of the same JSON type: mostly still a valid notebook, with odd contents."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers()
    if isinstance(value, float):
        return st.floats()
    if isinstance(value, str):
        return st.text() | st.sampled_from(grade_ids)
    if isinstance(value, list):
        return st.lists(st.text(max_size=20), max_size=3)
    if isinstance(value, dict):
        return st.dictionaries(st.text(max_size=8), json_values(grade_ids), max_size=3)
    return st.none()


def _get(doc: Any, path: Path) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _set(doc: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


@st.composite
def mutated(draw: st.DrawFn, bases: list[dict], grade_ids: tuple[str, ...]) -> tuple[Any, int]:
    """(document, nesting depth to splice in at NEST or 0): one to three mutations of a base."""
    doc = copy.deepcopy(draw(st.sampled_from(bases)))
    depth = 0
    pick = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(1, 3))):
        # Any node but the root (junk covers whole documents); deepest first, as the choice
        # favours the first node and "cells" there would make most examples the same refusal.
        path = pick.choice(sorted(paths(doc), key=len, reverse=True)[:-1])
        target = _get(doc, path)
        op = draw(st.sampled_from(["like", "like", "like", "replace", "replace", "drop", "add", "nest"]))
        if op == "drop" and path:
            parent = _get(doc, path[:-1])
            del parent[path[-1]]
        elif op == "add" and isinstance(target, dict):
            target[draw(st.text(max_size=12) | st.sampled_from(["id", "nbgrader", "outputs", "source"]))] = draw(
                json_values(grade_ids)
            )
        elif op == "add" and isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), draw(json_values(grade_ids)))
        elif op == "nest" and depth == 0:
            depth = draw(st.sampled_from([2, 30, 63, 64, 65, 200, 990]) | st.integers(1, 5000))
            doc = _set(doc, path, NEST)
        elif op == "like":
            doc = _set(doc, path, draw(_like(target, grade_ids)))
        else:
            doc = _set(doc, path, draw(json_values(grade_ids)))
    return doc, depth


def _encode(doc: Any, depth: int, *, indent: int | None, ascii_only: bool) -> str:
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    if depth:
        text = text.replace(json.dumps(NEST), "[" * depth + '{"a": 1}' + "]" * depth, 1)
    return text


@st.composite
def notebook_uploads(draw: st.DrawFn, bases: list[dict], grade_ids: tuple[str, ...]) -> bytes:
    """A mutated notebook as bytes: mostly clean UTF-8 JSON, sometimes damaged in transit."""
    doc, depth = draw(mutated(bases, grade_ids))
    text = _encode(doc, depth, indent=draw(st.sampled_from([None, 1])), ascii_only=draw(st.booleans()))
    damage = draw(st.sampled_from(["none"] * 20 + ["bom", "utf-16", "latin-1", "cut", "byte"]))
    if damage == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if damage in ("utf-16", "latin-1"):
        return text.encode(damage, "replace")
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate written by ensure_ascii=False
    if damage == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if damage == "byte" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    return data


def junk(grade_ids: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    """Whatever else arrives: any bytes, any JSON document."""
    return st.binary(max_size=300) | json_values(grade_ids).map(lambda v: json.dumps(v).encode())
