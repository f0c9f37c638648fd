"""Validate an uploaded notebook before anything is stored or queued."""

from __future__ import annotations

import json

import nbformat

from grading.release import Release

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class SubmissionRejected(ValueError):
    """An upload that is refused; `code` is stable for programs, `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _cells_signature(nb: dict) -> list[tuple[str, str]]:
    """Cell types and sources: what 'unchanged from the release' compares."""
    out = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        out.append((cell.get("cell_type", ""), "".join(source) if isinstance(source, list) else source))
    return out


def _grade_ids(nb: dict) -> set[str]:
    """Grade ids present in a raw notebook dict, tolerant of malformed metadata."""
    ids = set()
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
        nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(nbg, dict) and isinstance(nbg.get("grade_id"), str):
            ids.add(nbg["grade_id"])
    return ids


def check_submission(release: Release, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse uploads that cannot be this assignment's work, each with its own message."""
    if len(data) > max_bytes:
        raise SubmissionRejected(
            "too_large",
            f"The file is {len(data) / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.1f} MB. "
            "Clear large outputs (Kernel > Restart & Clear Output) and upload again.",
        )
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SubmissionRejected(
            "not_json", "This file is not a Jupyter notebook (.ipynb): it is not valid JSON."
        ) from None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise SubmissionRejected(
            "not_nbformat4",
            "This notebook is not in the nbformat 4 format used by Jupyter since 2015; "
            "open it in a current Jupyter and save it again.",
        )
    try:
        nbformat.from_dict(nb)
    except (TypeError, AttributeError, ValueError):
        raise SubmissionRejected("not_nbformat4", "The notebook's structure is damaged.") from None
    if not _grade_ids(nb) & set(release.grade_ids):
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
