"""Personal API tokens that let a manager's scripts read the reporting API."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Base, utcnow


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the secret is shown once when it is created."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ReportProgress(Base):
    """Reports' read model: one learner's standing in one course, derived from the event log.

    Kept current by a receiver of `learning_event_recorded`, rebuilt in bulk by
    `flask reports refresh` or `recompute` (after bulk imports, or nightly to catch archived items), so that
    a dashboard reads a few indexed rows instead of aggregating the whole log.
    """

    __tablename__ = "report_progress"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    done: Mapped[int] = mapped_column(default=0)
    last_activity_at: Mapped[datetime | None]
    exam_best: Mapped[float | None]
    assignment_best: Mapped[float | None]
    assignments_graded: Mapped[int] = mapped_column(default=0)
    # For the status label as learning's Progress.status decides it, in SQL over many rows:
    started: Mapped[bool] = mapped_column(default=False, server_default=false())  # a lesson read or an attempt scored
    exam_pending: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )  # the course's certificate needs its exam and no attempt passed (a held certificate is joined live)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportActivity(Base):
    """Reports' read model of activity: the weeks (Monday, UTC) in which a learner did anything."""

    __tablename__ = "report_activity"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    week_start: Mapped[date] = mapped_column(primary_key=True)
