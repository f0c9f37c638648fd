"""Upload validation: each rejection has its own code and a readable message."""

from __future__ import annotations

import json

import nbformat
import pytest

from grading import Release, SubmissionRejected, check_submission
from tests.grading import notebooks


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
