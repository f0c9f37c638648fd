"""Threads in the search layer (lms.search), its first indexer, and the searches built on it: the
similar answered threads shown while a learner types a title, and a course's thread search.

A thread's document is its title and opening post, seen by its course's readers. The index follows
the threads by itself: a session listener notes every flushed change that can alter a document
(a new thread or opening post, a title or opening post edited, a thread or opening post hidden,
un-hidden or deleted) and rewrites those documents in the same transaction, after the flush;
moderation's signal covers changes made by bulk UPDATE. No other part of the community calls it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, has_app_context
from sqlalchemy import and_, event, inspect, select
from sqlalchemy.orm import Session, aliased

from lms.community.models import ModerationLog, Post, Thread
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.search import services as search
from lms.search.text import CJK, MIN_COVERAGE, coverage
from lms.signals import post_moderated
from lms.teaching.services import taught_courses

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.catalog.models import Course

DOC_TYPE = "thread"
SIMILAR_LIMIT = 5
SEARCH_LIMIT = 20
_CJK_RUN = re.compile(f"[{CJK}]")
_WATCHED_THREAD = ("title", "hidden_at", "deleted_at", "course_id")
_WATCHED_POST = ("body", "hidden_at", "deleted_at")
_PENDING = "community_search_pending"


def document(thread: Thread, opening: Post | None) -> search.Document | None:
    """The thread's search document, or None when it must not be found (deleted or hidden). A
    hidden or deleted opening post leaves the title searchable, not its text."""
    if thread.deleted_at is not None or thread.hidden_at is not None:
        return None
    shown = opening is not None and opening.hidden_at is None and opening.deleted_at is None
    return _document(thread.id, thread.course_id, thread.title, opening.body if shown and opening else "")


def _document(thread_id: int, course_id: int, title: str, body: str) -> search.Document:
    language = "zh" if _CJK_RUN.search(title + body) else "en"
    return search.Document(DOC_TYPE, str(thread_id), title, body, language, course_id)


def sync(thread_ids: Iterable[int]) -> None:
    """Make the index say what the threads now say (index, replace or remove), read from the
    database's columns: a bulk UPDATE may have left the session's objects behind."""
    ids = sorted(set(thread_ids))
    if not ids:
        return
    opening = aliased(Post)
    rows = db.session.execute(
        select(
            Thread.id,
            Thread.course_id,
            Thread.title,
            Thread.hidden_at,
            Thread.deleted_at,
            opening.body,
            opening.hidden_at.label("body_hidden_at"),
            opening.deleted_at.label("body_deleted_at"),
        )
        .outerjoin(opening, and_(opening.thread_id == Thread.id, opening.position == 1))
        .where(Thread.id.in_(ids))
    ).all()
    indexed = set()
    for row in rows:
        if row.hidden_at is None and row.deleted_at is None:
            shown = row.body is not None and row.body_hidden_at is None and row.body_deleted_at is None
            search.index(_document(row.id, row.course_id, row.title, row.body if shown else ""))
            indexed.add(row.id)
    for gone in set(ids) - indexed:
        search.remove(DOC_TYPE, str(gone))


def all_documents() -> Iterator[search.Document]:
    """Every thread's document, for `flask search reindex thread` (e.g. after a bulk seed)."""
    opening = aliased(Post)
    rows = db.session.execute(
        select(Thread, opening)
        .join(opening, and_(opening.thread_id == Thread.id, opening.position == 1))
        .where(Thread.deleted_at.is_(None), Thread.hidden_at.is_(None))
        .order_by(Thread.id)
        .execution_options(yield_per=1000)
    )
    for thread, post in rows:
        doc = document(thread, post)
        if doc is not None:
            yield doc


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _note_changes(session: Session, _context: Any) -> None:
    """after_flush: which threads' documents this flush may have changed (still visible here)."""
    pending: set[int] = session.info.setdefault(_PENDING, set())
    for obj in session.new:
        if isinstance(obj, Thread):
            pending.add(obj.id)
        elif isinstance(obj, Post) and obj.position == 1:
            pending.add(obj.thread_id)
    for obj in session.dirty:
        if isinstance(obj, Thread) and _changed(obj, _WATCHED_THREAD):
            pending.add(obj.id)
        elif isinstance(obj, Post) and obj.position == 1 and _changed(obj, _WATCHED_POST):
            pending.add(obj.thread_id)
    for obj in session.deleted:
        if isinstance(obj, Thread):
            pending.add(obj.id)
        elif isinstance(obj, Post) and obj.position == 1:
            pending.add(obj.thread_id)


def _apply_changes(session: Session, _context: Any) -> None:
    """after_flush_postexec: rewrite the noted documents (plain statements: no further flush)."""
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context() and session is db.session.registry():  # the app's session only
        sync(pending)


def on_moderated(entry: ModerationLog, **_extra: object) -> None:
    """A moderation action may have hidden, restored or deleted a thread or its opening post with a
    bulk UPDATE that the session does not see: look again at that thread."""
    if entry.thread_id is not None:
        sync([entry.thread_id])


def connect(app: Flask) -> None:
    """Register the thread indexer and keep the index in step with every session's flushes."""
    search.register_indexer(app, DOC_TYPE, all_documents)
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        event.listen(Session, "after_flush_postexec", _apply_changes)
    post_moderated.connect(on_moderated, weak=False)


# Reading: the courses a viewer may read, similar answered threads, a course's search.


def readable_course_ids(user: User) -> list[int] | None:
    """The courses whose threads the viewer may read: enrolled (also after leaving) or taught;
    None for an admin (every course)."""
    if not user.is_authenticated:
        return []
    if user.role == "admin":
        return None
    ids = set(db.session.scalars(select(Enrollment.course_id).where(Enrollment.user_id == user.id)))
    if user.has_role("instructor"):
        ids.update(c.id for c in taught_courses(user))
    return sorted(ids)


@dataclass(frozen=True)
class Found:
    """A thread a search found, with plain text around the words (templates escape it)."""

    thread: Thread
    snippet: str
    score: float


def _visible(hits: list[search.Hit]) -> dict[int, tuple[Thread, Post | None]]:
    """The hits' threads with their opening posts, in one query, unless hidden or deleted since."""
    if not hits:
        return {}
    opening = aliased(Post)
    rows = db.session.execute(
        select(Thread, opening)
        .outerjoin(opening, and_(opening.thread_id == Thread.id, opening.position == 1))
        .where(Thread.id.in_([int(h.doc_id) for h in hits]), Thread.deleted_at.is_(None), Thread.hidden_at.is_(None))
    ).all()
    return {t.id: (t, p) for t, p in rows}


def similar(user: User, query: str, limit: int = SIMILAR_LIMIT) -> list[Found]:
    """The answered threads (a reply from someone other than the asker, or an accepted answer)
    most like `query` in the courses the viewer may read, each holding at least MIN_COVERAGE of
    the query's words."""
    course_ids = readable_course_ids(user)
    if course_ids == []:
        return []
    hits = search.search(query, [DOC_TYPE], course_ids, limit=search.MAX_LIMIT)
    threads = _visible(hits)
    found: list[Found] = []
    for hit in hits:
        thread, opening = threads.get(int(hit.doc_id), (None, None))
        if thread is None or (thread.first_reply_at is None and thread.accepted_post_id is None):
            continue
        document_ = document(thread, opening)
        if document_ is not None and coverage(query, f"{document_.title} {document_.body}") >= MIN_COVERAGE:
            found.append(Found(thread, hit.snippet, hit.score))
            if len(found) == limit:
                break
    return found


def search_course(course: Course, query: str, limit: int = SEARCH_LIMIT) -> list[Found]:
    """A course's threads matching `query`, best first (the caller checked the viewer reads it)."""
    hits = search.search(query, [DOC_TYPE], [course.id], limit=limit)
    threads = _visible(hits)
    return [Found(threads[int(h.doc_id)][0], h.snippet, h.score) for h in hits if int(h.doc_id) in threads]
