"""Exams, certificate rules and tracks (from course files), exam attempts, and awarded certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.db import Base, utcnow

CERTIFICATE_KINDS = ("course", "track", "workshop")
ACTIONS = ("awarded", "revoked", "reinstated")


class CourseCertification(Base):
    """What course.yml says about certification: the rules and the exam (settings + question bank)."""

    __tablename__ = "course_certifications"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    exam: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()


class Track(Base):
    """A certification spanning several courses, from courses/tracks/<slug>.yml."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    certificate_title: Mapped[str] = mapped_column(String(200))
    course_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived_at: Mapped[datetime | None]


class ExamAttempt(Base):
    """One sitting of a course exam: the questions drawn, the deadline, the answers and the result."""

    __tablename__ = "exam_attempts"
    __table_args__ = (Index("ix_exam_attempts_user_course", "user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    passed: Mapped[bool | None]
    # "open", "submitted", or "expired" (time ran out: answers refused, the attempt counts as failed)
    status: Mapped[str] = mapped_column(String(20), default="open")

    course: Mapped[Course] = relationship()

    @property
    def percent(self) -> int:
        """The score in percent (0 for an expired attempt)."""
        return round(100 * (self.score or 0) / self.max_score) if self.max_score else 0


class Certificate(Base):
    """A certificate awarded to a learner: at most one per learner and subject, whatever races."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "subject"),
        CheckConstraint(f"kind IN {CERTIFICATE_KINDS}", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(150))  # "course:<slug>", "track:<slug>", "workshop:<slug>"
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    learner_name: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    pdf_file: Mapped[str | None] = mapped_column(String(100))  # under instance/certificates once rendered
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    actions: Mapped[list[CertificateAction]] = relationship(
        back_populates="certificate", order_by="CertificateAction.id", cascade="all, delete-orphan"
    )

    @property
    def slug(self) -> str:
        """The course, track or workshop slug the certificate is for."""
        return self.subject.split(":", 1)[1]


class CertificateAction(Base):
    """Who awarded, revoked or reinstated a certificate, when and why (automatic awards have no actor)."""

    __tablename__ = "certificate_actions"
    __table_args__ = (CheckConstraint(f"action IN {ACTIONS}", name="action_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    acted_at: Mapped[datetime] = mapped_column(default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="actions")
    actor: Mapped[User | None] = relationship()
