"""A notification: one row per event and recipient, which is also the mail's outbox entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
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
    FEEDBACK_STATUS = "feedback_status"
    ANNOUNCEMENT = "announcement"
    COMMUNITY_REPLY = "community_reply"
    ANSWER_ACCEPTED = "answer_accepted"
    COMMUNITY_MENTION = "community_mention"
    POST_MODERATED = "post_moderated"
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"
    COMMUNITY_OVERDUE = "community_overdue"


class Delivery(StrEnum):
    """How a person receives one kind: in the inbox and mailed at once, in the inbox and gathered in
    a daily digest e-mail, in the inbox only, or not at all."""

    EMAIL = "email"
    DIGEST = "digest"
    IN_APP = "in_app"
    OFF = "off"


@dataclass(frozen=True)
class KindRules:
    """What a kind does unless its recipient chose otherwise. Account mail (`inbox=False`) is mailed
    always and never shown in the inbox: a person cannot turn off their own password reset."""

    default: Delivery
    inbox: bool = True
    staff_only: bool = False  # only course staff receive it: learners' settings do not offer it

    @property
    def configurable(self) -> bool:
        return self.inbox


# Every kind's rules; a later feature adds its kind here and its templates under notifications/mail/.
# Chatty kinds (one per graded upload) default to the daily digest, the rest are mailed at once.
KINDS: dict[NotificationKind, KindRules] = {
    NotificationKind.GRADE_READY: KindRules(Delivery.DIGEST),
    NotificationKind.GRADE_FAILED: KindRules(Delivery.EMAIL),
    NotificationKind.REVIEW_ADDED: KindRules(Delivery.EMAIL),
    NotificationKind.EXTENSION_GRANTED: KindRules(Delivery.EMAIL),
    NotificationKind.WAITLIST_PROMOTED: KindRules(Delivery.EMAIL),
    NotificationKind.WORKSHOP_REMINDER: KindRules(Delivery.EMAIL),
    NotificationKind.ASSIGNMENT_DUE: KindRules(Delivery.EMAIL),
    NotificationKind.PATH_DUE: KindRules(Delivery.EMAIL),
    NotificationKind.PATH_OVERDUE: KindRules(Delivery.EMAIL),
    NotificationKind.CERTIFICATE_AWARDED: KindRules(Delivery.EMAIL),
    NotificationKind.CERTIFICATE_REVOKED: KindRules(Delivery.EMAIL),
    NotificationKind.FEEDBACK_REPLY: KindRules(Delivery.EMAIL),
    NotificationKind.FEEDBACK_STATUS: KindRules(Delivery.EMAIL),
    NotificationKind.ANNOUNCEMENT: KindRules(Delivery.EMAIL),
    # Community: a followed busy thread would mail once per reply, so replies wait for the digest
    # (the bell shows each at once); what is about you alone is mailed at once.
    NotificationKind.COMMUNITY_REPLY: KindRules(Delivery.DIGEST),
    NotificationKind.ANSWER_ACCEPTED: KindRules(Delivery.EMAIL),
    NotificationKind.COMMUNITY_MENTION: KindRules(Delivery.EMAIL),
    NotificationKind.POST_MODERATED: KindRules(Delivery.EMAIL),
    NotificationKind.PASSWORD_RESET: KindRules(Delivery.EMAIL, inbox=False),
    NotificationKind.EMAIL_VERIFICATION: KindRules(Delivery.EMAIL, inbox=False),
    NotificationKind.COMMUNITY_OVERDUE: KindRules(Delivery.EMAIL, staff_only=True),
}

# The kinds the bell counts and the inbox lists.
INBOX_KINDS = tuple(str(kind) for kind, rules in KINDS.items() if rules.inbox)


DELIVERIES = tuple(delivery.value for delivery in Delivery)


class EmailState(StrEnum):
    """Where the notification's e-mail is: waiting (or retrying), delivered, given up, not to be sent,
    or held for its recipient's daily digest (then sent or failed with the digest)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    DIGEST = "digest"


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
    # The digest that took it (held rows without one wait for the next digest).
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("notification_digests.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship()


class NotificationPreference(Base):
    """A person's choice for one kind; no row means the kind's default (`KINDS[kind].default`)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(f"delivery IN {DELIVERIES}", name="delivery_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


DIGEST_STATES = tuple(state.value for state in EmailState if state != EmailState.DIGEST)


class NotificationDigest(Base):
    """One person's daily digest e-mail for one day of their own calendar: unique per (user, day),
    so a second run or a second worker creates nothing and sends nothing. Its notifications point
    at it (`Notification.digest_id`) and are marked sent with it."""

    __tablename__ = "notification_digests"
    __table_args__ = (
        UniqueConstraint("user_id", "day", name="uq_notification_digests_day"),
        CheckConstraint(f"state IN {DIGEST_STATES}", name="state_known"),
        Index("ix_notification_digests_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # in the person's time zone
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]  # due from then: a claim leases it until then
    sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
