"""Answers that count: upvotes, the accepted answer, staff answers, pinned threads and FAQ entries.

Counters stay on the rows (`posts.vote_count`, and the thread's `vote_count` for its opening post),
moved by `UPDATE ... SET x = x + 1` in the same SAVEPOINT as the vote's row: the primary key of
`post_votes` refuses a second vote, also from a racing request, and then nothing of it is kept."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from lms.community.models import FaqEntry, ModerationAction, ModerationLog, Post, PostVote, Thread, ThreadKind
from lms.community.services import (
    CommunityError,
    can_read,
    check_can_post,
    clean_body,
    clean_title,
    is_staff,
    render_post,
)
from lms.db import utcnow
from lms.extensions import db
from lms.signals import answer_accepted

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.catalog.models import Course

WITHDRAWN = "withdrawn"  # the reason of a staff member's ACCEPT_FOR_ASKER row that withdrew the acceptance


def thread_in(user: User, course: Course, thread_id: int) -> Thread | None:
    """The course's thread if this reader may see it (hidden and deleted threads: staff only), else None."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.course_id != course.id or not can_read(user, course):
        return None
    if (thread.hidden_at is not None or thread.deleted_at is not None) and not is_staff(user, course.id):
        return None
    return thread


def post_in(thread: Thread, post_id: int) -> Post | None:
    """The thread's post, or None for a post of another thread."""
    post = db.session.get(Post, post_id)
    return post if post is not None and post.thread_id == thread.id else None


def _check_post_shown(post: Post) -> None:
    thread = post.thread
    if thread.deleted_at is not None or thread.hidden_at is not None:
        raise CommunityError(_l("This thread is no longer open."))
    if post.deleted_at is not None or post.hidden_at is not None:
        raise CommunityError(_l("This post was deleted or is hidden pending review."))


def _check_staff(user: User, course_id: int) -> None:
    if not is_staff(user, course_id):
        raise CommunityError(_l("Only the course's staff can do this."))


def _count_vote(post: Post, step: int) -> None:
    db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(vote_count=Post.vote_count + step)
        .execution_options(synchronize_session=False)
    )
    if post.position == 1:  # the opening post's votes are the thread's, for lists sorted by votes
        db.session.execute(
            update(Thread)
            .where(Thread.id == post.thread_id)
            .values(vote_count=Thread.vote_count + step)
            .execution_options(synchronize_session=False)
        )
    db.session.expire(post, ["vote_count"])
    db.session.expire(post.thread, ["vote_count"])


def upvote(user: User, post: Post) -> None:
    """One upvote per person, never on one's own post. The vote's row and both counters are written in
    one SAVEPOINT: when a racing request voted first, the primary key refuses this row and the
    counters are left as they were. The caller commits."""
    check_can_post(user, post.thread.course)
    _check_post_shown(post)
    if post.author_id == user.id:
        raise CommunityError(_l("You cannot upvote your own post."))
    already = CommunityError(_l("You already upvoted this post."))
    if db.session.get(PostVote, (post.id, user.id)) is not None:
        raise already
    try:
        with db.session.begin_nested():
            db.session.add(PostVote(post_id=post.id, user_id=user.id))
            db.session.flush()
            _count_vote(post, +1)
    except IntegrityError:
        raise already from None


def remove_vote(user: User, post: Post) -> bool:
    """Take one's upvote back; False when there was none (a second click, a racing request). The caller commits."""
    check_can_post(user, post.thread.course)
    statement = delete(PostVote).where(PostVote.post_id == post.id, PostVote.user_id == user.id)
    removed = cast("CursorResult[Any]", db.session.execute(statement.execution_options(synchronize_session=False)))
    if removed.rowcount != 1:
        return False
    _count_vote(post, -1)
    return True


def voted_post_ids(user: User, post_ids: list[int]) -> set[int]:
    """Which of these posts the user upvoted (the thread page's `viewer_votes`)."""
    if not user.is_authenticated or not post_ids:
        return set()
    return set(
        db.session.scalars(select(PostVote.post_id).where(PostVote.user_id == user.id, PostVote.post_id.in_(post_ids)))
    )


def _check_may_accept(user: User, thread: Thread) -> bool:
    """Raise unless the user may accept on this question; True when staff act for the asker."""
    if user.id == thread.author_id:
        check_can_post(user, thread.course)
        return False
    if not is_staff(user, thread.course_id):
        raise CommunityError(_l("Only the person who asked can accept an answer to this question."))
    return True


def accept(user: User, post: Post) -> Thread:
    """Accept a reply by someone other than the asker as the question's answer (replacing an earlier
    one), by the asker or by the course's staff on the asker's behalf (logged). The caller commits."""
    thread = post.thread
    for_asker = _check_may_accept(user, thread)
    _check_post_shown(post)
    if thread.kind != ThreadKind.QUESTION:
        raise CommunityError(_l("Only questions have an accepted answer; this is a discussion."))
    if post.position == 1 or post.author_id == thread.author_id:
        raise CommunityError(_l("Accept a reply by someone other than the asker."))
    if thread.accepted_post_id == post.id:
        return thread
    thread.accepted_post_id, thread.accepted_by_id, thread.accepted_at = post.id, user.id, utcnow()
    if for_asker:
        _log(user, ModerationAction.ACCEPT_FOR_ASKER, thread, post_id=post.id)
    db.session.flush()
    answer_accepted.send(thread, accepted_by=user)
    return thread


def withdraw_acceptance(user: User, thread: Thread) -> None:
    """No accepted answer any more (the asker, or staff for them: logged with the reason "withdrawn")."""
    for_asker = _check_may_accept(user, thread)
    if thread.accepted_post_id is None:
        raise CommunityError(_l("This question has no accepted answer."))
    if for_asker:
        _log(user, ModerationAction.ACCEPT_FOR_ASKER, thread, reason=WITHDRAWN)
    thread.accepted_post_id, thread.accepted_by_id, thread.accepted_at = None, None, None
    db.session.flush()


def mark_staff_answer(user: User, post: Post) -> None:
    """Staff vouch for a learner's reply: it counts as a staff answer, and the thread's first staff
    answer time is set to the marking time if it had none. The caller commits."""
    thread = post.thread
    _check_staff(user, thread.course_id)
    _check_post_shown(post)
    if post.position == 1 or post.author_id == thread.author_id:
        raise CommunityError(_l("Only a reply by someone other than the asker can be a staff answer."))
    if post.by_staff:
        raise CommunityError(_l("A reply by the course's staff is a staff answer already."))
    if post.staff_marked_at is not None:
        return
    now = utcnow()
    post.staff_marked_by_id, post.staff_marked_at = user.id, now
    db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(first_staff_answer_at=func.coalesce(Thread.first_staff_answer_at, now))
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire(thread, ["first_staff_answer_at"])


def unmark_staff_answer(user: User, post: Post) -> None:
    """Take a staff mark back; the thread's first staff answer time becomes the earliest remaining one."""
    thread = post.thread
    _check_staff(user, thread.course_id)
    if post.staff_marked_at is None:
        raise CommunityError(_l("This reply is not marked as a staff answer."))
    post.staff_marked_by_id, post.staff_marked_at = None, None
    db.session.flush()
    thread.first_staff_answer_at = _earliest_staff_answer(thread)
    db.session.flush()


def _earliest_staff_answer(thread: Thread) -> datetime | None:
    answers = select(Post).where(Post.thread_id == thread.id, Post.position > 1, Post.author_id != thread.author_id)
    written = db.session.scalar(answers.where(Post.by_staff).with_only_columns(func.min(Post.created_at)))
    marked = db.session.scalar(answers.with_only_columns(func.min(Post.staff_marked_at)))
    return min((t for t in (written, marked) if t is not None), default=None)


def set_pinned(user: User, thread: Thread, pinned: bool) -> None:
    """Pin a thread to the top of its lists, or unpin it (staff; logged). The caller commits."""
    _check_staff(user, thread.course_id)
    if (thread.pinned_at is not None) == pinned:
        return
    thread.pinned_at = utcnow() if pinned else None
    _log(user, ModerationAction.PIN if pinned else ModerationAction.UNPIN, thread)
    db.session.flush()


def _log(user: User, action: ModerationAction, thread: Thread, *, post_id: int | None = None, reason: str = "") -> None:
    db.session.add(
        ModerationLog(
            actor_id=user.id,
            action=action,
            course_id=thread.course_id,
            thread_id=thread.id,
            post_id=post_id,
            target_user_id=thread.author_id,
            reason=reason,
        )
    )


def _faq_place(course_id: int, item_slug: str | None) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    slug = FaqEntry.item_slug.is_(None) if item_slug is None else FaqEntry.item_slug == item_slug
    return FaqEntry.course_id == course_id, slug


def faq_entries(course_id: int, item_slug: str | None) -> list[FaqEntry]:
    """An item's FAQ entries (the course's own when `item_slug` is None), in their order."""
    return list(
        db.session.scalars(
            select(FaqEntry).where(*_faq_place(course_id, item_slug)).order_by(FaqEntry.position, FaqEntry.id)
        )
    )


def faq_entry_in(course: Course, entry_id: int) -> FaqEntry | None:
    entry = db.session.get(FaqEntry, entry_id)
    return entry if entry is not None and entry.course_id == course.id else None


def add_faq(user: User, post: Post, *, question: str, answer: str) -> FaqEntry:
    """Turn an answer into an FAQ entry of the thread's item (or of the course when the thread is about
    no item), after the item's other entries. The caller commits."""
    thread = post.thread
    _check_staff(user, thread.course_id)
    _check_post_shown(post)
    question, answer = clean_title(question), clean_body(answer)
    last = db.session.scalar(select(func.max(FaqEntry.position)).where(*_faq_place(thread.course_id, thread.item_slug)))
    entry = FaqEntry(
        course_id=thread.course_id,
        item_slug=thread.item_slug,
        question=question,
        answer=answer,
        answer_html=render_post(answer),
        source_post_id=post.id,
        position=(last or 0) + 1,
        created_by_id=user.id,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def update_faq(user: User, entry: FaqEntry, *, question: str, answer: str) -> None:
    """Reword an FAQ entry (staff). The caller commits."""
    _check_staff(user, entry.course_id)
    entry.question, entry.answer = clean_title(question), clean_body(answer)
    entry.answer_html = render_post(entry.answer)
    db.session.flush()


def delete_faq(user: User, entry: FaqEntry) -> None:
    """Remove an FAQ entry (staff); the thread it came from stays. The caller commits."""
    _check_staff(user, entry.course_id)
    db.session.delete(entry)
    db.session.flush()
