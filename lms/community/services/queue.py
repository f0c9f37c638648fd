"""The staff queue: each course's questions nobody but the asker has replied to, oldest first, with
their age against the course's SLA (`courses.community_sla_hours`, from course.yml); and the SLA
breach: the worker tells the course's staff once per question that waits longer than that.

A question leaves the queue at its first reply by anyone but its asker (`first_reply_at`, kept by
the core's reply()), and when it is accepted, locked, hidden, deleted or marked a duplicate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, literal, select, update

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor, Item
from lms.community.models import Thread, ThreadKind
from lms.db import UTCDateTime
from lms.extensions import db
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify
from lms.teaching.services import taught_courses

if TYPE_CHECKING:
    from sqlalchemy.orm import InstrumentedAttribute

QUEUE_LIMIT = 200  # rows a queue page lists (the oldest); the count says how many wait in all


def thread_path(course_slug: str, thread_id: int) -> str:
    """A thread's page (the `community.thread` route), as a path: mails and the queue link to it."""
    return f"/courses/{course_slug}/community/{thread_id}"


def seconds_between(later: ColumnElement | InstrumentedAttribute, earlier: ColumnElement | InstrumentedAttribute):
    """SQL for `later - earlier` in seconds, on PostgreSQL and SQLite alike (NULL if either is)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0  # SQLite keeps UTC text


def at(moment: datetime) -> ColumnElement:
    """A moment as a SQL value stored the way the time columns are (for seconds_between)."""
    return literal(moment, UTCDateTime())


def unanswered() -> ColumnElement[bool]:
    """The rule of the queue: an open question without a reply by anyone but its asker."""
    return and_(
        Thread.kind == ThreadKind.QUESTION,
        Thread.first_reply_at.is_(None),
        Thread.accepted_at.is_(None),
        Thread.deleted_at.is_(None),
        Thread.hidden_at.is_(None),
        Thread.locked_at.is_(None),
        Thread.duplicate_of_id.is_(None),
    )


def overdue(now: datetime) -> ColumnElement[bool]:
    """Older than its course's SLA at `now` (joined with courses)."""
    return seconds_between(at(now), Thread.created_at) > cast(Course.community_sla_hours, Float) * 3600


@dataclass(frozen=True)
class QueueEntry:
    """One waiting question, as the queue lists it."""

    thread_id: int
    title: str
    url: str
    course_slug: str
    course_title: str
    item_title: str | None
    asker: str
    asked_at: datetime
    reply_count: int  # the asker's own follow-ups
    age: timedelta
    sla: timedelta

    @property
    def overdue(self) -> bool:
        return self.age > self.sla

    @property
    def late_by(self) -> timedelta:
        return self.age - self.sla

    @property
    def due_in(self) -> timedelta:
        return self.sla - self.age


@dataclass(frozen=True)
class QueueCount:
    waiting: int
    overdue: int


def queue_courses(user: User) -> list[Course]:
    """The courses whose queue the user sees: those they teach (every live course for admins)."""
    return taught_courses(user)


def waiting_questions(courses: list[Course], now: datetime, limit: int = QUEUE_LIMIT) -> list[QueueEntry]:
    """The oldest `limit` unanswered questions of these courses, oldest first (one query)."""
    if not courses:
        return []
    rows = db.session.execute(
        select(
            Thread.id,
            Thread.title,
            Thread.created_at,
            Thread.reply_count,
            Course.slug,
            Course.title,
            Course.community_sla_hours,
            Item.title,
            User.display_name,
        )
        .join(Course, Course.id == Thread.course_id)
        .join(User, User.id == Thread.author_id)
        .outerjoin(Item, Item.id == Thread.item_id)
        .where(Thread.course_id.in_([c.id for c in courses]), unanswered())
        .order_by(Thread.created_at, Thread.id)
        .limit(limit)
    )
    return [
        QueueEntry(
            thread_id=thread_id,
            title=title,
            url=thread_path(slug, thread_id),
            course_slug=slug,
            course_title=course_title,
            item_title=item_title,
            asker=asker,
            asked_at=asked_at,
            reply_count=replies,
            age=now - asked_at,
            sla=timedelta(hours=sla_hours),
        )
        for thread_id, title, asked_at, replies, slug, course_title, sla_hours, item_title, asker in rows
    ]


def queue_counts(course_ids: list[int], now: datetime) -> dict[int, QueueCount]:
    """Per course: how many questions wait, and how many of them are overdue (one query)."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Thread.course_id, func.count(), func.sum(case((overdue(now), 1), else_=0)))
        .join(Course, Course.id == Thread.course_id)
        .where(Thread.course_id.in_(course_ids), unanswered())
        .group_by(Thread.course_id)
    )
    counts = {course_id: QueueCount(waiting, int(late or 0)) for course_id, waiting, late in rows}
    return {course_id: counts.get(course_id, QueueCount(0, 0)) for course_id in course_ids}


@dataclass(frozen=True)
class Breach:
    """A question found overdue and not yet told: who is told, and what."""

    thread_id: int
    title: str
    course_id: int
    course_slug: str
    course_title: str
    sla_hours: int
    asked_at: datetime


def find_breaches(now: datetime) -> list[Breach]:
    """Unanswered questions of live courses older than their course's SLA whose staff were not told
    yet (one query)."""
    rows = db.session.execute(
        select(
            Thread.id,
            Thread.title,
            Course.id,
            Course.slug,
            Course.title,
            Course.community_sla_hours,
            Thread.created_at,
        )
        .join(Course, Course.id == Thread.course_id)
        .where(unanswered(), Thread.sla_notified_at.is_(None), Course.archived_at.is_(None), overdue(now))
        .order_by(Thread.created_at, Thread.id)
    )
    return [Breach(*row) for row in rows]


def course_staff(course_ids: list[int]) -> dict[int, list[User]]:
    """The active instructors with an account of each course (one query); admins for a course that
    has none, so an overdue question is never told to nobody."""
    staff: dict[int, list[User]] = {course_id: [] for course_id in course_ids}
    rows = db.session.execute(
        select(CourseInstructor.course_id, User)
        .join(User, User.email == CourseInstructor.email)
        .where(
            CourseInstructor.course_id.in_(course_ids), User.active.is_(True), User.role.in_(("instructor", "admin"))
        )
        .order_by(User.id)
    )
    for course_id, user in rows:
        staff[course_id].append(user)
    if any(not people for people in staff.values()):
        admins = list(db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))))
        for people in staff.values():
            people.extend(admins if not people else [])
    return staff


def notify_overdue(now: datetime) -> int:
    """Tell each course's staff of every question waiting past the course's SLA, once per question:
    the question is marked told (`sla_notified_at`) in the same transaction, by an UPDATE that only
    a question not yet told passes. Returns how many questions were told. Flushes."""
    breaches = find_breaches(now)
    if not breaches:
        return 0
    claimed = set(
        db.session.scalars(
            update(Thread)
            .where(Thread.id.in_([b.thread_id for b in breaches]), Thread.sla_notified_at.is_(None))
            .values(sla_notified_at=now)
            .returning(Thread.id)
            .execution_options(synchronize_session=False)
        )
    )
    staff = course_staff(sorted({b.course_id for b in breaches}))
    for breach in breaches:
        if breach.thread_id not in claimed:
            continue
        subject = {
            "title": breach.title,
            "url": thread_path(breach.course_slug, breach.thread_id),
            "thread_id": breach.thread_id,
            "course_slug": breach.course_slug,
        }
        context = {
            "course": breach.course_title,
            "asked_at": breach.asked_at.isoformat(),
            "sla_hours": breach.sla_hours,
        }
        for user in staff[breach.course_id]:
            notify(user, NotificationKind.COMMUNITY_OVERDUE, subject, context, f"thread:{breach.thread_id}")
    return len(claimed)
