"""Upload validation: each rejection has its own code and a readable message; whatever is
accepted, grading can read, restore and show (fuzzed with Hypothesis)."""

from __future__ import annotations

import json
import warnings
from collections import Counter

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from nbformat.notebooknode import NotebookNode
from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning

from grading import Release, SubmissionRejected, check_submission, read_notebook, sources_by_grade_id, usable_text
from grading.feedback import feedback_html
from grading.restore import restore
from tests.grading import notebooks, uploads


def _reject(release: Release, data: bytes, **kw: int) -> SubmissionRejected:
    with pytest.raises(SubmissionRejected) as info:
        check_submission(release, data, **kw)
    return info.value


def test_accepts_an_answered_notebook(release: Release) -> None:
    check_submission(release, notebooks.submission(release.notebook_bytes))


def test_too_large(release: Release) -> None:
    err = _reject(release, notebooks.submission(release.notebook_bytes), max_bytes=1000)
    assert err.code == "too_large" and "limit is 0.0 MB" in err.message


def test_not_json(release: Release) -> None:
    err = _reject(release, b"PK\x03\x04 a zip file")
    assert err.code == "not_json" and "not valid JSON" in err.message


def test_not_nbformat_4(release: Release) -> None:
    old = json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}).encode()
    assert _reject(release, old).code == "not_nbformat4"
    assert _reject(release, b"[1, 2]").code == "not_nbformat4"


def test_other_assignment(release: Release) -> None:
    other = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    err = _reject(release, other.encode())
    assert err.code == "wrong_assignment" and "'squares'" in err.message


def test_unchanged_release(release: Release) -> None:
    err = _reject(release, release.notebook_bytes)
    assert err.code == "unchanged" and "no answers" in err.message


def test_codes_and_messages_are_distinct(release: Release) -> None:
    cases = [b"x" * 10, b"{}", release.notebook_bytes]
    errors = [_reject(release, data) for data in cases]
    assert len({e.code for e in errors}) == len({e.message for e in errors}) == 3


def _answered(release: Release, edit=None, *, text: str | None = None) -> bytes:
    """The answered notebook as raw JSON, changed by `edit(doc)` or given as `text`."""
    doc = json.loads(notebooks.submission(release.notebook_bytes))
    if edit is not None:
        edit(doc)
    return (text or json.dumps(doc)).encode("utf-8", "surrogatepass")


def _cell(doc: dict, grade_id: str) -> dict:
    return next(c for c in doc["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


# Each shape crashed check_submission (a 500 at upload) or was accepted and then broke grading.
DAMAGED = {
    "nested 100,000 deep (RecursionError in json.loads)": (
        lambda r: (
            b'{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": {"x": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}}"
        ),
        "nested more than 64 levels",
    ),
    "nested 500 deep (RecursionError in nbformat.from_dict)": (
        lambda r: _answered(r, lambda d: d["metadata"].__setitem__("x", json.loads("[" * 500 + "]" * 500))),
        "nested more than 64 levels",
    ),
    "a cell that is a number (AttributeError)": (
        lambda r: _answered(r, lambda d: d["cells"].append(3)),
        "cell 8 is not a cell",
    ),
    "source of numbers (TypeError in join)": (
        lambda r: _answered(r, lambda d: _cell(d, "squares").__setitem__("source", [1, 2])),
        "cell 3, source should be text",
    ),
    "source a number (accepted, then nbformat invalid)": (
        lambda r: _answered(r, lambda d: _cell(d, "squares").__setitem__("source", 5)),
        "cell 3, source should be text",
    ),
    "cell metadata a list (accepted, then TypeError in nbformat.reads)": (
        lambda r: _answered(r, lambda d: _cell(d, "squares").__setitem__("metadata", [])),
        "cell 3, metadata should be an object",
    ),
    "notebook metadata a list (accepted, then TypeError in nbformat.reads)": (
        lambda r: _answered(r, lambda d: d.__setitem__("metadata", [])),
        "the notebook's metadata should be an object",
    ),
    "outputs a string (accepted, then ValidationError in nbformat.reads)": (
        lambda r: _answered(r, lambda d: _cell(d, "squares").__setitem__("outputs", "x")),
        "cell 3, outputs should be a list",
    ),
    "an output without its fields (accepted though nbformat calls it invalid)": (
        lambda r: _answered(r, lambda d: _cell(d, "squares").__setitem__("outputs", [{"output_type": "stream"}])),
        "cell 3, outputs[0] lacks 'name'",
    ),
    "nbformat_minor as text (accepted, then AssertionError in nbformat.validate)": (
        lambda r: _answered(r, lambda d: d.__setitem__("nbformat_minor", "5")),
        "nbformat_minor is missing or not a whole number",
    ),
    "an unknown cell type (accepted, then invalid)": (
        lambda r: _answered(r, lambda d: d["cells"].append({"cell_type": "weird", "metadata": {}, "source": ""})),
        "unknown cell_type 'weird'",
    ),
    "cell_type not text (TypeError inside nbformat's own error report)": (
        lambda r: _answered(r, lambda d: _cell(d, "squares").__setitem__("cell_type", None)),
        "cell 3 lacks 'cell_type'",
    ),
    "a lone surrogate escape (accepted, then UnicodeEncodeError storing feedback)": (
        lambda r: _answered(
            r, text=notebooks.submission(r.notebook_bytes).decode().replace("I used", "\\ud800 I used")
        ),
        "not valid Unicode",
    ),
    "a NUL in a source (accepted, then PostgreSQL refuses the feedback)": (
        lambda r: _answered(r, lambda d: _cell(d, "explain").__setitem__("source", "a\x00b")),
        "cell 7 contains a NUL character",
    ),
}


@pytest.mark.parametrize("case", DAMAGED, ids=list(DAMAGED))
def test_damaged_notebooks_are_refused_with_where_and_what(release: Release, case: str) -> None:
    make, words = DAMAGED[case]
    err = _reject(release, make(release))
    assert err.code == "damaged" and words in err.detail and err.detail in err.message, err.message


def test_read_notebook_is_the_structural_part_alone(release: Release) -> None:
    """What the workspace's upload asks: the release unchanged and another assignment's notebook
    are well-formed (check_submission refuses them for what they are), a damaged one is refused
    the same way as by check_submission."""
    assert sources_by_grade_id(read_notebook(release.notebook_bytes)).keys() == set(release.grade_ids)
    other = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])).encode()
    assert sources_by_grade_id(read_notebook(other)) == {}
    for make, words in DAMAGED.values():
        with pytest.raises(SubmissionRejected) as refused:
            read_notebook(make(release))
        assert refused.value.code == "damaged" and words in refused.value.detail
    assert [usable_text(t) for t in ("é, 中文, 🙂", "a\x00b", "\ud83d")] == [True, False, False]


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}',  # a BOM
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [], "n": ' + b"9" * 5000 + b"}",
        '{"nbformat": 4, "note": "\u00e9t\u00e9"}'.encode("latin-1"),
    ],
    ids=["bom", "5000-digit integer", "latin-1"],
)
def test_undecodable_files_are_not_json(release: Release, data: bytes) -> None:
    assert _reject(release, data).code == "not_json"


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["metadata"].__setitem__("x", [float("nan"), float("inf"), 10**400]),  # json.loads reads them
        lambda d: _cell(d, "squares")["metadata"].__setitem__("nbgrader", "x"),
        lambda d: _cell(d, "test_basic")["metadata"]["nbgrader"].update(grade_id=5, points="all", grade="yes"),
        lambda d: _cell(d, "squares").update(id=_cell(d, "test_basic")["id"]),  # a repeated cell id
        lambda d: _cell(d, "squares").pop("id"),
    ],
    ids=["nan-infinity-huge", "nbgrader-text", "nbgrader-wrong-types", "repeated-id", "missing-id"],
)
def test_odd_but_readable_notebooks_are_accepted_and_grading_can_read_them(release: Release, edit) -> None:
    data = _answered(release, edit)
    check_submission(release, data)
    _after_acceptance(release, data)


def test_a_test_cell_turned_markdown_is_restored_as_code(release: Release) -> None:
    """nbgrader's update_cell_type raised here (attachments; no ids before nbformat 4.5)."""

    def to_markdown(doc: dict) -> None:
        cell = _cell(doc, "test_basic")
        del cell["outputs"], cell["execution_count"]
        cell.update(cell_type="markdown", attachments={"a.png": {"image/png": "iVBORw0KGgo="}})

    def older(doc: dict) -> None:
        to_markdown(doc)
        doc["nbformat_minor"] = 4
        for cell in doc["cells"]:
            cell.pop("id")

    for edit in (to_markdown, older):
        data = _answered(release, edit)
        check_submission(release, data)
        restored = _after_acceptance(release, data)
        assert notebooks.cell_by_id(restored, "test_basic").cell_type == "code"


def test_feedback_renders_markdown_with_missing_or_empty_attachments(release: Release) -> None:
    """nbconvert raised InvalidNotebook / StopIteration: the grade had no feedback page, ever."""

    def broken_images(doc: dict) -> None:
        cell = _cell(doc, "explain")
        cell["source"] = "![pasted](attachment:gone.png) ![empty](attachment:empty.png)"
        cell["attachments"] = {"empty.png": {}}

    data = _answered(release, broken_images)
    check_submission(release, data)
    assert "pasted" in _after_acceptance(release, data, with_feedback=True).cells[-1].source


CODES = {"too_large", "not_json", "not_nbformat4", "damaged", "wrong_assignment", "unchanged"}


def _verdict(release: Release, data: bytes) -> str:
    """'accepted' or the refusal's code; anything but SubmissionRejected fails the test."""
    try:
        check_submission(release, data)
    except SubmissionRejected as refused:
        assert refused.code in CODES and refused.message.strip()
        assert refused.detail if refused.code == "damaged" else True
        return refused.code
    return "accepted"


def _after_acceptance(release: Release, data: bytes, *, with_feedback: bool = False) -> NotebookNode:
    """What a worker does with an accepted upload besides running it: read and validate it,
    restore it from the release (leaving a valid notebook), render the feedback page."""
    invalid: dict = {}
    with warnings.catch_warnings():  # nbformat gives a 4.5 cell without an id (or a repeated one) a new id
        warnings.simplefilter("ignore", MissingIDFieldWarning)
        warnings.simplefilter("ignore", DuplicateCellId)
        nb = nbformat.reads(data.decode("utf-8"), as_version=4, capture_validation_error=invalid)
    assert not invalid, invalid
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and restore leaves nothing for nbformat to repair
        restored = restore(nb, release)
        nbformat.validate(restored)
    graded = {c.metadata.nbgrader.grade_id for c in restored.cells if "nbgrader" in c.metadata}
    assert graded >= {c.grade_id for c in release.cells if c.grade or c.task}  # missing ones are put back
    if with_feedback:
        html = feedback_html(restored, release, [], 0.0)
        assert "\x00" not in html and html.encode("utf-8")
    return restored


def _fuzz_settings(examples: int) -> settings:
    """No example database (it would be written into the working tree); no deadline (a cold
    nbgrader import or a loaded machine is not a failure)."""
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def test_fuzzed_uploads_are_accepted_whole_or_refused_with_a_message(release: Release) -> None:
    bases = uploads.variants(notebooks.submission(release.notebook_bytes))
    bases += uploads.variants(release.notebook_bytes)
    for base in bases:
        assert _verdict(release, json.dumps(base).encode()) in ("accepted", "unchanged", "wrong_assignment")
    seen: Counter[str] = Counter()

    def check(data: bytes) -> None:
        verdict = _verdict(release, data)
        seen[verdict] += 1
        if verdict == "accepted":
            _after_acceptance(release, data, with_feedback=True)

    @given(uploads.notebook_uploads(bases, release.grade_ids))
    @_fuzz_settings(400)
    def mutated_notebooks(data: bytes) -> None:
        check(data)

    @given(uploads.junk(release.grade_ids))
    @_fuzz_settings(100)
    def junk(data: bytes) -> None:
        check(data)

    mutated_notebooks()
    junk()
    # The run explored both sides: many accepted mutations, and each kind of refusal.
    assert seen["accepted"] >= 40 and {"not_json", "not_nbformat4", "damaged", "wrong_assignment"} <= set(seen), seen
