"""The programme dashboard's read model (daily buckets kept by receivers, rebuilt by `flask programme
rebuild`) and the yearly targets admins set."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.accounts.models import User
from lms.db import Base, utcnow
from lms.feedback.models import FeedbackItem
from lms.workshops.models import Registration


class ProgrammeActivity(Base):
    """One learner's progress on one UTC day: a row means they were active (any progress event);
    per-user rows because distinct people over a range are not additive and segment cuts join
    `segment_members` on `user_id`."""

    __tablename__ = "programme_activity"
    __table_args__ = (Index("ix_programme_activity_day", "day", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)


class ProgrammeCompletion(Base):
    """A course a learner completed (every live item done): when they enrolled and when they finished."""

    __tablename__ = "programme_completions"
    __table_args__ = (
        Index("ix_programme_completions_completed", "completed_on", "user_id"),
        Index("ix_programme_completions_enrolled", "enrolled_on", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    enrolled_on: Mapped[date | None]
    completed_on: Mapped[date]
    seconds: Mapped[int | None]  # enrolment to completion; None without an enrolment row


class ProgrammeDaily(Base):
    """Platform-wide counters per UTC day and metric (DAILY_METRICS), so that a platform figure over
    any range reads one row per day instead of the per-user rows."""

    __tablename__ = "programme_daily"

    day: Mapped[date] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class ProgrammeSegmentDaily(Base):
    """The same counters per segment, so that a segment's figures over a year read one row per day
    instead of its members' per-day rows. Kept by the receivers for the segments a learner is in, and
    rebuilt for one segment when its membership is recomputed (`segment_recomputed`)."""

    __tablename__ = "programme_segment_daily"

    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class ProgrammeTarget(Base):
    """An admin's yearly target for one metric (TARGET_METRICS in services.targets)."""

    __tablename__ = "programme_targets"
    __table_args__ = (
        UniqueConstraint("year", "metric", name="one_per_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    metric: Mapped[str] = mapped_column(String(30))
    value: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# New developers per day are read from `users.created_at` (no signal tells of a new account): indexed
# here, where the figure lives, rather than in accounts' model.
Index("ix_users_created_at", User.created_at)

# The feedback and workshop figures read a window of these rows by their time: covering indexes, so a
# year's figures read the index instead of every item's row with its text.
Index(
    "ix_feedback_items_programme",
    FeedbackItem.created_at,
    FeedbackItem.category,
    FeedbackItem.reporter_id,
    FeedbackItem.first_response_at,
    FeedbackItem.resolved_at,
)
Index("ix_workshop_registrations_programme", Registration.registered_at, Registration.user_id, Registration.attended_at)
