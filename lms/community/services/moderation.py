"""Flags and moderation: members flag posts (one active flag per person and post, a few an hour);
enough flags hide a post pending review; the course's staff review the queue and hide, unhide,
delete, dismiss flags, lock threads and suspend members from the community. Every action is one
ModerationLog row with its actor and reason, sent as `post_moderated` (notifications, events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, exists, func, literal_column, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.community.models import (
    FLAG_REASONS,
    REASON_LIMIT,
    CommunityMember,
    ModerationAction,
    ModerationLog,
    Post,
    PostFlag,
    Thread,
)
from lms.community.services import CommunityError, can_read, enrollment_of, is_staff, member
from lms.community.services.conduct import standing_of
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.signals import post_moderated

FLAG_WINDOW = timedelta(hours=1)  # COMMUNITY_FLAGS_PER_HOUR counts the flags raised in this window
POST_ACTIONS = (ModerationAction.HIDE, ModerationAction.UNHIDE, ModerationAction.DELETE, ModerationAction.DISMISS_FLAGS)
THREAD_ACTIONS = (ModerationAction.LOCK, ModerationAction.UNLOCK)
MEMBER_ACTIONS = (ModerationAction.SUSPEND, ModerationAction.UNSUSPEND)
# Posts waiting for review: the partial index ix_posts_review holds exactly these rows (a literal 0,
# not a bound parameter, so that SQLite's planner sees the query's term imply the index's).
NEEDS_REVIEW = or_(Post.active_flag_count > literal_column("0"), Post.hidden_at.is_not(None))


@dataclass
class QueueEntry:
    """A post waiting for review, with its active flags, since when it waits."""

    post: Post
    thread: Thread
    flags: list[PostFlag]
    waiting_since: datetime


def find_thread(course: Course, thread_id: int) -> Thread | None:
    """The thread when it belongs to `course`; None for any other id (a 404, not a hint)."""
    thread = db.session.get(Thread, thread_id)
    return thread if thread is not None and thread.course_id == course.id else None


def find_post(course: Course, thread_id: int, post_id: int) -> Post | None:
    """The post when it is in that thread of `course`; None for a post of another course or thread."""
    post = db.session.get(Post, post_id)
    if post is None or post.thread_id != thread_id or post.thread.course_id != course.id:
        return None
    return post


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CommunityError(_l("Give a reason: it is recorded in the moderation log."))
    if len(reason) > REASON_LIMIT:
        raise CommunityError(_l("A reason has at most %(limit)s characters.", limit=REASON_LIMIT))
    return reason


def flag(user: User, post: Post, reason: str, note: str = "", *, per_hour: int) -> PostFlag:
    """Record the user's flag on a post; when the post's active flags reach the course's threshold
    it is hidden pending review (an opening post hides its thread). Refused: your own post, a post
    you cannot read, a second active flag, more than `per_hour` flags in the last hour. A racing
    second flag is refused by the partial unique index inside a SAVEPOINT. The caller commits."""
    thread = post.thread
    course = thread.course
    if not user.is_authenticated or not can_read(user, course):
        raise CommunityError(_l("Only the course's members can flag its posts."))
    if is_staff(user, course.id):
        raise CommunityError(_l("As staff, moderate the post directly instead of flagging it."))
    standing = member(user.id)
    if standing is not None and standing.suspended_at is not None:
        raise CommunityError(_l("Your account is suspended from the community; you can still read."))
    if post.author_id == user.id:
        raise CommunityError(_l("You cannot flag your own post."))
    if any(at is not None for at in (post.deleted_at, post.hidden_at, thread.deleted_at, thread.hidden_at)):
        raise CommunityError(_l("This post is already hidden or deleted."))
    if reason not in FLAG_REASONS:
        raise CommunityError(_l("Choose a reason for the flag."))
    note = note.strip()
    if len(note) > REASON_LIMIT:
        raise CommunityError(_l("A note has at most %(limit)s characters.", limit=REASON_LIMIT))
    now = utcnow()
    recent = (
        db.session.scalar(
            select(func.count()).where(PostFlag.user_id == user.id, PostFlag.created_at >= now - FLAG_WINDOW)
        )
        or 0
    )
    if recent >= per_hour:
        raise CommunityError(
            _l("You flagged %(count)s posts in the last hour: please wait before flagging more.", count=recent)
        )
    already = CommunityError(_l("You already flagged this post; the moderators will review it."))
    if db.session.scalar(
        select(PostFlag.id).where(
            PostFlag.post_id == post.id, PostFlag.user_id == user.id, PostFlag.resolved_at.is_(None)
        )
    ):
        raise already
    row = PostFlag(post_id=post.id, user_id=user.id, reason=reason, note=note, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise already from None
    count = db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(active_flag_count=Post.active_flag_count + 1)
        .returning(Post.active_flag_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if count >= course.community_flag_threshold:
        _hide_by_flags(post, now)
    db.session.refresh(post)
    return row


def _hide_by_flags(post: Post, now: datetime) -> None:
    """Hide the post pending review, once even when two flags reach the threshold together; logged
    with no actor (the members' flags did it)."""
    statement = (
        update(Post)
        .where(Post.id == post.id, Post.hidden_at.is_(None))
        .values(hidden_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", db.session.execute(statement)).rowcount != 1:
        return
    if post.position == 1:
        post.thread.hidden_at = now
    _log(None, ModerationAction.HIDE, post.thread, post=post, target_user_id=post.author_id, reason="")


def _resolve_flags(post: Post, actor: User, now: datetime) -> None:
    db.session.execute(
        update(PostFlag)
        .where(PostFlag.post_id == post.id, PostFlag.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    post.active_flag_count = 0


def check_moderator(user: User, course: Course) -> None:
    if not is_staff(user, course.id):
        raise CommunityError(_l("Only the course's instructors and admins moderate its community."))


def moderate_post(actor: User, post: Post, action: str, reason: str | None) -> ModerationLog:
    """Hide, unhide, delete a post or dismiss its flags (which also shows again a post the flags
    hid). Each resolves the post's active flags: the post was reviewed. The caller commits."""
    thread = post.thread
    check_moderator(actor, thread.course)
    reason = clean_reason(reason)
    now = utcnow()
    opening = post.position == 1
    if post.deleted_at is not None:
        raise CommunityError(_l("This post was deleted."))
    if action == ModerationAction.HIDE:
        if post.hidden_at is not None:
            raise CommunityError(_l("This post is already hidden."))
        post.hidden_at = now
        if opening:
            thread.hidden_at = now
    elif action in (ModerationAction.UNHIDE, ModerationAction.DISMISS_FLAGS):
        if action == ModerationAction.UNHIDE and post.hidden_at is None:
            raise CommunityError(_l("This post is not hidden."))
        if action == ModerationAction.DISMISS_FLAGS and not post.active_flag_count:
            raise CommunityError(_l("This post has no flags to dismiss."))
        post.hidden_at = None
        if opening:
            thread.hidden_at = None
    elif action == ModerationAction.DELETE:
        post.deleted_at, post.deleted_by_id = now, actor.id
        if opening:
            thread.deleted_at = now
    else:
        raise CommunityError(_l("Unknown moderation action."))
    _resolve_flags(post, actor, now)
    return _log(actor, ModerationAction(action), thread, post=post, target_user_id=post.author_id, reason=reason)


def moderate_thread(actor: User, thread: Thread, action: str, reason: str | None) -> ModerationLog:
    """Lock a thread (no new replies) or unlock it. The caller commits."""
    check_moderator(actor, thread.course)
    reason = clean_reason(reason)
    if action == ModerationAction.LOCK:
        if thread.locked_at is not None:
            raise CommunityError(_l("This thread is already locked."))
        thread.locked_at = utcnow()
    elif action == ModerationAction.UNLOCK:
        if thread.locked_at is None:
            raise CommunityError(_l("This thread is not locked."))
        thread.locked_at = None
    else:
        raise CommunityError(_l("Unknown moderation action."))
    return _log(actor, ModerationAction(action), thread, reason=reason)


def moderate_member(actor: User, course: Course, target: User, action: str, reason: str | None) -> ModerationLog:
    """Suspend a member of `course` from posting in every course's community, or lift it; they
    still read. Staff and admins are not suspended here (their accounts are the admin's), nor
    yourself. The caller commits."""
    check_moderator(actor, course)
    reason = clean_reason(reason)
    if target.id == actor.id:
        raise CommunityError(_l("You cannot suspend yourself."))
    if enrollment_of(target, course.id) is None:
        raise CommunityError(_l("This person is not a member of this course."))
    if is_staff(target, course.id):
        raise CommunityError(_l("Staff are not suspended from the community; an admin manages their account."))
    standing = standing_of(target.id)
    if action == ModerationAction.SUSPEND:
        if standing.suspended_at is not None:
            raise CommunityError(_l("This member is already suspended."))
        standing.suspended_at, standing.suspended_by_id, standing.suspension_reason = utcnow(), actor.id, reason
    elif action == ModerationAction.UNSUSPEND:
        if standing.suspended_at is None:
            raise CommunityError(_l("This member is not suspended."))
        standing.suspended_at = standing.suspended_by_id = standing.suspension_reason = None
    else:
        raise CommunityError(_l("Unknown moderation action."))
    return _log(actor, ModerationAction(action), None, course_id=course.id, target_user_id=target.id, reason=reason)


def _log(
    actor: User | None,
    action: ModerationAction,
    thread: Thread | None,
    *,
    post: Post | None = None,
    course_id: int | None = None,
    target_user_id: int | None = None,
    reason: str,
) -> ModerationLog:
    row = ModerationLog(
        actor_id=actor.id if actor is not None else None,
        action=action,
        course_id=thread.course_id if thread is not None else course_id,
        thread_id=thread.id if thread is not None else None,
        post_id=post.id if post is not None else None,
        target_user_id=target_user_id,
        reason=reason,
    )
    db.session.add(row)
    db.session.flush()
    post_moderated.send(row)
    return row


def review_queue(course_ids: list[int] | None, limit: int = 100) -> list[QueueEntry]:
    """Posts of these courses (None: every course) with active flags or hidden, not deleted, with
    their active flags, longest waiting first."""
    stmt = (
        select(Post, Thread)
        .join(Thread, Post.thread_id == Thread.id)
        .where(NEEDS_REVIEW, Post.deleted_at.is_(None))
        .options(joinedload(Post.author))
    )
    if course_ids is not None:
        stmt = stmt.where(Thread.course_id.in_(course_ids))
    rows = db.session.execute(stmt).all()
    flags: dict[int, list[PostFlag]] = {}
    if rows:
        for f in db.session.scalars(
            select(PostFlag)
            .where(PostFlag.post_id.in_([p.id for p, _ in rows]), PostFlag.resolved_at.is_(None))
            .order_by(PostFlag.created_at)
        ):
            flags.setdefault(f.post_id, []).append(f)
    entries = []
    for post, thread in rows:
        mine = flags.get(post.id, [])
        since = mine[0].created_at if mine else post.hidden_at or post.created_at
        entries.append(QueueEntry(post, thread, mine, since))
    return sorted(entries, key=lambda e: e.waiting_since)[:limit]


def flaggers(entries: list[QueueEntry]) -> dict[int, User]:
    """The people who raised the entries' flags, by id (one query)."""
    ids = {f.user_id for e in entries for f in e.flags}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def suspended_members(course_ids: list[int] | None) -> list[tuple[User, CommunityMember]]:
    """Suspended members enrolled in one of these courses (None: all), for unsuspending."""
    stmt = select(User, CommunityMember).join(CommunityMember, CommunityMember.user_id == User.id)
    stmt = stmt.where(CommunityMember.suspended_at.is_not(None)).order_by(CommunityMember.suspended_at)
    if course_ids is not None:
        stmt = stmt.where(
            exists().where(Enrollment.user_id == User.id, Enrollment.course_id.in_(course_ids)),
        )
    return [(u, m) for u, m in db.session.execute(stmt).all()]


def log_page(course_ids: list[int] | None, page: int, per_page: int = 50) -> tuple[list[ModerationLog], bool]:
    """One page of the moderation log, newest first, for these courses (None: all); and whether
    there is a next page."""
    stmt = select(ModerationLog).options(joinedload(ModerationLog.actor))
    if course_ids is not None:
        stmt = stmt.where(ModerationLog.course_id.in_(course_ids))
    stmt = stmt.order_by(ModerationLog.created_at.desc(), ModerationLog.id.desc())
    rows = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


@dataclass
class LogNames:
    """What the log's rows point to, loaded once per page: threads, courses and people by id."""

    threads: dict[int, Thread]
    courses: dict[int, Course]
    users: dict[int, User]


def log_names(rows: list[ModerationLog]) -> LogNames:
    thread_ids = {r.thread_id for r in rows if r.thread_id is not None}
    course_ids = {r.course_id for r in rows if r.course_id is not None}
    user_ids = {r.target_user_id for r in rows if r.target_user_id is not None}
    return LogNames(
        threads={t.id: t for t in db.session.scalars(select(Thread).where(Thread.id.in_(thread_ids)))},
        courses={c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_(course_ids)))},
        users={u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))},
    )
