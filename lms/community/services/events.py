"""The community's entries in the learning-event log: asking, answering and having an answer accepted
(LearningEventKind.THREAD_ASKED, ANSWER_POSTED, ANSWER_ACCEPTED). They are not progress kinds
(PROGRESS_KINDS): certificates, mastery, reports' read model and dashboard freshness skip them, and
every reader of the log that computes completion, "started" or last activity filters them out.

What counts: opening a thread (a question or a discussion: data says which) is "asked"; an answer
is a reply to a question by someone other than its asker. A reply in a discussion, and the asker's
own follow-up under their question, are conversation rather than answers: no event (the thread's
counters and the figures count them). An acceptance is the answerer's event, once per answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from lms.community.models import Post, Thread, ThreadKind
from lms.extensions import db
from lms.learning.models import LearningEvent, LearningEventKind
from lms.learning.services import record_event

if TYPE_CHECKING:
    from lms.accounts.models import User


def is_answer(post: Post, thread: Thread) -> bool:
    """A reply to a question by someone other than the asker."""
    return thread.kind == ThreadKind.QUESTION and post.position > 1 and post.author_id != thread.author_id


def record_asked(thread: Thread) -> LearningEvent:
    """The asker's event for a new thread, with its opening post. Flushes."""
    opening = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.position == 1))
    data = {"thread": thread.id, "post": opening, "thread_kind": str(thread.kind)}
    return record_event(
        thread.author_id, thread.course_id, LearningEventKind.THREAD_ASKED, item_id=thread.item_id, data=data
    )


def record_answer(post: Post) -> LearningEvent | None:
    """The answerer's event for a reply that is an answer; None for any other reply. Flushes."""
    thread = post.thread
    if not is_answer(post, thread):
        return None
    data = {"thread": thread.id, "post": post.id}
    return record_event(
        post.author_id, thread.course_id, LearningEventKind.ANSWER_POSTED, item_id=thread.item_id, data=data
    )


def record_accepted(thread: Thread, accepted_by: User | None) -> LearningEvent | None:
    """The answerer's event for their accepted answer (by the asker, or by staff on the asker's
    behalf: `accepted_by` is recorded). None when nothing is accepted, the accepted post is not an
    answer (the asker's own reply), or this answer's acceptance is already in the log (accepted,
    withdrawn and accepted again). Flushes."""
    if thread.accepted_post_id is None:
        return None
    post = db.session.get(Post, thread.accepted_post_id)
    if post is None or not is_answer(post, thread):
        return None
    earlier = db.session.scalars(
        select(LearningEvent.data).where(
            LearningEvent.user_id == post.author_id,
            LearningEvent.course_id == thread.course_id,
            LearningEvent.kind == LearningEventKind.ANSWER_ACCEPTED,
        )
    )
    if any((data or {}).get("post") == post.id for data in earlier):
        return None
    data = {"thread": thread.id, "post": post.id, "accepted_by": accepted_by.id if accepted_by else None}
    return record_event(
        post.author_id, thread.course_id, LearningEventKind.ANSWER_ACCEPTED, item_id=thread.item_id, data=data
    )
