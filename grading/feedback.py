"""Render nbgrader's HTML feedback page for a graded notebook, hidden tests removed."""

from __future__ import annotations

import copy
import json
import os
import re
import threading
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING

import nbformat
import nbgrader
from nbconvert.exporters import HTMLExporter
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests
from traitlets.config import Config

from grading.release import Release

if TYPE_CHECKING:
    from grading.engine import TestResult

_ATTACHMENT = re.compile(r"attachment:([^\s)\"'>]*)")  # what nbconvert embeds: ![x](attachment:NAME)
_LOCK = threading.Lock()  # nbconvert exporters are not documented as thread-safe


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """Built once per process: template loading dominates the cost of a render."""
    base = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [os.path.join(base, "templates")]
    config.HTMLExporter.extra_template_paths = [
        os.path.join(base, "static", "node_modules", "bootstrap", "dist", "css")
    ]
    return HTMLExporter(config=config)


def _hide(cell: NotebookNode) -> None:
    """Hidden tests keep their error name and message; their code and traceback go."""
    cell.source = ClearHiddenTests().preprocess_cell(cell, {}, 0)[0].source
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            out.traceback = [f"{out.ename}: {out.evalue}"]


def _unbreak_attachments(cell: NotebookNode) -> None:
    """nbconvert raises on a markdown image whose attachment is missing or empty (markdown
    copied from another notebook, a pasted image stripped of its data): keep the attachments
    that have data and point the other references nowhere, so they render as broken images."""
    usable = {name for name, bundle in cell.get("attachments", {}).items() if bundle}
    if "attachments" in cell:
        cell.attachments = {name: cell.attachments[name] for name in usable}
    cell.source = _ATTACHMENT.sub(lambda m: m[0] if m[1] in usable else f"missing-{m[0]}", cell.source)


def feedback_notebook(nb: NotebookNode, release: Release, tests: list[TestResult]) -> NotebookNode:
    """The graded notebook as the feedback page shows it: a copy with hidden tests cleared and
    each graded cell's score set (nothing in it is secret from the learner)."""
    nb = copy.deepcopy(nb)
    points = {t.name: t.points for t in tests}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            _unbreak_attachments(cell)
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        if "BEGIN HIDDEN TESTS" in release.cell(meta.grade_id).source:
            _hide(cell)
        meta.score = points.get(meta.grade_id, 0.0)
    return nb


def render(nb: NotebookNode, release: Release, score: float) -> str:
    """nbgrader's feedback template on a notebook from feedback_notebook()."""
    resources = {
        "nbgrader": {"notebook": release.name, "score": score, "max_score": release.max_score, "late_penalty": 0}
    }
    with _LOCK:
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body


def feedback_html(nb: NotebookNode, release: Release, tests: list[TestResult], score: float) -> str:
    """What the learner downloads: nbgrader's feedback template with our scores."""
    return render(feedback_notebook(nb, release, tests), release, score)


def pack(nb: NotebookNode) -> bytes:
    """A feedback notebook as stored until its page is first asked for: compressed JSON."""
    return zlib.compress(json.dumps(nb, separators=(",", ":")).encode(), 6)


def render_packed_feedback(packed: bytes, release: Release, score: float) -> str:
    """The feedback page of a packed feedback notebook: the same HTML feedback_html() gives."""
    return render(nbformat.from_dict(json.loads(zlib.decompress(packed))), release, score)
