"""Surveys after a course or workshop, their responses and replies; reports on content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

REPORT_KINDS = ("problem", "suggestion")
REPORT_STATUSES = ("open", "answered", "closed")


class Survey(Base):
    """The survey of one course or one workshop; questions copied from the spec its sync stored (`source_hash`)."""

    __tablename__ = "surveys"
    __table_args__ = (CheckConstraint("(course_id IS NULL) <> (workshop_id IS NULL)", name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), unique=True)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), unique=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyResponse(Base):
    """One learner's answers. `respondent_key` (an HMAC of survey and learner) stops double answers
    and lets the learner find their response; `user_id` stays empty when the survey is anonymous."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "respondent_key"),
        CheckConstraint("csat BETWEEN 1 AND 5", name="csat_range"),
        CheckConstraint("nps BETWEEN 0 AND 10", name="nps_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    respondent_key: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    csat: Mapped[int]
    nps: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship()


class ContentReport(Base):
    """A learner's problem report or suggestion on a lesson, quiz or assignment."""

    __tablename__ = "content_reports"
    __table_args__ = (
        CheckConstraint(f"kind IN {REPORT_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {REPORT_STATUSES}", name="status_known"),
        Index("ix_content_reports_course_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    messages: Mapped[list[ContentReportMessage]] = relationship(
        order_by="ContentReportMessage.id", cascade="all, delete-orphan"
    )


class ContentReportMessage(Base):
    """One message of a report's thread (the first is the learner's report)."""

    __tablename__ = "content_report_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("content_reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
