"""Enrollments, quiz attempts and the append-only learning-event log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.db import Base, utcnow


class LearningEventKind(StrEnum):
    """What a learner did; stored as its value in `learning_events.kind`."""

    ENROLLED = "enrolled"
    LESSON_COMPLETED = "lesson_completed"
    QUIZ_SUBMITTED = "quiz_submitted"
    ASSIGNMENT_GRADED = "assignment_graded"
    EXAM_SUBMITTED = "exam_submitted"
    WORKSHOP_ATTENDED = "workshop_attended"
    # Community kinds (lms.community): what a learner did for others, never progress.
    THREAD_ASKED = "thread_asked"
    ANSWER_POSTED = "answer_posted"
    ANSWER_ACCEPTED = "answer_accepted"


# Kinds that tell where a learner stands: certification, mastery, reports and dashboard freshness
# react to these only. Kinds added later that are not progress (community posts, video views) stay out.
PROGRESS_KINDS = frozenset(
    {
        LearningEventKind.ENROLLED,
        LearningEventKind.LESSON_COMPLETED,
        LearningEventKind.QUIZ_SUBMITTED,
        LearningEventKind.ASSIGNMENT_GRADED,
        LearningEventKind.EXAM_SUBMITTED,
        LearningEventKind.WORKSHOP_ATTENDED,
    }
)
# Events that complete the item they name.
COMPLETION_KINDS = (
    LearningEventKind.LESSON_COMPLETED,
    LearningEventKind.QUIZ_SUBMITTED,
    LearningEventKind.ASSIGNMENT_GRADED,
)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]  # the learner left the course: reads its community, no longer posts


class LearningEvent(Base):
    """One thing a learner did, with its time. Rows are only ever inserted."""

    __tablename__ = "learning_events"
    __table_args__ = (
        Index("ix_learning_events_user_course", "user_id", "course_id", "kind"),
        Index("ix_learning_events_course_kind", "course_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user_item", "user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float]
    max_score: Mapped[float]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a learning event."""


@event.listens_for(Session, "before_flush")
def _events_are_append_only(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, LearningEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("learning events are append-only")
