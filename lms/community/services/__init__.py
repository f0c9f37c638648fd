"""Community core: who may read and post in a course's community, asking a question or starting a
discussion, and replying. The other slices build on these: answers.py (votes, accept, staff marks,
FAQ), moderation.py (flags, the queue, hide/lock/delete/suspend), conduct.py (the code of conduct),
figures.py (the staff queue, the SLA and answer-time figures).

Counters live on the rows: a reply increments its thread's `reply_count` in one UPDATE that also
hands out the reply's position, so two racing replies get two positions, never the same one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import nh3
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from lms.catalog.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from lms.catalog.models import Course, Item
from lms.community.models import (
    BODY_LIMIT,
    CONDUCT_VERSION,
    TAG_LIMIT,
    TITLE_LIMIT,
    CommunityMember,
    Post,
    Thread,
    ThreadFollow,
    ThreadKind,
    ThreadTag,
)
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.signals import post_replied, thread_asked
from lms.teaching.services import teaches

if TYPE_CHECKING:
    from lms.accounts.models import User

TAGS_PER_THREAD = 5


class CommunityError(UserError):
    """A refusal to read, post or moderate, worded for the person refused."""


class ConductRequired(CommunityError):
    """The member has not accepted the code of conduct's current version: views send them to it."""


def is_staff(user: User, course_id: int) -> bool:
    """The course's instructors and every admin: they answer as staff and moderate."""
    return user.is_authenticated and teaches(user, course_id)


def enrollment_of(user: User, course_id: int) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course_id))


def member(user_id: int) -> CommunityMember | None:
    return db.session.get(CommunityMember, user_id)


def can_read(user: User, course: Course) -> bool:
    """Enrolled learners (also after leaving the course) and the course's staff read its threads.
    Signed-out visitors and other members see that the community exists, not what is in it."""
    return is_staff(user, course.id) or enrollment_of(user, course.id) is not None


def check_can_post(user: User, course: Course) -> None:
    """Raise CommunityError unless the user may write in the course's community now."""
    if not user.is_authenticated:
        raise CommunityError(_l("Sign in to take part in the discussion."))
    standing = member(user.id)
    if standing is not None and standing.suspended_at is not None:
        raise CommunityError(_l("Your account is suspended from the community; you can still read."))
    if standing is None or standing.conduct_version != CONDUCT_VERSION:
        raise ConductRequired(_l("Please read and accept the code of conduct before your first post."))
    if is_staff(user, course.id):
        return
    enrollment = enrollment_of(user, course.id)
    if enrollment is None:
        raise CommunityError(_l("Enroll in the course to ask and answer questions."))
    if enrollment.left_at is not None:
        raise CommunityError(_l("You left this course: you can read its discussion but no longer post."))


def check_thread_open(thread: Thread) -> None:
    if thread.deleted_at is not None or thread.hidden_at is not None:
        raise CommunityError(_l("This thread is no longer open."))
    if thread.locked_at is not None:
        raise CommunityError(_l("This thread is locked: no new replies."))


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise CommunityError(_l("Give your question a title."))
    if len(title) > TITLE_LIMIT:
        raise CommunityError(_l("A title has at most %(limit)s characters.", limit=TITLE_LIMIT))
    return title


def clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise CommunityError(_l("Write something first."))
    if len(body) > BODY_LIMIT:
        raise CommunityError(_l("A post has at most %(limit)s characters.", limit=f"{BODY_LIMIT:,}"))
    return body


def clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned = sorted({t.strip().lower().lstrip("#") for t in tags if t.strip()})
    if len(cleaned) > TAGS_PER_THREAD:
        raise CommunityError(_l("At most %(limit)s tags.", limit=TAGS_PER_THREAD))
    if any(len(t) > TAG_LIMIT or not t.replace("-", "").replace("_", "").isalnum() for t in cleaned):
        raise CommunityError(_l("Tags are single words of letters, digits and dashes."))
    return cleaned


def render_post(body: str) -> str:
    """A post's Markdown as the lessons render it (highlighted code), sanitised, its links marked as
    members' (rel="nofollow ugc noopener") so that spam earns no search ranking and opens nothing."""
    return nh3.clean(
        render_markdown(body),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        filter_style_properties={"text-align"},
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
    tags: Iterable[str] = (),
) -> Thread:
    """Open a thread (the opening post is position 1) about the course, one of its modules or
    an item, remembering the item's content hash so the thread can say when the item changed.
    The asker follows it. The caller commits."""
    check_can_post(user, course)
    if item is not None and item.course_id != course.id:
        raise CommunityError(_l("That lesson is not part of this course."))
    title, body, tag_names = clean_title(title), clean_body(body), clean_tags(tags)
    now = utcnow()
    thread = Thread(
        course_id=course.id,
        module_slug=item.module.slug if item is not None else module_slug,
        item_slug=item.slug if item is not None else None,
        item_id=item.id if item is not None else None,
        item_sha256=item.content_sha256 if item is not None else None,
        kind=kind,
        title=title,
        author_id=user.id,
        created_at=now,
        last_activity_at=now,
    )
    thread.tags = [ThreadTag(tag=t) for t in tag_names]
    db.session.add(thread)
    db.session.flush()
    db.session.add(
        Post(
            thread_id=thread.id,
            position=1,
            author_id=user.id,
            body=body,
            body_html=render_post(body),
            by_staff=is_staff(user, course.id),
            created_at=now,
        )
    )
    db.session.add(ThreadFollow(thread_id=thread.id, user_id=user.id, created_at=now))
    db.session.flush()
    thread_asked.send(thread)
    return thread


def reply(user: User, thread: Thread, body: str) -> Post:
    """Add a reply at the thread's next position, keeping the thread's counters and answer times
    in the same UPDATE. The caller commits."""
    check_can_post(user, thread.course)
    check_thread_open(thread)
    body = clean_body(body)
    now = utcnow()
    staff = is_staff(user, thread.course_id)
    counters: dict[str, object] = {"reply_count": Thread.reply_count + 1, "last_activity_at": now}
    if user.id != thread.author_id:  # an answer, for the queue and the figures
        counters["first_reply_at"] = func.coalesce(Thread.first_reply_at, now)
        if staff:
            counters["first_staff_answer_at"] = func.coalesce(Thread.first_staff_answer_at, now)
    position = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(counters)
        .returning(Thread.reply_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    post = Post(
        thread_id=thread.id,
        position=position + 1,
        author_id=user.id,
        body=body,
        body_html=render_post(body),
        by_staff=staff,
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    db.session.refresh(thread)
    post_replied.send(post)
    return post
