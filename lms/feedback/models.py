"""Surveys after a course or workshop, their responses and replies; old item reports; the feedback hub."""

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


# The feedback hub: one place for everything developers tell us (issue 18). Item reports moved in;
# survey comments appear as linked copies. Stored values are ids; the views show translated words.
FEEDBACK_CATEGORIES = ("technical_problem", "usage_suggestion", "feature_request", "content_error", "course_request")
FEEDBACK_STATUSES = ("new", "triaged", "planned", "in_progress", "done", "declined", "duplicate")
OPEN_STATUSES = ("new", "triaged", "planned", "in_progress")
PRIORITIES = ("P1", "P2", "P3", "P4")
FEEDBACK_SOURCES = ("hub", "report", "survey")


class FeedbackItem(Base):
    """One piece of feedback. `reporter_id` is empty for an anonymous survey comment (and then
    nobody is notified or shown); `duplicate_of_id` points at the item it was merged into."""

    __tablename__ = "feedback_items"
    __table_args__ = (
        CheckConstraint(f"category IN {FEEDBACK_CATEGORIES}", name="category_known"),
        CheckConstraint(f"status IN {FEEDBACK_STATUSES}", name="status_known"),
        CheckConstraint(f"priority IN {PRIORITIES}", name="priority_known"),
        CheckConstraint(f"source IN {FEEDBACK_SOURCES}", name="source_known"),
        CheckConstraint("duplicate_of_id <> id", name="not_own_duplicate"),
        Index("ix_feedback_items_status_created", "status", "created_at"),
        Index("ix_feedback_items_category_created", "category", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id", ondelete="SET NULL"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Public items are read (and voted on) by every signed-in person; private ones (moved item
    # reports, report-button filings, survey copies) by their reporter and the item's triagers.
    public: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[str | None] = mapped_column(String(2))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_items.id", ondelete="SET NULL"))
    vote_count: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(10), default="hub")
    # Where a moved item came from: the old report (its URL redirects here) or the survey response.
    content_report_id: Mapped[int | None] = mapped_column(unique=True)
    survey_response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_response_at: Mapped[datetime | None]  # the first staff answer or status change
    resolved_at: Mapped[datetime | None]  # done, declined or duplicate

    messages: Mapped[list[FeedbackMessage]] = relationship(order_by="FeedbackMessage.id", cascade="all, delete-orphan")


class FeedbackVote(Base):
    """One person's vote for an item (the key refuses a second vote, even under a race)."""

    __tablename__ = "feedback_votes"
    __table_args__ = (Index("ix_feedback_votes_user", "user_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackFollow(Base):
    """Who hears of an item's status changes: its reporter and voters, and anyone who follows it."""

    __tablename__ = "feedback_follows"
    __table_args__ = (Index("ix_feedback_follows_user", "user_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class FeedbackMessage(Base):
    """One message on an item (a moved report's thread keeps its messages here, times unchanged)."""

    __tablename__ = "feedback_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackChange(Base):
    """Append-only history of triage: status, priority, owner and merges, by whom and when (the
    programme's time to resolution and the item's timeline read it)."""

    __tablename__ = "feedback_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(20))  # status | priority | owner | merged_into | outcome
    old: Mapped[str] = mapped_column(String(200), default="")
    new: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
