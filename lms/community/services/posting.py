"""Posting: a course's list of threads, a thread's pages, and writing beyond the core's ask and
reply: the limits against spam (a post rate for new accounts, a link count), @mentions of course
members, editing with its history, the author's delete (a tombstone), follows and duplicates.

Limits are checked before anything is written and counted in the database, so they hold across
processes; a refused post leaves no row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor, Item
from lms.community import services as core
from lms.community.models import (
    ModerationAction,
    ModerationLog,
    Post,
    PostFlag,
    PostRevision,
    PostVote,
    Thread,
    ThreadFollow,
    ThreadKind,
    ThreadTag,
)
from lms.community.services import CommunityError
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.signals import members_mentioned, post_moderated

MAX_ID = 2**31 - 1  # beyond an integer column: no such row (PostgreSQL would refuse the query)
THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 50
# A web address, linked or bare: spam counts by addresses, whatever the Markdown around them.
_LINK = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
# @Name: a display name without its spaces. Read from the rendered text, so `@decorator` in code is no mention.
_MENTION = re.compile(r"(?<![\w@/.])@(\w[\w.-]*)")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_NO_MENTIONS_IN = {"code", "pre", "a"}


class ThreadFilter(StrEnum):
    UNANSWERED = "unanswered"  # questions no one but the asker has replied to
    MINE = "mine"  # asked or replied to by the viewer
    FOLLOWED = "followed"


@dataclass(frozen=True)
class ThreadRow:
    thread: Thread
    item_title: str | None
    author_name: str

    @property
    def answered(self) -> bool:
        return self.thread.first_reply_at is not None

    @property
    def accepted(self) -> bool:
        return self.thread.accepted_post_id is not None


@dataclass(frozen=True)
class ThreadList:
    rows: list[ThreadRow]
    page: int
    has_next: bool


@dataclass(frozen=True)
class PostPage:
    posts: list[Post]
    page: int
    pages: int


def list_threads(
    user: User,
    course: Course,
    *,
    thread_filter: str | None = None,
    item_slug: str | None = None,
    module_slug: str | None = None,
    tag: str | None = None,
    page: int = 1,
) -> ThreadList:
    """A page of the course's threads, pinned first, then by last activity. Two queries for the
    rows (the pinned few, then the rest from the (course, last activity) index) and one for tags;
    counters come from the thread rows."""
    where = [Thread.course_id == course.id, *_filters(user, thread_filter, item_slug, module_slug, tag)]
    if not core.is_staff(user, course.id):
        where += [Thread.hidden_at.is_(None), Thread.deleted_at.is_(None)]
    rows = select(Thread, Item.title, User.display_name).outerjoin(Item, Item.id == Thread.item_id)
    rows = rows.join(User, User.id == Thread.author_id).options(selectinload(Thread.tags))
    order = (Thread.last_activity_at.desc(), Thread.id.desc())
    pinned = db.session.execute(rows.where(*where, Thread.pinned_at.is_not(None)).order_by(*order)).all()
    start = (page - 1) * THREADS_PER_PAGE
    shown = pinned[start : start + THREADS_PER_PAGE]
    wanted = THREADS_PER_PAGE - len(shown)
    rest = db.session.execute(
        rows.where(*where, Thread.pinned_at.is_(None))
        .order_by(*order)
        .offset(max(0, start - len(pinned)))
        .limit(wanted + 1)
    ).all()
    has_next = len(pinned) > start + THREADS_PER_PAGE or len(rest) > wanted
    found = [*shown, *rest[:wanted]]
    return ThreadList([ThreadRow(t, title, name) for t, title, name in found], page, has_next)


def _filters(
    user: User, thread_filter: str | None, item_slug: str | None, module_slug: str | None, tag: str | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if thread_filter == ThreadFilter.UNANSWERED:
        where += [Thread.kind == ThreadKind.QUESTION, Thread.first_reply_at.is_(None)]
    elif thread_filter == ThreadFilter.MINE and user.is_authenticated:
        replied = exists().where(Post.thread_id == Thread.id, Post.author_id == user.id)
        where.append(or_(Thread.author_id == user.id, replied))
    elif thread_filter == ThreadFilter.FOLLOWED and user.is_authenticated:
        where.append(exists().where(ThreadFollow.thread_id == Thread.id, ThreadFollow.user_id == user.id))
    if item_slug:
        where.append(Thread.item_slug == item_slug)
    if module_slug:
        where.append(Thread.module_slug == module_slug)
    if tag:
        where.append(exists().where(ThreadTag.thread_id == Thread.id, ThreadTag.tag == tag.lower()))
    return where


def readable_thread(user: User, course: Course, thread_id: int) -> Thread | None:
    """The thread if it belongs to the course and the user may read it (a hidden thread: staff
    only); None otherwise, so that views answer 404 alike for another course's id and no access."""
    thread = db.session.get(Thread, thread_id) if 0 < thread_id <= MAX_ID else None
    if thread is None or thread.course_id != course.id or not core.can_read(user, course):
        return None
    if thread.hidden_at is not None and not core.is_staff(user, course.id):
        return None
    return thread


def thread_post(thread: Thread, post_id: int) -> Post | None:
    """A post of this thread (None for another thread's post id)."""
    post = db.session.get(Post, post_id) if 0 < post_id <= MAX_ID else None
    return post if post is not None and post.thread_id == thread.id else None


def post_page(thread: Thread, page: int) -> PostPage:
    """One page of the thread's posts by position, with their authors (one query on the
    (thread, position) index)."""
    pages = max(1, -(-(thread.reply_count + 1) // POSTS_PER_PAGE))
    page = min(max(page, 1), pages)
    first = (page - 1) * POSTS_PER_PAGE + 1
    posts = db.session.scalars(
        select(Post)
        .where(Post.thread_id == thread.id, Post.position.between(first, first + POSTS_PER_PAGE - 1))
        .order_by(Post.position)
        .options(joinedload(Post.author))
    ).all()
    return PostPage(list(posts), page, pages)


def page_of(post: Post) -> int:
    return (post.position - 1) // POSTS_PER_PAGE + 1


def viewer_marks(user: User, posts: list[Post]) -> tuple[set[int], set[int]]:
    """Ids of these posts the viewer upvoted, and of those they flagged (unresolved)."""
    ids = [p.id for p in posts]
    if not user.is_authenticated or not ids:
        return set(), set()
    votes = db.session.scalars(select(PostVote.post_id).where(PostVote.user_id == user.id, PostVote.post_id.in_(ids)))
    flags = db.session.scalars(
        select(PostFlag.post_id).where(
            PostFlag.user_id == user.id, PostFlag.post_id.in_(ids), PostFlag.resolved_at.is_(None)
        )
    )
    return set(votes), set(flags)


def is_following(user: User, thread: Thread) -> bool:
    return user.is_authenticated and db.session.get(ThreadFollow, (thread.id, user.id)) is not None


def revisions(post: Post) -> list[PostRevision]:
    """The post's earlier versions, newest first."""
    return list(
        db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.id.desc()))
    )


# Writing ---------------------------------------------------------------------------------------


def check_limits(user: User, course: Course, body: str, *, new_post: bool = True) -> None:
    """Refuse a post with too many links, or one over a new account's hourly rate. Staff are trusted."""
    if core.is_staff(user, course.id):
        return
    config = current_app.config
    young = user.created_at > utcnow() - timedelta(days=config["COMMUNITY_NEW_ACCOUNT_DAYS"])
    most = config["COMMUNITY_NEW_ACCOUNT_MAX_LINKS" if young else "COMMUNITY_MAX_LINKS"]
    if len(_LINK.findall(body)) > most:
        if young:
            raise CommunityError(_l("New accounts may put at most %(most)s links in a post.", most=most))
        raise CommunityError(_l("A post may hold at most %(most)s links.", most=most))
    if new_post and young:
        hourly = config["COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR"]
        recent = db.session.scalar(
            select(func.count())
            .select_from(Post)
            .where(Post.author_id == user.id, Post.created_at > utcnow() - timedelta(hours=1))
        )
        if (recent or 0) >= hourly:
            raise CommunityError(
                _l(
                    "You have reached the posting limit of new accounts (at most %(count)s an hour). "
                    "Please wait a little before posting again.",
                    count=hourly,
                )
            )


def ask(
    user: User,
    course: Course,
    *,
    title: str,
    body: str,
    kind: ThreadKind = ThreadKind.QUESTION,
    item: Item | None = None,
    module_slug: str | None = None,
    tags: list[str] | None = None,
) -> Thread:
    """Open a thread through the core, after the limits; mentions in the opening post are marked
    and their members told. The caller commits."""
    core.check_can_post(user, course)
    check_limits(user, course, body)
    thread = core.ask(
        user, course, title=title, body=body, kind=kind, item=item, module_slug=module_slug, tags=tags or ()
    )
    opening = db.session.scalars(select(Post).where(Post.thread_id == thread.id, Post.position == 1)).one()
    _mention(opening, course, already=set())
    return thread


def reply(user: User, thread: Thread, body: str) -> Post:
    """Reply through the core, after the limits; the replier follows the thread; mentions marked
    and told. The caller commits."""
    core.check_can_post(user, thread.course)
    core.check_thread_open(thread)
    check_limits(user, thread.course, body)
    post = core.reply(user, thread, body)
    follow(user, thread)  # who replies hears of the replies that follow
    _mention(post, thread.course, already=set())
    return post


def edit(user: User, post: Post, body: str, title: str | None = None) -> Post:
    """The author rewrites a post (and, for the opening post, the thread's title unless None). The previous
    version is kept as a PostRevision; only members newly mentioned are told. The caller commits."""
    thread = post.thread
    if post.author_id != user.id:
        raise CommunityError(_l("Only the author can edit a post."))
    if post.deleted_at is not None:
        raise CommunityError(_l("A deleted post cannot be edited."))
    if post.hidden_at is not None:
        raise CommunityError(_l("This post is hidden pending review and cannot be edited now."))
    core.check_can_post(user, thread.course)
    core.check_thread_open(thread)
    body = core.clean_body(body)
    opening = post.position == 1
    new_title = core.clean_title(title) if opening and title is not None else thread.title
    if body == post.body and new_title == thread.title:
        return post
    check_limits(user, thread.course, body, new_post=False)
    before = {u.id for u in _members_named(thread.course, _handles(core.render_post(post.body)))}
    db.session.add(
        PostRevision(post_id=post.id, body=post.body, title=thread.title if opening else None, editor_id=user.id)
    )
    post.body, post.body_html, post.edited_at = body, core.render_post(body), utcnow()
    thread.title = new_title
    db.session.flush()
    _mention(post, thread.course, already=before)
    return post


def delete_own(user: User, post: Post) -> None:
    """The author deletes a post: a tombstone keeps its place. Deleting the opening post deletes
    the thread (its title stays for links). The caller commits."""
    if post.author_id != user.id:
        raise CommunityError(_l("Only the author can delete a post."))
    if post.deleted_at is not None:
        raise CommunityError(_l("This post is already deleted."))
    now = utcnow()
    post.deleted_at, post.deleted_by_id = now, user.id
    if post.position == 1:
        post.thread.deleted_at = now
    db.session.flush()


def follow(user: User, thread: Thread) -> None:
    """Follow a thread the user may read (twice is once)."""
    if db.session.get(ThreadFollow, (thread.id, user.id)) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(ThreadFollow(thread_id=thread.id, user_id=user.id))
    except IntegrityError:  # a double click raced us: followed all the same
        pass


def unfollow(user: User, thread: Thread) -> None:
    db.session.execute(delete(ThreadFollow).where(ThreadFollow.thread_id == thread.id, ThreadFollow.user_id == user.id))


def mark_duplicate(user: User, thread: Thread, original_ref: str) -> Thread:
    """The asker or staff point a thread at the one it repeats (of the same course), given by its
    number or its address. Staff doing it is logged as moderation. Returns the original."""
    staff = core.is_staff(user, thread.course_id)
    if not staff:
        if thread.author_id != user.id:
            raise CommunityError(_l("Only the asker or the course's staff can mark a thread as a duplicate."))
        core.check_can_post(user, thread.course)
    match = re.search(r"(\d+)/?\s*(?:[?#].*)?$", original_ref.strip())
    original = db.session.get(Thread, int(match[1])) if match and 0 < int(match[1]) <= MAX_ID else None
    if original is None or original.course_id != thread.course_id or original.deleted_at or original.hidden_at:
        raise CommunityError(_l("Give the number or the address of another thread of this course."))
    seen = {thread.id}
    while original.duplicate_of_id is not None and original.id not in seen:  # point at the first of a chain
        seen.add(original.id)
        original = db.session.get(Thread, original.duplicate_of_id) or original
    if original.id in seen:
        raise CommunityError(_l("A thread cannot be a duplicate of itself."))
    thread.duplicate_of_id = original.id
    if staff:
        opening = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.position == 1))
        entry = ModerationLog(
            actor_id=user.id,
            action=ModerationAction.MARK_DUPLICATE,
            course_id=thread.course_id,
            thread_id=thread.id,
            post_id=opening,
            target_user_id=thread.author_id,
            reason=f"#{original.id}",
        )
        db.session.add(entry)
        db.session.flush()
        post_moderated.send(entry)
    db.session.flush()
    return original


# Mentions --------------------------------------------------------------------------------------


def _text_parts(html: str) -> list[tuple[str, bool]]:
    """The HTML as (piece, is text where a mention counts): tags and the insides of code,
    preformatted blocks and links are not."""
    parts: list[tuple[str, bool]] = []
    inside = 0
    for piece in _TAG_OR_TEXT.split(html):
        if piece.startswith("<"):
            name = piece[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if len(piece) > 2 else ""
            if name in _NO_MENTIONS_IN:
                inside += -1 if piece.startswith("</") else 1
            parts.append((piece, False))
        elif piece:
            parts.append((piece, inside <= 0))
    return parts


def _handles(html: str) -> set[str]:
    """The @handles written outside code and links, as written (compared without case later)."""
    found: set[str] = set()
    for piece, text in _text_parts(html):
        if text:
            found |= {m.rstrip(".-") for m in _MENTION.findall(piece)}
    return found


def _members_named(course: Course, handles: set[str]) -> list[User]:
    """Course members (enrolled learners who have not left, its instructors, admins) whose display
    name without spaces is one of the handles, whatever the case. SQLite lowers ASCII letters only,
    so the handles are also looked up as written (`@Élodie`), then compared in Python."""
    if not handles:
        return []
    joined = func.replace(User.display_name, " ", "")
    lowered = {h.lower() for h in handles}
    learners = select(Enrollment.user_id).where(Enrollment.course_id == course.id, Enrollment.left_at.is_(None))
    teachers = select(CourseInstructor.email).where(CourseInstructor.course_id == course.id)
    staff = or_(User.role == "admin", and_(User.role == "instructor", User.email.in_(teachers)))
    named = or_(func.lower(joined).in_(sorted(lowered)), joined.in_(sorted(handles)))
    found = db.session.scalars(select(User).where(named, User.active.is_(True), or_(User.id.in_(learners), staff)))
    return [u for u in found if "".join(u.display_name.split()).lower() in lowered]


def _mention(post: Post, course: Course, *, already: set[int]) -> None:
    """Highlight @mentions of course members in the post's HTML and tell the newly mentioned."""
    members = _members_named(course, _handles(post.body_html))
    if not members:
        return
    names = {"".join(m.display_name.split()).lower() for m in members}

    def mark(match: re.Match[str]) -> str:
        handle = match[1].rstrip(".-")
        if handle.lower() not in names:
            return match[0]
        return f'<span class="mention">@{handle}</span>{match[1][len(handle) :]}'

    parts = _text_parts(post.body_html)
    post.body_html = "".join(_MENTION.sub(mark, piece) if text else piece for piece, text in parts)
    db.session.flush()
    told = [m for m in members if m.id not in already and m.id != post.author_id]
    if told:
        members_mentioned.send(post, users=told)
