"""Releases, immutable submissions, their grades, per-learner extensions, and the grade audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
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

# Columns of a submission fixed at receipt: nothing may change them afterwards.
FROZEN = ("item_id", "user_id", "sha256", "content", "size", "received_at")
# Columns of a grade an instructor changes: each change needs its audit row in the same transaction.
REVIEWED = ("manual", "adjustment", "comment")


class SubmissionState(StrEnum):
    """Where a submission is in grading; stored as its value in `submissions.state`."""

    QUEUED = "queued"
    GRADING = "grading"  # claimed by a worker under a lease
    GRADED = "graded"
    FAILED = "failed"  # the grader could not grade it (the learner sees why)


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
        CheckConstraint(f"state IN {tuple(s.value for s in SubmissionState)}", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Grading state: `run` counts grading rounds (a regrade starts a new one).
    state: Mapped[str] = mapped_column(String(10), default=SubmissionState.QUEUED)
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
    # The instructor's word on the whole submission: signed points added after the late penalty
    # (Policy.score keeps the total within 0..max) and a Markdown comment. Carried to each regrade.
    adjustment: Mapped[float] = mapped_column(default=0.0, server_default="0")
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    error: Mapped[str | None] = mapped_column(Text)
    # nbgrader's feedback page, rendered on first view (services.feedback_page) from the graded
    # notebook as that page shows it (hidden tests cleared), kept compressed; "" until then.
    feedback_html: Mapped[str] = mapped_column(Text, deferred=True)
    feedback_notebook: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
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


class ChangeKind(StrEnum):
    """What a grade audit row records; each kind has exactly one service that writes it."""

    MANUAL_MARK = "manual_mark"  # points of a hand-graded cell (field: its grade id)
    COMMENT = "comment"  # the comment on a hand-graded cell (field: its grade id)
    ADJUSTMENT = "adjustment"  # signed points added to a submission's score (field: points; reason needed)
    GENERAL_COMMENT = "general_comment"  # the instructor's comment on a whole submission (no field)
    EXTENSION_GRANTED = "extension_granted"  # a learner's own due date (no submission)
    REGRADE = "regrade"  # a new grading round was requested (field: run)
    REGRADE_RESULT = "regrade_result"  # that round ended (field: score; new is None if it failed)


class GradeChange(Base):
    """One change to what a learner is graded: who, when, what, from, to and why. Append-only.

    Written by the service that makes the change, in its transaction (`lms.assignments.audit`);
    `Grade.manual` and `Extension` are the current values, these rows are how they got there.
    """

    __tablename__ = "grade_changes"
    __table_args__ = (
        Index("ix_grade_changes_submission_at", "submission_id", "at"),
        Index("ix_grade_changes_item_at", "item_id", "at"),
        Index("ix_grade_changes_learner_item", "learner_id", "item_id"),
        CheckConstraint(f"kind IN {tuple(k.value for k in ChangeKind)}", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # A person (and their e-mail then, kept if the account goes), or the system: "cli", "grader".
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    field: Mapped[str | None] = mapped_column(String(200))
    old_value: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)  # None: there was none
    new_value: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)


class ImmutableSubmissionError(RuntimeError):
    """Raised when code tries to edit or delete what a learner submitted."""


class AppendOnlyGradeChangeError(RuntimeError):
    """Raised when code tries to edit or delete a grade audit row."""


@event.listens_for(Session, "before_flush")
def _evidence_is_kept(session: Session, _context, _instances) -> None:
    """What a learner submitted and the grade audit trail are evidence: never deleted, and
    never changed (a submission's notebook, owner and receipt time; any audit row)."""
    for obj in session.deleted:
        if isinstance(obj, Submission):
            raise ImmutableSubmissionError("submissions are never deleted")
        if isinstance(obj, GradeChange):
            raise AppendOnlyGradeChangeError("grade audit rows are never deleted")
    for obj in session.dirty:
        if isinstance(obj, Submission) and any(_changed(obj, c) for c in FROZEN):
            raise ImmutableSubmissionError("a submission's notebook, owner and receipt time never change")
        if isinstance(obj, GradeChange) and session.is_modified(obj):
            raise AppendOnlyGradeChangeError("grade audit rows are never changed")


def _changed(obj: Base, column: str) -> bool:
    return inspect(obj).attrs[column].history.has_changes()


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes_to_grade_changes(state) -> None:
    """`update(GradeChange)` / `delete(GradeChange)` through a session skip the flush: refuse them too."""
    if (state.is_update or state.is_delete) and any(m.class_ is GradeChange for m in state.all_mappers):
        raise AppendOnlyGradeChangeError("grade audit rows are never changed or deleted")


class UnauditedGradeChangeError(RuntimeError):
    """Raised when a mark or an extension changes without its audit row in the same transaction."""


_AUDITED = "grade_changes_in_transaction"  # session.info: what the open transaction's rows cover


@event.listens_for(Session, "before_flush")
def _no_grade_change_without_its_row(session: Session, _context, _instances) -> None:
    written = session.info.setdefault(_AUDITED, set())
    written.update(_covers(c) for c in session.new if isinstance(c, GradeChange))
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        needed = _needs_row(session, obj)
        if needed is not None and needed not in written:
            raise UnauditedGradeChangeError(
                f"{type(obj).__name__} changed without its audit row: use lms.assignments.gradebook"
            )


def _needs_row(session: Session, obj: object) -> tuple | None:
    """The audit row a pending change must have: manual marks of a grade, a learner's extension."""
    if isinstance(obj, Grade) and obj not in session.new and any(_changed(obj, c) for c in REVIEWED):
        return ("submission", obj.submission_id)
    if isinstance(obj, Extension) and (obj in session.new or obj in session.deleted or _changed(obj, "due_at")):
        return ("extension", obj.item_id, obj.user_id)
    return None


def _covers(change: GradeChange) -> tuple:
    if change.kind == ChangeKind.EXTENSION_GRANTED:
        return ("extension", change.item_id, change.learner_id)
    return ("submission", change.submission_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_audited(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_AUDITED, None)
