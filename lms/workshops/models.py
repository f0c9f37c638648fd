"""Workshops, their sessions, registrations (with a waitlist) and calendar feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalog.models import AUDIENCES, Course
from lms.db import Base, utcnow

WORKSHOP_TIERS = ("beginner", "intermediate", "advanced")
REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")
SOURCES = ("file", "ui")


class Workshop(Base):
    """A live workshop; `source` says whether courses/workshops/*.yml or the UI owns it."""

    __tablename__ = "workshops"
    __table_args__ = (
        CheckConstraint(f"tier IN {WORKSHOP_TIERS}", name="tier_known"),
        CheckConstraint(f"source IN {SOURCES}", name="source_known"),
        CheckConstraint(f"audience IN {AUDIENCES}", name="audience_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    tier: Mapped[str] = mapped_column(String(20), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    materials: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    survey: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(10), default="file")
    # Who may see it (as a course's audience): the file's `audience:` key or the UI form.
    audience: Mapped[str] = mapped_column(String(20), default="public", server_default="public")
    audience_segments: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    audience_teams: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    sessions: Mapped[list[WorkshopSession]] = relationship(
        back_populates="workshop", order_by="WorkshopSession.starts_at", cascade="all, delete-orphan"
    )
    instructors: Mapped[list[WorkshopInstructor]] = relationship(cascade="all, delete-orphan")
    course: Mapped[Course | None] = relationship()

    @property
    def instructor_emails(self) -> list[str]:
        return sorted(i.email for i in self.instructors)

    @property
    def live_sessions(self) -> list[WorkshopSession]:
        return [s for s in self.sessions if s.archived_at is None]


class WorkshopInstructor(Base):
    """An instructor of a workshop, by e-mail (the account may come later)."""

    __tablename__ = "workshop_instructors"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), primary_key=True, index=True)


class WorkshopSession(Base):
    """One sitting of a workshop. `confirmed_count` is the seat counter that a guarded UPDATE bumps."""

    __tablename__ = "workshop_sessions"
    __table_args__ = (
        UniqueConstraint("workshop_id", "key"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("confirmed_count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    online_url: Mapped[str] = mapped_column(String(500), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int]
    registration_deadline: Mapped[datetime]
    confirmed_count: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]

    workshop: Mapped[Workshop] = relationship(back_populates="sessions")

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)


class Registration(Base):
    """A learner's seat (or place in line) for a session; cancelled rows are kept."""

    __tablename__ = "workshop_registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint(f"status IN {REGISTRATION_STATUSES}", name="status_known"),
        Index("ix_workshop_registrations_line", "session_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    attended_at: Mapped[datetime | None]
    attended_event_id: Mapped[int | None] = mapped_column(ForeignKey("learning_events.id", ondelete="SET NULL"))

    session: Mapped[WorkshopSession] = relationship()


class CalendarFeed(Base):
    """The version of a learner's feed token: bumping it revokes the old URL (the token is an HMAC)."""

    __tablename__ = "workshop_calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
