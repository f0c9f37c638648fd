"""Each item's content hash: the SHA-256 of what a learner sees of it, stored at sync.

Threads, search and translations compare it to the hash they recorded to know whether the item
changed since. It is taken from the source, normalised, never from the HTML: a new Markdown
renderer (RENDER_VERSION) changes no item's hash, and neither do a re-saved file, YAML comments
or key order, a notebook's metadata or the file's path (a moved file with the same slugs and
text keeps its hash). The title is part of it: learners see it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from lms.catalog.schema import QuizFile


def content_sha256(kind: str, title: str, visible: Any) -> str:
    """The hash of an item from its kind, shown title and normalised visible content (JSON data)."""
    canonical = json.dumps([kind, title, visible], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lesson_visible(text: str) -> str:
    """A lesson's Markdown as learners read it: no byte-order mark, one kind of line end, no
    trailing blank lines (a line's own trailing spaces stay: two of them break the line)."""
    return _lines(text.lstrip("\ufeff")).rstrip("\n")


def quiz_visible(quiz: QuizFile) -> dict[str, Any]:
    """A quiz's questions, options, answers and explanations as parsed from its YAML."""
    return quiz.model_dump(mode="json")


def notebook_visible(notebook_json: str) -> list[dict[str, Any]]:
    """The released notebook's cells as learners open them: type, source and attachments (the
    release has no outputs; ids, execution counts and nbgrader metadata are not shown)."""
    cells = json.loads(notebook_json).get("cells", [])
    return [
        {"type": cell.get("cell_type", ""), "source": _source(cell), "attachments": cell.get("attachments") or {}}
        for cell in cells
    ]


def _source(cell: dict[str, Any]) -> str:
    """A cell's source as one string: nbformat stores it as a string or as a list of lines."""
    source = cell.get("source", "")
    return _lines("".join(source) if isinstance(source, list) else source)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
