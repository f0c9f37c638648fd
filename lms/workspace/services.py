"""Drafts: open, save with a version check, replace from an upload, download, submit."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

import grading
from lms.accounts.models import User
from lms.assignments import services as assignments
from lms.assignments.models import Submission
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Item
from lms.db import utcnow
from lms.extensions import db
from lms.workspace import notebook
from lms.workspace.models import Draft
from lms.workspace.notebook import NotebookError


@dataclass(frozen=True)
class Workspace:
    """What the page needs: the engine release, its stored id, and the learner's draft."""

    release_id: int
    release: grading.Release
    draft: Draft | None

    @property
    def answers(self) -> dict[str, str]:
        return dict(self.draft.cells) if self.draft else {}

    @property
    def version(self) -> int:
        return self.draft.version if self.draft else 0


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: `conflict` is True when newer work was on the server."""

    draft: Draft
    conflict: bool


def open_workspace(user: User, item: Item) -> Workspace:
    """The learner's workspace; only enrolled learners (and the course's teachers) get one."""
    if item.kind != "assignment":
        raise NotebookError("not_found", _l("This is not a notebook assignment."))
    if not assignments.may_download(user, item.course_id):
        raise NotebookError("not_enrolled", _l("Enroll in the course to work on this assignment."))
    stored = assignments.current_release(item.id)
    if stored is None:
        raise NotebookError("no_release", _l("This assignment is not released yet. Try again later."))
    return Workspace(stored.id, assignments.engine_release(stored), own_draft(user.id, item.id))


@lru_cache(maxsize=32)
def static_html(release: grading.Release) -> tuple[MappingProxyType, MappingProxyType]:
    """The HTML of the cells no learner edits, by cell key: text, and code shown read-only.
    Built once per process and release (releases never change); it was half the page's time."""
    shown = [c for c in notebook.cells(release) if not c.answer]
    text = {c.key: render_markdown(c.source) for c in shown if c.cell_type == "markdown"}
    code = {c.key: render_markdown(_fenced(c.source)) for c in shown if c.cell_type == "code"}
    return MappingProxyType(text), MappingProxyType(code)


def _fenced(source: str) -> str:
    """A code cell as a fenced Python block, with a fence longer than any backtick run in it."""
    fence = "`" * max(3, max((len(run) + 1 for run in source.split("\n") if set(run) == {"`"}), default=3))
    return f"{fence}python\n{source}\n{fence}"


def own_draft(user_id: int, item_id: int) -> Draft | None:
    """The draft of this learner; drafts are looked up by the signed-in user, never by id."""
    return db.session.scalar(select(Draft).where(Draft.user_id == user_id, Draft.item_id == item_id))


def _checked(ws: Workspace, cells: dict[str, object], max_bytes: int) -> dict[str, str]:
    """The draft after applying `cells`, or a clear refusal (unknown cell, not text, a NUL or a
    lone surrogate that no kernel, page or database takes, too big)."""
    keys = notebook.answer_keys(ws.release)
    for key, source in cells.items():
        if key not in keys:
            raise NotebookError(
                "unknown_cell", _l("The cell %(cell)s is not an answer cell of this notebook.", cell=repr(key[:60]))
            )
        if not isinstance(source, str):
            raise NotebookError("bad_request", _l("The cell %(cell)s must hold text.", cell=repr(key)))
        if not grading.usable_text(source):
            raise NotebookError(
                "unusable_text",
                _l(
                    "The cell %(cell)s contains a character no notebook can hold (a NUL, or half of a broken "
                    "emoji). Nothing was saved: remove it and try again.",
                    cell=repr(key),
                ),
            )
    answers = {**ws.answers, **cells}
    size = sum(len(s.encode("utf-8")) for s in answers.values())
    if size > max_bytes:
        raise NotebookError(
            "too_large",
            _l(
                "Your answers are %(size)s KB; a draft holds at most %(limit)s KB. "
                "Nothing was saved: shorten them and try again.",
                size=f"{size / 1024:.0f}",
                limit=f"{max_bytes / 1024:.0f}",
            ),
        )
    return answers


def save_draft(ws: Workspace, user: User, item: Item, base_version: int, cells: dict, *, max_bytes: int) -> Saved:
    """Store answers if the draft is still at `base_version` (compare-and-set); otherwise keep
    the incoming answers as a conflict copy beside the newer draft and report the conflict."""
    answers = _checked(ws, cells, max_bytes)
    size = sum(len(s.encode("utf-8")) for s in answers.values())
    now = utcnow()
    if ws.draft is None and own_draft(user.id, item.id) is None:
        draft = Draft(user_id=user.id, item_id=item.id, version=1, cells=answers, size=size, updated_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(draft)
            return Saved(draft, False)
        except IntegrityError:  # another tab created it first
            pass
    version = db.session.execute(
        update(Draft)
        .where(Draft.user_id == user.id, Draft.item_id == item.id, Draft.version == base_version)
        .values(cells=answers, size=size, version=Draft.version + 1, updated_at=now)
        .returning(Draft.version)
        .execution_options(synchronize_session=False)
    ).scalar()
    draft = ws.draft or own_draft(user.id, item.id)
    if version is not None:  # saved: the loaded row now holds what was written
        for name, value in (("version", version), ("cells", answers), ("size", size), ("updated_at", now)):
            set_committed_value(draft, name, value)
        return Saved(draft, False)
    db.session.refresh(draft)
    draft.conflict_cells = answers
    draft.conflict_at = now
    db.session.flush()
    return Saved(draft, True)


def replace_from_upload(
    ws: Workspace, user: User, item: Item, data: bytes, *, max_upload: int, max_draft: int
) -> Draft:
    """Replace the draft with the answers of a local notebook (the learner confirmed it).

    The file is checked as a submission's structure is (any bytes: answers or UploadRefused) and
    the draft it gives as a saved one is (`max_draft`); a refusal stores nothing."""
    uploaded = notebook.answers_from_upload(ws.release, data, max_bytes=max_upload)
    answers = {c.key: c.source for c in notebook.cells(ws.release) if c.answer} | uploaded
    saved = save_draft(ws, user, item, ws.version, answers, max_bytes=max_draft)
    if saved.conflict:  # a save landed meanwhile: the upload still wins, as confirmed
        fresh = Workspace(ws.release_id, ws.release, saved.draft)
        saved = save_draft(fresh, user, item, saved.draft.version, answers, max_bytes=max_draft)
    return saved.draft


def draft_notebook(ws: Workspace) -> bytes:
    """The current draft as a valid .ipynb (what download gives and submit sends)."""
    return notebook.notebook_bytes(ws.release, ws.answers)


def submit_draft(ws: Workspace, user: User, item: Item, *, max_bytes: int) -> tuple[Submission, bool]:
    """Turn the saved draft into a submission through the upload path (same checks, same
    immutable, deduplicated record, same queue)."""
    return assignments.submit(user, item, draft_notebook(ws), max_bytes=max_bytes)
