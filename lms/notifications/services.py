"""notify(...) and the mail outbox's states: what every domain calls, and what the worker moves along.

A notification is inserted in the caller's transaction (a transactional outbox): it exists exactly
when the event it tells of was committed. Its e-mail is sent by the worker after that commit
(lms.notifications.tasks), claimed per attempt so two workers never send it at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, CursorResult, ScalarSelect, Select, and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.db import insert_for, utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.localtime import in_zone, zone_or_default
from lms.notifications.models import (
    INBOX_KINDS,
    KINDS,
    Delivery,
    EmailState,
    Notification,
    NotificationDigest,
    NotificationKind,
    NotificationPreference,
)

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
    insert = insert_for(db.session.get_bind())
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


def notify_many(
    user_ids: Select[int], kind: NotificationKind, subject: dict[str, Any], context: dict[str, Any], key: str
) -> list[int]:
    """notify() for every person `user_ids` selects (a thread's followers, however many), in one
    SELECT and one bulk INSERT ... ON CONFLICT DO NOTHING instead of a statement per person: the
    same rows, mail states and once-per-(user, kind, key) rule. Returns the new notifications' ids."""
    users = User.__table__
    recipients = db.session.execute(select(users.c.id, users.c.active).where(users.c.id.in_(user_ids))).all()
    if not recipients:
        return []
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "kind": str(kind),
            "key": key,
            "subject": subject,
            "context": context,
            "created_at": now,
            "email_state": str(EmailState.PENDING if active else EmailState.SKIPPED),
            "attempts": 0,
            "next_attempt_at": now if active else None,
        }
        for user_id, active in recipients
    ]
    notes = Notification.__table__
    statement = (
        insert_for(db.session.get_bind())(notes)
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "key"])
        .returning(notes.c.id, notes.c.email_state)
    )
    # executemany with RETURNING: sent as multi-row VALUES batches ("insertmanyvalues").
    added = db.session.execute(statement, rows).all()
    pending = [new_id for new_id, state in added if state == EmailState.PENDING]
    if pending:
        db.session.info.setdefault(PENDING_MAIL, []).extend(pending)
    return [new_id for new_id, _state in added]


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


def troubled_mail(page: int, page_size: int) -> tuple[list[Notification], int]:
    """For admins: messages given up (failed) or still retrying after a failed attempt, newest
    first, one page of them (recipients loaded), and how many there are in all."""
    troubled = or_(
        Notification.email_state == EmailState.FAILED,
        (Notification.email_state == EmailState.PENDING) & Notification.last_error.is_not(None),
    )
    total = db.session.scalar(select(func.count()).where(troubled)) or 0
    statement = (
        select(Notification)
        .where(troubled)
        .options(joinedload(Notification.user))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
    )
    return list(db.session.scalars(statement)), total


def retry_failed_mail(notification_id: int) -> Notification | None:
    """A failed message back to pending with fresh tries, due now and enqueued after the commit
    (as a new one is). None when there is no such failed message. Flushes."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.email_state != EmailState.FAILED:
        return None
    notification.email_state = EmailState.PENDING
    notification.attempts = 0
    notification.next_attempt_at = utcnow()
    notification.last_error = None
    db.session.flush()
    db.session.info.setdefault(PENDING_MAIL, []).append(notification.id)
    return notification


def _shown_to(user_id: int | ColumnElement[Any]) -> ColumnElement[bool]:
    """This person's notifications the bell counts and the inbox lists: inbox kinds they have not
    turned off (a NOT IN on their preferences, so the bell stays one query). `user_id` may be a
    column: the login check's statement counts the bell for its user (`unread_column`)."""
    turned_off = select(NotificationPreference.kind).where(
        NotificationPreference.user_id == user_id, NotificationPreference.delivery == Delivery.OFF
    )
    return and_(
        Notification.user_id == user_id, Notification.kind.in_(INBOX_KINDS), Notification.kind.not_in(turned_off)
    )


def unread_count(user_id: int, read_at_login: Mapping[str, Any] | None = None) -> int:
    """The bell's number: this person's notifications not yet read (one indexed count).
    `read_at_login`: what the request's login check read (SessionUser.also), which saves the query."""
    if read_at_login and "unread_notifications" in read_at_login:
        return int(read_at_login["unread_notifications"] or 0)
    statement = select(func.count()).where(_shown_to(user_id), Notification.read_at.is_(None))
    return db.session.scalar(statement) or 0


def unread_column() -> ScalarSelect[Any]:
    """The bell's count as a column of the login check's statement (accounts.services.read_with_login),
    so a page served from the caches (the dashboard) needs no ORM session of its own for it."""
    users = User.__table__
    return select(func.count()).where(_shown_to(users.c.id), Notification.read_at.is_(None)).scalar_subquery()


def inbox(user_id: int, limit: int = 50) -> list[Notification]:
    """This person's notifications, newest first."""
    statement = (
        select(Notification)
        .where(_shown_to(user_id))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def own_notification(user_id: int, notification_id: int) -> Notification | None:
    """The notification if it is this person's and shown to them; None otherwise (the view answers 404)."""
    statement = select(Notification).where(Notification.id == notification_id, _shown_to(user_id))
    return db.session.scalars(statement).first()


def mark_read(notification: Notification) -> None:
    """Read now (a second time keeps the first moment). Flushes."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user_id: int) -> int:
    """Every unread notification of this person read now; returns how many. Flushes."""
    statement = update(Notification).where(_shown_to(user_id), Notification.read_at.is_(None)).values(read_at=utcnow())
    result = cast("CursorResult[Any]", db.session.execute(statement))
    return result.rowcount


class PreferenceError(UserError):
    """A preference that cannot be stored (an unknown kind or choice, or account mail)."""


# What the settings page and the unsubscribe page call each kind a person can configure, and when it comes.
KIND_TEXTS: dict[NotificationKind, tuple[Any, Any]] = {
    NotificationKind.GRADE_READY: (_l("Grades"), _l("An uploaded notebook has been graded.")),
    NotificationKind.GRADE_FAILED: (_l("Grading problems"), _l("A notebook could not be graded.")),
    NotificationKind.REVIEW_ADDED: (_l("Reviews"), _l("An instructor reviewed your work or changed a grade.")),
    NotificationKind.EXTENSION_GRANTED: (_l("Extensions"), _l("You were given more time for an assignment.")),
    NotificationKind.WAITLIST_PROMOTED: (_l("Workshop places"), _l("A place opened up for you on a workshop.")),
    NotificationKind.WORKSHOP_REMINDER: (_l("Workshop reminders"), _l("A workshop session you joined starts soon.")),
    NotificationKind.ASSIGNMENT_DUE: (_l("Assignment deadlines"), _l("An assignment is due soon.")),
    NotificationKind.PATH_DUE: (_l("Learning path deadlines"), _l("An item of your learning path is due soon.")),
    NotificationKind.PATH_OVERDUE: (_l("Overdue path items"), _l("An item of your learning path is overdue.")),
    NotificationKind.CERTIFICATE_AWARDED: (_l("Certificates"), _l("You earned a certificate.")),
    NotificationKind.CERTIFICATE_REVOKED: (_l("Revoked certificates"), _l("A certificate of yours was revoked.")),
    NotificationKind.FEEDBACK_REPLY: (_l("Feedback replies"), _l("Someone answered your feedback.")),
    NotificationKind.FEEDBACK_STATUS: (
        _l("Feedback status"),
        _l("Feedback you filed or voted for changed its status (planned, done, ...)."),
    ),
    NotificationKind.ANNOUNCEMENT: (_l("Announcements"), _l("News from your courses and the Academy team.")),
    NotificationKind.COMMUNITY_REPLY: (_l("Replies in discussions"), _l("Someone replied in a thread you follow.")),
    NotificationKind.ANSWER_ACCEPTED: (_l("Accepted answers"), _l("Your answer to a question was accepted.")),
    NotificationKind.COMMUNITY_MENTION: (_l("Mentions"), _l("Someone mentioned you in a post.")),
    NotificationKind.POST_MODERATED: (
        _l("Moderation"),
        _l("A moderator hid, restored, deleted or locked your post, or changed your standing in the community."),
    ),
    NotificationKind.COMMUNITY_OVERDUE: (
        _l("Overdue questions"),
        _l("A question in a course you teach has waited longer than its answer time."),
    ),
}

CONFIGURABLE = tuple(kind for kind, rules in KINDS.items() if rules.configurable)


def configurable_for(user: Any) -> tuple[NotificationKind, ...]:
    """The kinds this person's settings offer: staff-only kinds (overdue questions) to staff alone."""
    staff = user.has_role("instructor")
    return tuple(kind for kind in CONFIGURABLE if staff or not KINDS[kind].staff_only)


def delivery_for(user_id: int, kind: str) -> Delivery:
    """How this person receives `kind` now: their choice, else the kind's default. Account mail
    (not configurable) is always mailed, whatever a row says."""
    try:
        rules = KINDS[NotificationKind(kind)]
    except ValueError:
        return Delivery.EMAIL
    if not rules.configurable:
        return rules.default
    chosen = db.session.scalar(
        select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return Delivery(chosen) if chosen is not None else rules.default


def preferences(user_id: int) -> dict[NotificationKind, Delivery]:
    """Every configurable kind with this person's delivery for it (the settings page)."""
    rows = db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.delivery).where(
            NotificationPreference.user_id == user_id
        )
    )
    chosen = {kind: Delivery(delivery) for kind, delivery in rows}
    return {kind: chosen.get(kind, KINDS[kind].default) for kind in CONFIGURABLE}


def parse_preferences(form: dict[str, str]) -> dict[NotificationKind, Delivery]:
    """The settings form's {kind: delivery} as values; raises PreferenceError naming the first wrong
    one (an unknown kind or choice, or account mail), so nothing is stored from a bad form."""
    parsed: dict[NotificationKind, Delivery] = {}
    for name, value in form.items():
        try:
            kind = NotificationKind(name)
        except ValueError:
            raise PreferenceError(_l("There is no kind of notification called “%(kind)s”.", kind=name)) from None
        if kind not in CONFIGURABLE:
            raise PreferenceError(_l("Account e-mail (password reset, address check) cannot be turned off."))
        try:
            parsed[kind] = Delivery(value)
        except ValueError:
            raise PreferenceError(
                _l("“%(value)s” is not a choice for %(kind)s.", value=value, kind=KIND_TEXTS[kind][0])
            ) from None
    return parsed


def set_preferences(user_id: int, choices: dict[NotificationKind, Delivery]) -> int:
    """Store these choices, each as one upsert (two tabs saving at once both succeed; a choice
    equal to the default is stored too, so a later change of the default keeps what a person
    chose). Returns how many changed. Flushes."""
    current = preferences(user_id)
    now = utcnow()
    for kind, delivery in choices.items():
        if kind not in CONFIGURABLE:
            raise PreferenceError(_l("Account e-mail (password reset, address check) cannot be turned off."))
        statement = insert_for(db.session.get_bind())(NotificationPreference).values(
            user_id=user_id, kind=str(kind), delivery=str(delivery), updated_at=now
        )
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "kind"], set_={"delivery": str(delivery), "updated_at": now}
            )
        )
    db.session.flush()
    return sum(1 for kind, delivery in choices.items() if current[kind] != delivery)


# The reason kept on a mail skipped because its recipient chose in app only or off for its kind.
TURNED_OFF = "turned off by the recipient"


def withhold(notification: Notification) -> str | None:
    """Apply the recipient's preference at send time (so a change made after the event counts):
    None to mail it now; "held" for the daily digest; "skipped" when they turned e-mail of the
    kind off (in app only, or off). Flushes."""
    delivery = delivery_for(notification.user_id, notification.kind)
    if delivery == Delivery.EMAIL:
        return None
    if delivery == Delivery.DIGEST:
        notification.email_state = EmailState.DIGEST
        notification.next_attempt_at = None
        db.session.flush()
        return "held"
    mail_skipped(notification, TURNED_OFF)
    return "skipped"


# The one-click unsubscribe link (RFC 8058): a token signed with the app's SECRET_KEY under its own
# salt (a session cookie or a reset link cannot stand in for it), naming the person and the kind,
# or DIGEST for the daily digest. It is the credential: it works without signing in.
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=60)  # older mail: the page says so and points to the settings
DIGEST = "digest"


def _unsubscribe_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    """The token of the List-Unsubscribe link in a mail of `kind` (or DIGEST) to this person."""
    return _unsubscribe_signer().dumps([user_id, kind])


def unsubscribe_target(token: str) -> tuple[int, str] | None:
    """(user id, kind) named by a valid token of an existing person and a kind one can turn off;
    None for a forged, tampered or expired token (or one whose person is gone)."""
    try:
        user_id, kind = _unsubscribe_signer().loads(token, max_age=int(UNSUBSCRIBE_MAX_AGE.total_seconds()))
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or (kind != DIGEST and kind not in CONFIGURABLE):
        return None
    if db.session.get(User, user_id) is None:
        return None
    return user_id, kind


def unsubscribe(user_id: int, kind: str) -> int:
    """Stop e-mail of `kind` (each kind now in the digest, for DIGEST): it stays in the inbox
    (in app only); a kind already in app only or off is left as it is, so a second click changes
    nothing. Returns how many kinds changed. Flushes."""
    current = preferences(user_id)
    if kind == DIGEST:
        mailed = [k for k, delivery in current.items() if delivery == Delivery.DIGEST]
    else:
        mailed = [k for k in (NotificationKind(kind),) if current[k] in (Delivery.EMAIL, Delivery.DIGEST)]
    return set_preferences(user_id, dict.fromkeys(mailed, Delivery.IN_APP))


def unsubscribe_topic(kind: str) -> Any:
    """What an unsubscribe link stops, as the page says it ("Announcements", "The daily digest")."""
    return _l("The daily digest") if kind == DIGEST else KIND_TEXTS[NotificationKind(kind)][0]


# The daily digest: one e-mail per person and day of their own calendar, at DIGEST_HOUR in their
# time zone, listing the notifications held for it (EmailState.DIGEST) before that hour. The hourly
# task first opens the digests that are due (the unique (user, day) row decides: a second run or a
# second worker opens nothing), then sends each open digest under a claim, as send_mail does.


def digest_cutoff(day: date, hour: int, zone: str) -> datetime:
    """`hour`:00 of `day` in `zone`, in UTC (on a night the clocks skip that hour, the moment after)."""
    local = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone_or_default(zone)))
    return local.astimezone(ZoneInfo("UTC"))


def open_digests(now: datetime, hour: int) -> list[int]:
    """Open today's digest for each person whose digest hour has come in their zone and who has
    notifications held from before it; those held later wait for the next day's. Returns the new
    digests' ids (none for a person whose digest of the day exists). Flushes."""
    held = (
        select(Notification.user_id, User.timezone, func.min(Notification.created_at))
        .join(User, User.id == Notification.user_id)
        .where(Notification.email_state == EmailState.DIGEST, Notification.digest_id.is_(None))
        .group_by(Notification.user_id, User.timezone)
    )
    opened = []
    for user_id, zone, earliest in db.session.execute(held).all():
        day = in_zone(now, zone).date()
        cutoff = digest_cutoff(day, hour, zone)
        if now < cutoff or earliest >= cutoff:
            continue
        statement = (
            insert_for(db.session.get_bind())(NotificationDigest)
            .values(user_id=user_id, day=day, created_at=now, state="pending", attempts=0, next_attempt_at=now)
            .on_conflict_do_nothing(index_elements=["user_id", "day"])
            .returning(NotificationDigest.id)
        )
        digest_id = db.session.execute(statement).scalar_one_or_none()
        if digest_id is None:
            continue
        db.session.execute(
            update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.email_state == EmailState.DIGEST,
                Notification.digest_id.is_(None),
                Notification.created_at < cutoff,
            )
            .values(digest_id=digest_id)
        )
        opened.append(digest_id)
    db.session.flush()
    return opened


def digests_due(now: datetime) -> list[int]:
    """Open digests to send now: new ones, retries whose backoff is over, and those a dead worker left."""
    statement = select(NotificationDigest.id).where(
        NotificationDigest.state == "pending", NotificationDigest.next_attempt_at <= now
    )
    return list(db.session.scalars(statement.order_by(NotificationDigest.id)))


def claim_digest(digest_id: int, policy: RetryPolicy, now: datetime) -> NotificationDigest | None:
    """Take one attempt at a digest if it is open and due (leased, as claim_mail); None when it is
    not ours to send now (sent, given up, or taken by another worker). Flushes; commit before sending."""
    statement = (
        update(NotificationDigest)
        .where(
            NotificationDigest.id == digest_id,
            NotificationDigest.state == "pending",
            NotificationDigest.attempts < policy.max_tries,
            NotificationDigest.next_attempt_at <= now,
        )
        .values(attempts=NotificationDigest.attempts + 1, next_attempt_at=now + timedelta(seconds=policy.lease_seconds))
    )
    result = cast("CursorResult[Any]", db.session.execute(statement))
    if result.rowcount != 1:
        return None
    return db.session.get(NotificationDigest, digest_id, populate_existing=True)


def digest_items(digest: NotificationDigest) -> list[Notification]:
    """What the digest lists, oldest first. Kinds the person has since turned to in app only or off
    are left out (skipped, as send_mail would); those turned to e-mail at once stay in. Flushes."""
    statement = (
        select(Notification)
        .where(Notification.digest_id == digest.id, Notification.email_state == EmailState.DIGEST)
        .order_by(Notification.created_at, Notification.id)
    )
    chosen = {str(kind): delivery for kind, delivery in preferences(digest.user_id).items()}  # one query
    items = []
    for notification in db.session.scalars(statement):
        if chosen.get(notification.kind) in (Delivery.IN_APP, Delivery.OFF):
            mail_skipped(notification, TURNED_OFF)
        else:
            items.append(notification)
    return items


def digest_done(digest: NotificationDigest, items: list[Notification], state: str, reason: str | None = None) -> None:
    """The digest was sent (its items with it), or there was nothing to send (skipped, with the reason). Flushes."""
    now = utcnow()
    digest.state, digest.last_error, digest.next_attempt_at = state, reason, None
    if state == EmailState.SENT:
        digest.sent_at = now
    for item in items:
        item.email_state, item.last_error = (EmailState.SENT, None) if state == EmailState.SENT else (state, reason)
        item.sent_at = now if state == EmailState.SENT else None
    db.session.flush()


def digest_attempt_failed(
    digest: NotificationDigest, items: list[Notification], reason: str, policy: RetryPolicy
) -> bool:
    """An attempt failed: due again after the backoff (at the next hourly run after it), or failed
    for good after the last try, its items with it. Returns True when it will be tried again. Flushes."""
    digest.last_error = reason[:2000]
    if digest.attempts < policy.max_tries:
        digest.next_attempt_at = utcnow() + policy.backoff(digest.attempts)
        db.session.flush()
        return True
    digest_done(digest, items, EmailState.FAILED, reason[:2000])
    return False
