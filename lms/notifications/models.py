"""A notification: one row per event and recipient, which is also the mail's outbox entry."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User


class NotificationKind(StrEnum):
    """What happened. A kind's texts are its templates (notifications/mail/<kind>.txt|.html); a
    new kind needs no migration (the column is free text, not a CHECK list)."""

    GRADE_READY = "grade_ready"
    GRADE_FAILED = "grade_failed"
    REVIEW_ADDED = "review_added"
    EXTENSION_GRANTED = "extension_granted"
    WAITLIST_PROMOTED = "waitlist_promoted"
    WORKSHOP_REMINDER = "workshop_reminder"
    ASSIGNMENT_DUE = "assignment_due"
    PATH_DUE = "path_due"
    PATH_OVERDUE = "path_overdue"
    CERTIFICATE_AWARDED = "certificate_awarded"
    CERTIFICATE_REVOKED = "certificate_revoked"
    FEEDBACK_REPLY = "feedback_reply"
    ANNOUNCEMENT = "announcement"


class EmailState(StrEnum):
    """Where the notification's e-mail is: waiting (or retrying), delivered, given up, not to be sent."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


EMAIL_STATES = tuple(state.value for state in EmailState)


class Notification(Base):
    """One event for one person. `key` names the event's own row (a reply's id, "submission:run",
    "session:offset"): unique per (user, kind, key), so a retried request or a second worker adds
    nothing, while a second reply (another key) is its own notification."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "key", name="uq_notifications_event"),
        CheckConstraint(f"email_state IN {EMAIL_STATES}", name="email_state_known"),
        Index("ix_notifications_inbox", "user_id", "read_at", "created_at"),  # the bell and the inbox
        Index("ix_notifications_mail_due", "email_state", "next_attempt_at"),  # the sweep
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    subject: Mapped[dict[str, Any]] = mapped_column(JSON)  # what it is about: title, url, ids
    context: Mapped[dict[str, Any]] = mapped_column(JSON)  # what its texts say (times as ISO strings)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email_state: Mapped[str] = mapped_column(String(10), default=EmailState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
