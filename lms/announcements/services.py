"""Who an author may write to, the fan-out of an announcement into notification rows, and what a
learner's dashboard shows until they dismiss it.

The web request stores the announcement; the worker (tasks.fan_out) writes one notification per
recipient in bulk, chunk by chunk (INSERT ... ON CONFLICT DO NOTHING on the notifications' unique
event key), so a fan-out run twice adds nothing and hands each new row to the mail queue once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, select, update

from lms.accounts.models import Team, User, team_members
from lms.accounts.services import read_with_login
from lms.announcements.models import Announcement, AnnouncementDismissal, AnnouncementState, Audience
from lms.catalog.markdown import render_markdown
from lms.db import insert_for, utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.notifications.models import Delivery, EmailState, Notification, NotificationKind, NotificationPreference
from lms.teaching.services import taught_courses

if TYPE_CHECKING:
    from lms.accounts.models import SessionUser

KEY_PREFIX = "announcement:"
CHUNK = 1000  # rows per INSERT: a short transaction each, well under SQLite's bound-parameter limit
SHOWN_LIMIT = 5  # the newest undismissed announcements a dashboard shows
OPEN = "announcements_open"  # SessionUser.also: how many this viewer has not dismissed


@dataclass(frozen=True)
class Target:
    """One audience an author may choose: its kind, its course or team, and its name in the form."""

    audience: Audience
    id: int | None
    label: str

    @property
    def value(self) -> str:
        """The form's value for it: "course:12", "team:3", "everyone"."""
        return f"{self.audience}:{self.id}" if self.id is not None else str(self.audience)


@dataclass(frozen=True)
class Shown:
    """An announcement on a learner's dashboard (hashable: the page cache keys on it)."""

    id: int
    title: str
    author: str
    body_html: Markup


def targets(user: User | SessionUser) -> list[Target]:
    """Whom this author may write to: instructors the learners of each course they teach; admins
    everyone, any live course's learners and any team."""
    courses = [Target(Audience.COURSE, c.id, c.title) for c in taught_courses(user)]  # type: ignore[arg-type]
    if user.role != "admin":
        return courses
    teams = [Target(Audience.TEAM, t.id, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))]
    return [Target(Audience.EVERYONE, None, str(_l("Everyone"))), *courses, *teams]


def target_for(user: User | SessionUser, value: str | None) -> Target | None:
    """The author's target with this form value; None for one they may not write to (or none at all)."""
    return next((t for t in targets(user) if t.value == value), None)


def _recipients(audience: str, course_id: int | None, team_id: int | None) -> Select[tuple[int]]:
    users = User.__table__.c
    if audience == Audience.COURSE:
        return (
            select(users.id)
            .join(Enrollment, Enrollment.user_id == users.id)
            .where(Enrollment.course_id == course_id, users.active)
        )
    if audience == Audience.TEAM:
        return (
            select(users.id)
            .join(team_members, team_members.c.user_id == users.id)
            .where(team_members.c.team_id == team_id, users.active)
        )
    return select(users.id).where(users.active)


def count_recipients(target: Target) -> int:
    """How many active accounts the target reaches now (the preview's number)."""
    course_id = target.id if target.audience == Audience.COURSE else None
    team_id = target.id if target.audience == Audience.TEAM else None
    query = _recipients(target.audience, course_id, team_id).subquery()
    return db.session.scalar(select(func.count()).select_from(query)) or 0


def create(author_id: int, target: Target, title: str, body: str) -> Announcement:
    """Store a checked announcement, queued for the worker's fan-out. Flushes."""
    announcement = Announcement(
        author_id=author_id,
        audience=str(target.audience),
        course_id=target.id if target.audience == Audience.COURSE else None,
        team_id=target.id if target.audience == Audience.TEAM else None,
        title=title.strip(),
        body=body,
        body_html=render_markdown(body),
        state=AnnouncementState.QUEUED,
    )
    db.session.add(announcement)
    db.session.flush()
    return announcement


def authored(user: User | SessionUser, limit: int = 100) -> list[Announcement]:
    """The author's announcements, newest first (an admin's list holds everyone's)."""
    query = select(Announcement).order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(limit)
    if user.role != "admin":
        query = query.where(Announcement.author_id == user.id)
    return list(db.session.scalars(query))


def start_fan_out(announcement_id: int) -> Announcement | None:
    """Mark the announcement as being sent; None if it is gone or already sent. Flushes."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or announcement.state == AnnouncementState.SENT:
        return None
    announcement.state = AnnouncementState.SENDING
    db.session.flush()
    return announcement


def stalled(written_before: datetime) -> list[int]:
    """Announcements not sent though written before this moment: their enqueue failed (the queue
    was down) or their worker died mid-fan-out. Oldest first."""
    query = select(Announcement.id).where(
        Announcement.state != AnnouncementState.SENT, Announcement.created_at < written_before
    )
    return list(db.session.scalars(query.order_by(Announcement.id)))


def recipient_ids(announcement: Announcement) -> list[int]:
    """The accounts its audience reaches now, by id (one query)."""
    query = _recipients(announcement.audience, announcement.course_id, announcement.team_id)
    return list(db.session.scalars(query.order_by(User.__table__.c.id)))


def write_copies(announcement: Announcement, user_ids: Sequence[int]) -> list[int]:
    """One ANNOUNCEMENT notification per recipient, in one bulk INSERT ... ON CONFLICT DO NOTHING:
    returns the ids of the rows it added (none for recipients who already have theirs). Flushes."""
    if not user_ids:
        return []
    now = utcnow()
    subject = {"title": announcement.title, "url": f"/announcements/{announcement.id}", "announcement": announcement.id}
    context = {"author": announcement.author.display_name, "body": announcement.body, "sent_at": now.isoformat()}
    rows = [
        {
            "user_id": user_id,
            "kind": str(NotificationKind.ANNOUNCEMENT),
            "key": announcement.key,
            "subject": subject,
            "context": context,
            "created_at": now,
            "email_state": str(EmailState.PENDING),
            "attempts": 0,
            "next_attempt_at": now,
        }
        for user_id in user_ids
    ]
    insert = insert_for(db.session.get_bind())
    notes = db.metadata.tables["notifications"]  # Core: no ORM objects for ten thousand rows
    statement = insert(notes).on_conflict_do_nothing(index_elements=["user_id", "kind", "key"]).returning(notes.c.id)
    # executemany with RETURNING: SQLAlchemy sends it as multi-row VALUES batches ("insertmanyvalues").
    return list(db.session.execute(statement, rows).scalars())


def finish_fan_out(announcement: Announcement, recipients: int) -> None:
    """Every recipient has their row: sent, with their number. Flushes."""
    announcement.state = AnnouncementState.SENT
    announcement.recipients = recipients
    announcement.sent_at = utcnow()
    db.session.flush()


def _announcement_id(notes: Any) -> ColumnElement[int]:
    """The announcement a notification row copies, from its subject (written by write_copies): NULL
    for any other row, never an error (a cast of the key would fail on PostgreSQL for a key
    that is not "announcement:<id>")."""
    return notes.c.subject["announcement"].as_integer()


def _undismissed() -> Any:
    """The viewer's announcement notifications without a dismissal: the notifications' unique
    (user_id, kind, key) index finds them, the dismissals' primary key filters them."""
    notes, dismissals = Notification.__table__, AnnouncementDismissal.__table__
    return notes.outerjoin(
        dismissals,
        and_(dismissals.c.user_id == notes.c.user_id, dismissals.c.announcement_id == _announcement_id(notes)),
    )


def _open(notes: Any) -> ColumnElement[bool]:
    """The viewer's announcement rows they neither dismissed nor turned off (announcements "off"
    in their notification settings: no inbox row, no panel either)."""
    dismissals, prefs = AnnouncementDismissal.__table__, NotificationPreference.__table__
    turned_off = exists().where(
        prefs.c.user_id == notes.c.user_id,
        prefs.c.kind == str(NotificationKind.ANNOUNCEMENT),
        prefs.c.delivery == str(Delivery.OFF),
    )
    return and_(
        notes.c.kind == str(NotificationKind.ANNOUNCEMENT),
        _announcement_id(notes).is_not(None),  # a row copying no announcement has no panel to show
        dismissals.c.user_id.is_(None),
        ~turned_off,
    )


def _open_count() -> Any:
    notes = Notification.__table__
    return (
        select(func.count())
        .select_from(_undismissed())
        .where(notes.c.user_id == User.__table__.c.id, _open(notes))
        .scalar_subquery()
    )


# Every login check counts the viewer's open announcements in its own statement: a dashboard with
# none (nearly every visit) then costs no query of its own, one with some costs one.
read_with_login(OPEN, _open_count)


@cache
def _shown_statement() -> Select[Any]:
    """Built once: a dashboard with open announcements runs it on every visit."""
    notes = Notification.__table__
    announcements, users = Announcement.__table__, User.__table__
    return (
        select(announcements.c.id, announcements.c.title, users.c.display_name, announcements.c.body_html)
        .select_from(
            _undismissed()
            .join(announcements, announcements.c.id == _announcement_id(notes))
            .join(users, users.c.id == announcements.c.author_id)
        )
        .where(notes.c.user_id == bindparam("user_id"), _open(notes))
        .order_by(announcements.c.id.desc())
        .limit(SHOWN_LIMIT)
    )


def shown_to(user: User | SessionUser) -> tuple[Shown, ...]:
    """The learner's newest announcements not dismissed, for the dashboard: no query when the login
    check counted none, else one."""
    read_at_login = getattr(user, "also", None) or {}
    if read_at_login.get(OPEN, None) == 0:
        return ()
    with db.engine.connect() as conn:  # as the login check: a cached dashboard builds no ORM session
        rows = conn.execute(_shown_statement(), {"user_id": user.id}).all()
    return tuple(Shown(row.id, row.title, row.display_name, Markup(row.body_html)) for row in rows)


def received(user_id: int, announcement_id: int) -> bool:
    """Whether this person is among its recipients (their notification exists)."""
    query = select(Notification.id).where(
        Notification.user_id == user_id,
        Notification.kind == str(NotificationKind.ANNOUNCEMENT),
        Notification.key == f"{KEY_PREFIX}{announcement_id}",
    )
    return db.session.scalar(query) is not None


def visible(user: User | SessionUser, announcement_id: int) -> Announcement | None:
    """The announcement if this person may read it (a recipient, its author, an admin); None otherwise."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        return None
    if user.role == "admin" or announcement.author_id == user.id or received(user.id, announcement_id):
        return announcement
    return None


def dismiss(user_id: int, announcement_id: int) -> bool:
    """Take the announcement off this recipient's dashboard, and mark its inbox copy read (they saw
    it); False when they did not receive it. Dismissing twice changes nothing. Flushes."""
    if not received(user_id, announcement_id):
        return False
    insert = insert_for(db.session.get_bind())
    db.session.execute(
        insert(AnnouncementDismissal)
        .values(user_id=user_id, announcement_id=announcement_id, dismissed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "announcement_id"])
    )
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.kind == str(NotificationKind.ANNOUNCEMENT),
            Notification.key == f"{KEY_PREFIX}{announcement_id}",
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    return True
