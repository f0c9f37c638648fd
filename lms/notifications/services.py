"""notify(...) and the mail outbox's states: what every domain calls, and what the worker moves along.

A notification is inserted in the caller's transaction (a transactional outbox): it exists exactly
when the event it tells of was committed. Its e-mail is sent by the worker after that commit
(lms.notifications.tasks), claimed per attempt so two workers never send it at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lms.db import utcnow
from lms.extensions import db
from lms.notifications.models import INBOX_KINDS, EmailState, Notification, NotificationKind

if TYPE_CHECKING:
    from lms.accounts.models import User

# Ids of notifications inserted in a session's open transaction; enqueued once it commits.
PENDING_MAIL = "notifications_pending_mail"

# Context values only the mail may carry (a one-time link's token): dropped from the row once its
# mail is sent, skipped or given up, so the table holds them only while they wait to be sent.
SECRET_PREFIX = "secret_"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a message is tried (MAIL_MAX_TRIES, MAIL_RETRY_SECONDS, MAIL_LEASE_SECONDS)."""

    max_tries: int
    retry_seconds: float  # the wait after the first failure; doubled after each next one
    lease_seconds: float  # a claimed message not finished in this time is tried again (its worker died)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure: exponential, at most an hour."""
        return timedelta(seconds=min(self.retry_seconds * 2 ** max(attempts - 1, 0), 3600.0))


def notify(
    user: User, kind: NotificationKind, subject: dict[str, Any], context: dict[str, Any], key: str
) -> int | None:
    """Record that `kind` happened to `user`, once per (user, kind, key), inside the caller's
    transaction (flushed, never committed). `key` is the event's own row ("reply:42",
    "submission:7:2"), so a retried request adds nothing and another event is never swallowed.
    Returns the new notification's id, or None when this event was already recorded. Context
    values named `secret_*` are forgotten once the mail is sent, skipped or given up."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    state = EmailState.PENDING if user.active else EmailState.SKIPPED
    statement = (
        insert(Notification)
        .values(
            user_id=user.id,
            kind=str(kind),
            key=key,
            subject=subject,
            context=context,
            created_at=now,
            email_state=state,
            attempts=0,
            next_attempt_at=now if state == EmailState.PENDING else None,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "key"])
        .returning(Notification.id)
    )
    new_id = db.session.execute(statement).scalar_one_or_none()
    if new_id is not None and state == EmailState.PENDING:
        db.session.info.setdefault(PENDING_MAIL, []).append(new_id)
    return new_id


def claim_mail(notification_id: int, policy: RetryPolicy) -> Notification | None:
    """Take one attempt at the message if it is pending and due: counts the attempt and leases it
    (due again after the lease, should this worker die while sending). None: not ours to send
    now (sent, given up, not due, or claimed by another worker). Flushes; commit before sending."""
    now = utcnow()
    statement = (
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.email_state == EmailState.PENDING,
            Notification.attempts < policy.max_tries,
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .values(attempts=Notification.attempts + 1, next_attempt_at=now + timedelta(seconds=policy.lease_seconds))
    )
    result = cast("CursorResult[Any]", db.session.execute(statement))
    if result.rowcount != 1:
        return None
    return db.session.get(Notification, notification_id, populate_existing=True)


def mail_sent(notification: Notification) -> None:
    """The server accepted the message. Flushes."""
    notification.email_state = EmailState.SENT
    notification.sent_at = utcnow()
    notification.next_attempt_at = None
    notification.last_error = None
    _forget_secrets(notification)
    db.session.flush()


def mail_skipped(notification: Notification, reason: str) -> None:
    """Nothing to send (the account was disabled, or has no address). Flushes."""
    notification.email_state = EmailState.SKIPPED
    notification.next_attempt_at = None
    notification.last_error = reason[:2000]
    _forget_secrets(notification)
    db.session.flush()


def mail_attempt_failed(notification: Notification, reason: str, policy: RetryPolicy) -> bool:
    """An attempt failed: due again after the backoff, or failed for good after the last try,
    with the reason kept for admins. Returns True when it will be tried again. Flushes."""
    notification.last_error = reason[:2000]
    if notification.attempts >= policy.max_tries:
        notification.email_state = EmailState.FAILED
        notification.next_attempt_at = None
        _forget_secrets(notification)
    else:
        notification.next_attempt_at = utcnow() + policy.backoff(notification.attempts)
    db.session.flush()
    return notification.email_state == EmailState.PENDING


def _forget_secrets(notification: Notification) -> None:
    """Drop the `secret_*` context values: the mail that needed them is sent or will never be."""
    if any(name.startswith(SECRET_PREFIX) for name in notification.context):
        notification.context = {
            name: value for name, value in notification.context.items() if not name.startswith(SECRET_PREFIX)
        }


def mail_due(policy: RetryPolicy, limit: int = 1000) -> list[int]:
    """Pending messages whose next attempt is due (never enqueued, retried, or left by a dead worker),
    oldest first. Those out of tries (their last worker died while sending) are marked failed. Flushes."""
    now = utcnow()
    due = select(Notification).where(
        Notification.email_state == EmailState.PENDING, Notification.next_attempt_at <= now
    )
    rows = list(db.session.scalars(due.order_by(Notification.next_attempt_at).limit(limit)))
    out_of_tries = [row for row in rows if row.attempts >= policy.max_tries]
    for row in out_of_tries:
        row.email_state = EmailState.FAILED
        row.next_attempt_at = None
        row.last_error = row.last_error or "the worker stopped while sending, on the last try"
        _forget_secrets(row)
    db.session.flush()
    return [row.id for row in rows if row not in out_of_tries]


def unread_count(user_id: int) -> int:
    """The bell's number: this person's notifications not yet read (one indexed count per page)."""
    statement = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None), Notification.kind.in_(INBOX_KINDS)
    )
    return db.session.scalar(statement) or 0


def inbox(user_id: int, limit: int = 50) -> list[Notification]:
    """This person's notifications, newest first."""
    statement = (
        select(Notification)
        .where(Notification.user_id == user_id, Notification.kind.in_(INBOX_KINDS))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def own_notification(user_id: int, notification_id: int) -> Notification | None:
    """The notification if it is this person's; None for another's or none (the view answers 404)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id or notification.kind not in INBOX_KINDS:
        return None
    return notification


def mark_read(notification: Notification) -> None:
    """Read now (a second time keeps the first moment). Flushes."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user_id: int) -> int:
    """Every unread notification of this person read now; returns how many. Flushes."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None), Notification.kind.in_(INBOX_KINDS))
        .values(read_at=utcnow())
    )
    result = cast("CursorResult[Any]", db.session.execute(statement))
    return result.rowcount
