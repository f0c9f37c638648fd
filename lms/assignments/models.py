"""Releases, immutable submissions, their grades, and per-learner extensions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from lms.db import Base, utcnow

STATES = ("queued", "grading", "graded", "failed")
# Columns of a submission fixed at receipt: nothing may change them afterwards.
FROZEN = ("item_id", "user_id", "sha256", "content", "size", "received_at")


class AssignmentRelease(Base):
    """nbgrader's release of one source notebook (learner notebook + grading record)."""

    __tablename__ = "assignment_releases"
    __table_args__ = (UniqueConstraint("item_id", "source_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(Text)  # grading.Release.to_json(): hidden tests, never sent
    max_score: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Submission(Base):
    """An uploaded notebook exactly as received; only its grading state ever changes."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "item_id", "sha256"),
        Index("ix_submissions_item_user", "item_id", "user_id"),
        Index("ix_submissions_state", "state", "lease_expires_at"),
        CheckConstraint(f"state IN {STATES}", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Grading state: `run` counts grading rounds (a regrade starts a new one).
    state: Mapped[str] = mapped_column(String(10), default="queued")
    run: Mapped[int] = mapped_column(default=1)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None]
    tries: Mapped[int] = mapped_column(default=0)
    failure: Mapped[str | None] = mapped_column(Text)

    grades: Mapped[list[Grade]] = relationship(back_populates="submission", order_by="Grade.run")

    @property
    def grade(self) -> Grade | None:
        """The final grade of the current round, if it is done."""
        return next((g for g in self.grades if g.run == self.run), None)


class Grade(Base):
    """The one final grade of a grading round; manual marks are added by instructors."""

    __tablename__ = "grades"
    __table_args__ = (UniqueConstraint("submission_id", "run"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    run: Mapped[int]
    release_id: Mapped[int] = mapped_column(ForeignKey("assignment_releases.id", ondelete="CASCADE"), index=True)
    auto_score: Mapped[float]
    max_score: Mapped[float]
    tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    manual_cells: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    manual: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # grade_id -> {points, comment}
    error: Mapped[str | None] = mapped_column(Text)
    feedback_html: Mapped[str] = mapped_column(Text, deferred=True)
    graded_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="grades")

    @property
    def manual_score(self) -> float:
        """Points an instructor gave to manually graded cells."""
        return sum(float(m.get("points") or 0) for m in self.manual.values())

    @property
    def raw_score(self) -> float:
        """Autograded plus manual points, before any late penalty."""
        return self.auto_score + self.manual_score


class Extension(Base):
    """A later due date for one learner, set by an instructor."""

    __tablename__ = "assignment_extensions"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImmutableSubmissionError(RuntimeError):
    """Raised when code tries to edit or delete what a learner submitted."""


@event.listens_for(Session, "before_flush")
def _submissions_are_immutable(session: Session, _context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, Submission):
            raise ImmutableSubmissionError("submissions are never deleted")
    for obj in session.dirty:
        if isinstance(obj, Submission) and any(_changed(obj, c) for c in FROZEN):
            raise ImmutableSubmissionError("a submission's notebook, owner and receipt time never change")


def _changed(obj: Submission, column: str) -> bool:
    return inspect(obj).attrs[column].history.has_changes()
