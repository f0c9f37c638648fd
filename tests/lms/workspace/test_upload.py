"""Uploading a local notebook into the workspace: any bytes give a replaced draft or a 4xx with
a message, and a refusal stores nothing (the file passes the intake's own structural checks)."""

from __future__ import annotations

import json
from collections import Counter
from io import BytesIO

import pytest
from hypothesis import HealthCheck, example, given, settings
from sqlalchemy import select

from lms.assignments import services as assignments
from lms.extensions import db
from lms.workspace.models import Draft
from tests.grading import uploads
from tests.grading.notebooks import CORRECT
from tests.lms.workspace.conftest import PAGE, save

URL = PAGE + "/upload"


def _upload(client, data: bytes):
    return client.post(URL, data={"notebook": (BytesIO(data), "mine.ipynb")}, content_type="multipart/form-data")


def _stored() -> list[tuple]:
    """Every draft as the database holds it (each request had its own session)."""
    db.session.expire_all()
    return [(d.user_id, d.version, d.cells, d.conflict_cells) for d in db.session.scalars(select(Draft))]


def _answered(client, **answers: str) -> bytes:
    """The draft downloaded as a notebook, with `answers` put in its answer cells."""
    doc = json.loads(client.get(PAGE + "/draft.ipynb").data)
    for cell in doc["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return json.dumps(doc).encode()


def _answer_cell(doc: dict, grade_id: str = "squares") -> dict:
    return next(c for c in doc["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def _edited(data: bytes, edit) -> bytes:
    doc = json.loads(data)
    edit(doc)
    return json.dumps(doc).encode("utf-8", "surrogatepass")


def _unhashable_grade_ids(doc: dict) -> None:
    for cell in doc["cells"]:
        if "nbgrader" in cell["metadata"]:
            cell["metadata"]["nbgrader"]["grade_id"] = [cell["metadata"]["nbgrader"]["grade_id"]]


def _nest(depth: int) -> bytes:
    return b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": ' + b"[" * depth + b"]" * depth + b'}, "cells": []}'


# Each of these answered 500 (the exception in brackets) or was stored as a draft that grading
# would then refuse or crash on; now each is refused, with where the notebook is damaged.
REFUSED = {
    "cell metadata a list (AttributeError)": (
        lambda nb: _edited(nb, lambda d: _answer_cell(d).__setitem__("metadata", [])),
        "damaged",
        "metadata should be an object",
    ),
    "nested 100,000 deep (RecursionError in json.loads)": (lambda nb: _nest(100_000), "damaged", "nested more than 64"),
    "nested 500 deep (RecursionError in nbformat.from_dict)": (lambda nb: _nest(500), "damaged", "nested more than 64"),
    "source a list of numbers (TypeError in join)": (
        lambda nb: _edited(nb, lambda d: _answer_cell(d).__setitem__("source", [1, 2])),
        "damaged",
        "source should be text",
    ),
    "cells a number (TypeError: not iterable)": (
        lambda nb: _edited(nb, lambda d: d.__setitem__("cells", 5)),
        "not_nbformat4",
        "nbformat 4",
    ),
    "grade ids that are lists (TypeError: unhashable)": (
        lambda nb: _edited(nb, _unhashable_grade_ids),
        "wrong_assignment",
        "answer cells",
    ),
    "a lone surrogate in an answer (UnicodeEncodeError)": (
        lambda nb: nb.replace(b"def squares", b"\\ud800def squares", 1),
        "damaged",
        "not valid Unicode",
    ),
    "a cell that is a number (was accepted)": (
        lambda nb: _edited(nb, lambda d: d["cells"].insert(0, 3)),
        "damaged",
        "cell 1 is not a cell",
    ),
    "a source that is a number (was accepted, the answer dropped)": (
        lambda nb: _edited(nb, lambda d: _answer_cell(d).__setitem__("source", 5)),
        "damaged",
        "source should be text",
    ),
    "a NUL in an answer (was stored, then refused at submit)": (
        lambda nb: _edited(nb, lambda d: _answer_cell(d).__setitem__("source", "a\x00b")),
        "damaged",
        "NUL character",
    ),
    "notebook metadata a list (was accepted)": (
        lambda nb: _edited(nb, lambda d: d.__setitem__("metadata", [])),
        "damaged",
        "metadata should be an object",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_malformed_notebooks_are_refused_with_a_message_and_change_nothing(signed_in, case):
    make, code, words = REFUSED[case]
    save(signed_in, 0, {"squares": "kept"})
    before = _stored()
    response = _upload(signed_in, make(_answered(signed_in, squares=CORRECT)))
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == code and words in body["message"], body
    assert "Your draft was not changed." in body["message"]
    assert _stored() == before


def test_an_upload_over_the_draft_limit_is_refused_like_a_save(signed_in):
    """A 1.5 MB answer is a small enough file but not a draft a save would keep (it was stored,
    and then every later save of the page was refused as too large)."""
    save(signed_in, 0, {"squares": "kept"})
    before = _stored()
    response = _upload(signed_in, _answered(signed_in, squares="x" * (3 << 19)))
    assert response.status_code == 413 and "Nothing was saved" in response.get_json()["message"]
    assert _stored() == before


def test_refusals_are_in_the_learners_language(signed_in, learner):
    learner.locale = "zh"
    db.session.commit()
    body = _upload(signed_in, b"{not json").get_json()
    assert body["error"] == "not_json" and "JSON" in body["message"] and "草稿" in body["message"], body


def test_fuzzed_uploads_never_fail_and_only_accepted_ones_change_the_draft(signed_in, item):
    """Mutated notebooks and junk through the real route: 200 and a new draft version, or a 4xx
    with a message and the stored drafts exactly as before; never a 500."""
    save(signed_in, 0, {"squares": "kept"})
    answered = _answered(signed_in, squares=CORRECT)
    release = assignments.engine_release(assignments.current_release(item.id))
    bases = uploads.variants(answered) + uploads.variants(release.notebook_bytes)
    outcomes: Counter[str] = Counter()

    def check(data: bytes) -> None:
        before = _stored()
        response = _upload(signed_in, data)
        assert response.status_code in (200, 400, 413), response.get_data(as_text=True)[:500]
        body = response.get_json()
        assert body["message"].strip()
        if response.status_code == 200:
            [(_user, version, cells, _conflict)] = _stored()
            assert version == before[0][1] + 1 and cells == body["cells"]
            outcomes["replaced"] += 1
        else:
            assert _stored() == before, body
            outcomes[body["error"]] += 1

    fuzz = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

    @given(uploads.notebook_uploads(bases, release.grade_ids))
    @example(answered)  # one accepted upload, whatever is drawn
    @settings(fuzz, max_examples=40)
    def mutated_notebooks(data: bytes) -> None:
        check(data)

    @given(uploads.junk(release.grade_ids))
    @settings(fuzz, max_examples=15)
    def junk(data: bytes) -> None:
        check(data)

    mutated_notebooks()
    junk()
    assert outcomes["replaced"] >= 1 and outcomes["damaged"] >= 5, outcomes
