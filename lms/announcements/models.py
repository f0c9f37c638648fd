"""An announcement (who wrote what to whom, and how far its fan-out got) and a learner's dismissal of it.

Each recipient's copy is a Notification row (kind ANNOUNCEMENT, key "announcement:<id>"): the bell,
the inbox and the mail queue come with it; this domain adds only what is its own."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import Team, User
    from lms.catalog.models import Course

TITLE_LIMIT = 200
BODY_LIMIT = 20_000  # characters of Markdown: a long letter, not a book (each recipient's row holds it)


class Audience(StrEnum):
    """Who receives it. A later audience (a segment) adds a member here, its column and its query."""

    COURSE = "course"  # the learners enrolled in one course (its instructors, or an admin)
    TEAM = "team"  # the members of one team (admins)
    EVERYONE = "everyone"  # every active account (admins)


AUDIENCES = tuple(audience.value for audience in Audience)


class AnnouncementState(StrEnum):
    """How far the fan-out got: stored and waiting for the worker, being written, written for all."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"


STATES = tuple(state.value for state in AnnouncementState)


class Announcement(Base):
    __tablename__ = "announcements"
    __table_args__ = (
        CheckConstraint(f"audience IN {AUDIENCES}", name="audience_known"),
        CheckConstraint(f"state IN {STATES}", name="state_known"),
        Index("ix_announcements_author", "author_id", "created_at"),  # the author's list
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(20))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text)  # sanitized once, when it is sent
    state: Mapped[str] = mapped_column(String(10), default=AnnouncementState.QUEUED)
    recipients: Mapped[int | None]  # counted by the fan-out
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]  # when the last recipient's row was written

    author: Mapped[User] = relationship()
    course: Mapped[Course | None] = relationship()
    team: Mapped[Team | None] = relationship()

    @property
    def key(self) -> str:
        """Its recipients' notification key."""
        return f"announcement:{self.id}"


class AnnouncementDismissal(Base):
    """A learner closed the announcement on their dashboard (it stays in their inbox)."""

    __tablename__ = "announcement_dismissals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True)
    dismissed_at: Mapped[datetime] = mapped_column(default=utcnow)
