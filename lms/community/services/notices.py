"""What members are told about the community, through notify(...) and the bell: a reply in a thread
they follow, their answer accepted, a mention, a moderator's action on their post, thread or standing.

Each is keyed by the event's own row (the reply's post, the accepted post, the moderation log row),
so a retried request tells nobody twice. A reply reaches every follower but its author in one bulk
INSERT (notify_many), whatever the thread's size. A person both following the thread and mentioned
in a reply is told once, as a mention (it says more: the reply names them): whichever signal comes
first, the reply's notification is turned into the mention, or the reply skips those mentioned.
Times are stored as ISO strings; the texts show them in the recipient's zone and language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup
from sqlalchemy import and_, or_, select, update

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor
from lms.community.models import ModerationAction, ModerationLog, Post, Thread, ThreadFollow
from lms.community.services import can_read
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.notifications.models import Notification, NotificationKind
from lms.notifications.services import notify, notify_many

EXCERPT_LIMIT = 300  # characters of a post's text in its notification

# Moderation the post's (or thread's, or member's) author is told of. Left out: pins (not a judgement
# on anyone), dismissed flags (the author never saw them), an acceptance on the asker's behalf (the
# answerer hears of it as an accepted answer).
TOLD_ACTIONS = frozenset(
    {
        ModerationAction.HIDE,
        ModerationAction.UNHIDE,
        ModerationAction.DELETE,
        ModerationAction.LOCK,
        ModerationAction.UNLOCK,
        ModerationAction.MARK_DUPLICATE,
        ModerationAction.SUSPEND,
        ModerationAction.UNSUSPEND,
    }
)


def thread_url(course: Course, thread: Thread, post: Post | None = None) -> str:
    """The thread's page (at the post, when one is named), as a path on this site."""
    url = f"/courses/{course.slug}/community/{thread.id}"
    return f"{url}#post-{post.id}" if post is not None else url


def excerpt(post: Post) -> str:
    """The post's text without markup (from its sanitised HTML), cut to EXCERPT_LIMIT characters."""
    text = " ".join(Markup(post.body_html).striptags().split())
    return text if len(text) <= EXCERPT_LIMIT else text[: EXCERPT_LIMIT - 1].rstrip() + "…"


def _about_post(post: Post) -> tuple[dict[str, Any], dict[str, Any]]:
    """A reply's or mention's subject (the thread at the post) and the values its texts use."""
    thread, course = post.thread, post.thread.course
    subject = {"title": thread.title, "url": thread_url(course, thread, post), "thread": thread.id, "post": post.id}
    context = {
        "by": post.author.display_name,
        "course": course.title,
        "excerpt": excerpt(post),
        "posted_at": post.created_at.isoformat(),
    }
    return subject, context


def _post_key(post: Post) -> str:
    return f"post:{post.id}"


def _course_readers(course_id: int) -> Any:
    """SQL: the user (User.id) reads this course's community: enrolled (leavers too), its
    instructors, admins (community.services.can_read as a condition, for a set of people)."""
    enrolled = select(Enrollment.id).where(Enrollment.user_id == User.id, Enrollment.course_id == course_id).exists()
    teaches = (
        select(CourseInstructor.email)
        .where(CourseInstructor.course_id == course_id, CourseInstructor.email == User.email)
        .exists()
    )
    return or_(User.role == "admin", enrolled, and_(User.role == "instructor", teaches))


def tell_followers(post: Post) -> list[int]:
    """A COMMUNITY_REPLY for each follower of the reply's thread who still reads the course, but its
    author and those already told of this post as a mention; one bulk INSERT. Returns the new ids."""
    thread = post.thread
    if post.position == 1:
        return []
    mentioned = select(Notification.user_id).where(
        Notification.kind == NotificationKind.COMMUNITY_MENTION, Notification.key == _post_key(post)
    )
    followers = (
        select(User.id)
        .join(ThreadFollow, ThreadFollow.user_id == User.id)
        .where(
            ThreadFollow.thread_id == thread.id,
            User.id != post.author_id,
            User.id.not_in(mentioned),
            _course_readers(thread.course_id),
        )
    )
    subject, context = _about_post(post)
    return notify_many(followers, NotificationKind.COMMUNITY_REPLY, subject, context, _post_key(post))


def tell_mentioned(post: Post, users: Iterable[User]) -> list[int]:
    """A COMMUNITY_MENTION for each person named in the post who reads its course (not its author).
    Those already told of this post as a followed thread's reply have that notification turned into
    the mention, so they hear of the post once. Returns the ids of the notifications added."""
    course = post.thread.course
    told = [user for user in {u.id: u for u in users}.values() if user.id != post.author_id and can_read(user, course)]
    if not told:
        return []
    subject, context = _about_post(post)
    key = _post_key(post)
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id.in_([user.id for user in told]),
            Notification.kind == NotificationKind.COMMUNITY_REPLY,
            Notification.key == key,
        )
        .values(kind=str(NotificationKind.COMMUNITY_MENTION))
        .execution_options(synchronize_session=False)
    )
    added = [notify(user, NotificationKind.COMMUNITY_MENTION, subject, context, key) for user in told]
    return [new_id for new_id in added if new_id is not None]


def tell_accepted(thread: Thread, accepted_by: User | None) -> int | None:
    """Tell the answerer their answer was accepted (by the asker, or staff on the asker's behalf),
    once per answer; nobody when they accepted it themselves or no answer is accepted."""
    post = db.session.get(Post, thread.accepted_post_id) if thread.accepted_post_id is not None else None
    if post is None or (accepted_by is not None and accepted_by.id == post.author_id):
        return None
    subject, context = _about_post(post)
    context |= {
        "by": accepted_by.display_name if accepted_by else "",
        "for_asker": accepted_by is not None and accepted_by.id != thread.author_id,
        "accepted_at": (thread.accepted_at or post.created_at).isoformat(),
    }
    return notify(post.author, NotificationKind.ANSWER_ACCEPTED, subject, context, _post_key(post))


def moderated_person(entry: ModerationLog) -> tuple[User | None, Post | None, Thread | None]:
    """Whom a moderation entry is about: the post's author, else the thread's, else the member
    named (a suspension); with the post and thread it names."""
    post = db.session.get(Post, entry.post_id) if entry.post_id is not None else None
    thread = post.thread if post is not None else None
    if thread is None and entry.thread_id is not None:
        thread = db.session.get(Thread, entry.thread_id)
    if post is not None:
        return post.author, post, thread
    if thread is not None:
        return thread.author, None, thread
    user = db.session.get(User, entry.target_user_id) if entry.target_user_id is not None else None
    return user, None, None


def tell_moderated(entry: ModerationLog) -> int | None:
    """Tell the author of the post or thread a moderator acted on (or the member suspended or
    reinstated) what was done and why; never the moderator who did it. The moderator's name is
    not given: the community's decisions are the team's. None when nobody is to be told."""
    if entry.action not in TOLD_ACTIONS:
        return None
    person, post, thread = moderated_person(entry)
    if person is None or person.id == entry.actor_id:
        return None
    course = thread.course if thread is not None else None
    duplicate_of = db.session.get(Thread, thread.duplicate_of_id) if thread and thread.duplicate_of_id else None
    subject = {
        "title": thread.title if thread is not None else "",
        "url": thread_url(course, thread, post) if course and thread else "/community/conduct",
        "moderation": entry.id,
    }
    context = {
        "action": entry.action,
        "on_post": post is not None and post.position > 1,
        "course": course.title if course is not None else "",
        "reason": entry.reason if entry.action != ModerationAction.MARK_DUPLICATE else "",
        "duplicate_of": duplicate_of.title if duplicate_of is not None else "",
        "moderated_at": entry.created_at.isoformat(),
    }
    return notify(person, NotificationKind.POST_MODERATED, subject, context, f"moderation:{entry.id}")
