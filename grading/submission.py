"""Validate an uploaded notebook before anything is stored or queued.

`read_notebook` and `check_submission` are total: for any bytes they return or raise
SubmissionRejected, never anything else. What they accept is a notebook that nbformat reads and
validates as it is, so the grading engine (`nbformat.reads`, then `grading.restore`) and the
workspace never meet a shape they cannot handle: the notebook schema is checked here, not
discovered by a worker. `read_notebook` is the structure any uploaded notebook must have;
`check_submission` adds what a submission of one assignment must be."""

from __future__ import annotations

import json
import re
from typing import Any

from nbformat.validator import get_validator

from grading.release import Release

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Jupyter's own files nest a dozen levels (widget state, plot specs); nbformat and nbgrader
# walk a notebook recursively, a few frames per level, so far deeper input would exhaust the stack.
MAX_DEPTH = 64
NEWEST_MINOR = 5  # nbformat 4.5, the newest schema nbformat ships
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

_TYPE_WORDS = {
    "string": "text",
    "array": "a list",
    "object": "an object",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


class SubmissionRejected(ValueError):
    """An upload that is refused; `code` is stable for programs, `message` is for people.

    `detail` names the problem for the codes that have one (where a notebook is damaged)."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


def _damaged(detail: str) -> SubmissionRejected:
    return SubmissionRejected(
        "damaged",
        f"The notebook's structure is damaged: {detail}. Open it in a current Jupyter, save it and upload it again.",
        detail,
    )


def _not_nbformat4() -> SubmissionRejected:
    return SubmissionRejected(
        "not_nbformat4",
        "This notebook is not in the nbformat 4 format used by Jupyter since 2015; "
        "open it in a current Jupyter and save it again.",
    )


def _parse(data: bytes) -> tuple[str, Any]:
    """The text and its JSON document, or not_json (not UTF-8, not JSON, a BOM, an integer past
    Python's 4,300-digit limit) / damaged (nested beyond what the parser's stack allows)."""
    try:
        text = data.decode("utf-8")
        return text, json.loads(text)
    except RecursionError:
        raise _damaged(f"values are nested more than {MAX_DEPTH} levels deep") from None
    except (UnicodeDecodeError, ValueError):
        raise SubmissionRejected(
            "not_json", "This file is not a Jupyter notebook (.ipynb): it is not valid JSON."
        ) from None


def _depth_problem(nb: dict[str, Any]) -> str | None:
    """Objects and lists nested deeper than MAX_DEPTH (no recursion here, of course)."""
    stack: list[tuple[Any, int]] = [(nb, 1)]
    while stack:
        node, depth = stack.pop()
        for value in node.values() if type(node) is dict else node:
            if type(value) is dict or type(value) is list:
                if depth >= MAX_DEPTH:
                    return f"values are nested more than {MAX_DEPTH} levels deep"
                stack.append((value, depth + 1))
    return None


def _unicode_problem(text: str, nb: dict[str, Any]) -> str | None:
    """A lone surrogate escape (\\ud800 without its pair): json.loads lets it through, but no
    one can encode it again to run, store or show it. Only escapes can make one (the bytes were
    valid UTF-8), so the walk runs only when the text has such an escape."""
    if not _SURROGATE_ESCAPE.search(text):
        return None
    stack: list[Any] = [nb]
    while stack:
        node = stack.pop()
        for key, value in node.items() if type(node) is dict else enumerate(node):
            for item in (key, value):
                if type(item) is str and not item.isascii() and not _encodable(item):
                    return "it contains text that is not valid Unicode (a lone surrogate escape such as \\ud800)"
            if type(value) is dict or type(value) is list:
                stack.append(value)
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _where(path: list[Any]) -> str:
    """A schema error's location as a person reads it: `cell 3, outputs[0].text`."""
    head, parts = "the notebook", path
    if len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int):
        head, parts = f"cell {path[1] + 1}", path[2:]
    elif path and path[0] == "metadata":
        head, parts = "the notebook's metadata", path[1:]
    rest = ""
    for part in parts:
        rest += f"[{part}]" if isinstance(part, int) else f"{'.' if rest else ''}{str(part)[:40]}"
    return f"{head}, {rest}" if rest else head


def _reason(error: Any, path: list[Any]) -> str:
    """A schema error in words, without echoing the (possibly huge) offending value."""
    kind, expected = error.validator, error.validator_value
    message: str = error.message
    if kind == "type" and _is_item(path, "cells"):
        return "is not a cell (a cell is an object with cell_type, metadata and source)"
    if kind == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        return "should be " + " or ".join(_TYPE_WORDS.get(n, n) for n in names)
    if kind == "oneOf" and {"type": "string"} in expected:  # nbformat's multiline_string
        return "should be text, or a list of lines of text"
    if kind == "oneOf" and _is_item(path, "cells"):
        return _kind_problem(error.instance, "cell_type", ("code", "markdown", "raw"))
    if kind == "oneOf" and _is_item(path, "outputs"):
        return _kind_problem(error.instance, "output_type", ("execute_result", "display_data", "stream", "error"))
    if kind == "required":
        return f"lacks {message.removesuffix(' is a required property')[:60]}"
    if kind == "additionalProperties":
        return message.replace("Additional properties are not allowed", "has keys Jupyter does not use")[:160]
    if kind == "enum":
        return "should be one of " + ", ".join(str(v) for v in expected)[:160]
    if kind in ("minLength", "maxLength", "pattern") and path[-1:] == ["id"]:
        return "should be 1 to 64 letters, digits, - or _"
    if kind in ("minimum", "maximum"):
        return f"is out of range ({kind} {expected})"
    return "is not valid here"


def _is_item(path: list[Any], collection: str) -> bool:
    return len(path) >= 2 and path[-2] == collection and isinstance(path[-1], int)


def _kind_problem(instance: Any, key: str, kinds: tuple[str, ...]) -> str:
    """Why a cell or output matches none of its kinds, when _claimed found no kind to ask."""
    claimed = instance.get(key) if isinstance(instance, dict) else None
    if claimed is None:
        return f"lacks {key!r}"
    if not isinstance(claimed, str):
        article = "an" if key.startswith("o") else "a"
        return f"has {article} {key} that is not text (expected {', '.join(kinds)})"
    if claimed not in kinds:
        return f"has an unknown {key} {claimed[:40]!r} (expected {', '.join(kinds)})"
    return f"is not a valid {claimed} {key.removesuffix('_type')}"


def _schema_problem(nb: dict[str, Any], minor: int) -> str | None:
    """The first violation of nbformat's own schema for this minor version (the newest for
    notebooks from a future minor: strict, so no unknown cell type reaches grading)."""
    if minor >= NEWEST_MINOR:
        # nbformat.reads gives cells without an id one of its own (the ids' uniqueness is not
        # a schema rule either): judge the notebook as grading will read it.
        for cell in nb["cells"]:
            if isinstance(cell, dict):
                cell.setdefault("id", "missing-id")
    version_minor = min(minor, NEWEST_MINOR)
    # The verdict of nbformat's default (fast) validator, the one nbformat.reads asks; jsonschema
    # only to say where. Not nbformat's iter_validate: its "better" errors raise TypeError on a
    # cell_type that is not text.
    if next(iter(get_validator(4, version_minor).iter_errors(nb)), None) is None:
        return None
    errors = get_validator(4, version_minor, name="jsonschema").iter_errors(nb)
    error = next(iter(errors), None)
    if error is None:
        return "it does not match the notebook format"
    error = _claimed(error)
    path = list(error.absolute_path)
    return f"{_where(path)} {_reason(error, path)}"


def _claimed(error: Any) -> Any:
    """For a cell or output that is none of the schema's kinds, the error of the kind it claims
    to be (its cell_type or output_type): "source should be text", not "not any of 3 kinds"."""
    while error.validator == "oneOf" and isinstance(error.instance, dict) and error.context:
        claimed = error.instance.get("cell_type", error.instance.get("output_type"))
        names = [str(alternative.get("$ref", "")).rsplit("/", 1)[-1] for alternative in error.validator_value]
        wanted = {f"{claimed}_cell", claimed} if isinstance(claimed, str) else set()
        index = next((i for i, name in enumerate(names) if name in wanted), None)
        inner = [e for e in error.context if index is not None and e.relative_schema_path[0] == index]
        if not inner:
            break
        error = inner[0]
    return error


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _nul_problem(nb: dict[str, Any]) -> str | None:
    """A NUL character in a cell: Python will not compile it and PostgreSQL will not store the
    feedback page that shows it."""
    for index, cell in enumerate(nb["cells"]):
        if "\x00" in _source(cell):
            return f"cell {index + 1} contains a NUL character (\\u0000)"
    return None


def usable_text(text: str) -> bool:
    """Whether a cell may hold this text: no NUL and no lone surrogate, the two things JSON
    carries that no kernel, page or database takes (what read_notebook refuses in an upload)."""
    return "\x00" not in text and (text.isascii() or _encodable(text))


def sources_by_grade_id(nb: dict[str, Any]) -> dict[str, str]:
    """The source of each cell nbgrader's metadata names, the first cell for a repeated grade id,
    in a notebook read_notebook accepted (nbgrader's metadata is free-form to the schema)."""
    sources: dict[str, str] = {}
    for cell in nb["cells"]:
        nbg = cell["metadata"].get("nbgrader")
        grade_id = nbg.get("grade_id") if isinstance(nbg, dict) else None
        if isinstance(grade_id, str) and grade_id not in sources:
            sources[grade_id] = _source(cell)
    return sources


def _cells_signature(nb: dict[str, Any]) -> list[tuple[str, str]]:
    """Cell types and sources: what 'unchanged from the release' compares."""
    return [(cell["cell_type"], _source(cell)) for cell in nb["cells"]]


def read_notebook(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """The upload's JSON document if it is a notebook nbformat reads and validates as it is
    (cells are objects with an object of metadata and text without NUL or lone surrogates),
    else SubmissionRejected: too_large, not_json, not_nbformat4 or damaged, with where."""
    if len(data) > max_bytes:
        raise SubmissionRejected(
            "too_large",
            f"The file is {len(data) / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.1f} MB. "
            "Clear large outputs (Kernel > Restart & Clear Output) and upload again.",
        )
    text, nb = _parse(data)
    if not isinstance(nb, dict) or type(nb.get("nbformat")) is not int or nb["nbformat"] != 4:
        raise _not_nbformat4()
    if not isinstance(nb.get("cells"), list):
        raise _not_nbformat4()
    minor = nb.get("nbformat_minor")
    if type(minor) is not int or minor < 0:
        raise _damaged("its nbformat_minor is missing or not a whole number")
    problem = _depth_problem(nb) or _unicode_problem(text, nb) or _schema_problem(nb, minor) or _nul_problem(nb)
    if problem:
        raise _damaged(problem)
    return nb


def check_submission(release: Release, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse uploads that cannot be this assignment's work, each with its own message."""
    nb = read_notebook(data, max_bytes=max_bytes)
    if not sources_by_grade_id(nb).keys() & set(release.grade_ids):
        raise SubmissionRejected(
            "wrong_assignment",
            f"This notebook is not from the assignment {release.name!r}: none of its graded "
            "cells were found. Download the assignment notebook and work in that file.",
        )
    if _cells_signature(nb) == _cells_signature(json.loads(release.notebook)):
        raise SubmissionRejected(
            "unchanged",
            "This is the assignment notebook exactly as released, with no answers in it.",
        )
