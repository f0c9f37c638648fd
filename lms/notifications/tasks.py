"""Queue tasks of notifications: send messages (in batches over one SMTP connection), the sweep
that re-enqueues what is due, and the periodic reminders and daily digest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from flask import Flask, current_app

from lms.db import utcnow
from lms.extensions import db, queue
from lms.notifications import mail, reminders, services
from lms.notifications.services import RetryPolicy
from lms.sweeps import sweeping

if TYPE_CHECKING:
    from lms.notifications.models import Notification, NotificationDigest

log = logging.getLogger(__name__)


def retry_policy() -> RetryPolicy:
    """The app's MAIL_MAX_TRIES, MAIL_RETRY_SECONDS and MAIL_LEASE_SECONDS."""
    config = current_app.config
    return RetryPolicy(config["MAIL_MAX_TRIES"], config["MAIL_RETRY_SECONDS"], config["MAIL_LEASE_SECONDS"])


@queue.task
def send_mail(notification_id: int, transport: mail.Transport | None = None) -> str:
    """Send one notification's e-mail if it is pending and due; safe to run twice (the claim decides).
    A failure leaves it pending with the reason, due again after the backoff, failed after the last try.
    `transport`: a batch's open connection (none: one of its own for this message)."""
    policy = retry_policy()
    notification = services.claim_mail(notification_id, policy)
    if notification is None:
        db.session.rollback()
        return "not due"
    recipient = notification.user
    db.session.commit()  # the attempt is counted before the server is asked
    if not recipient.active or not recipient.email:
        services.mail_skipped(notification, "the account is disabled")
        db.session.commit()
        return "skipped"
    withheld = services.withhold(notification)  # the recipient's preference, read now: in app, off or digest
    if withheld is not None:
        db.session.commit()
        return withheld
    try:
        message = mail.build_message(notification, recipient)
        if transport is None:
            mail.deliver(message, current_app.config, notification.id)
        else:
            transport.send(message, notification.id)
    except Exception as exc:  # refused, unreachable, timed out, a template error: kept, retried, shown
        return _attempt_failed(
            "mail", notification, exc, lambda reason: services.mail_attempt_failed(notification, reason, policy)
        )
    services.mail_sent(notification)
    db.session.commit()
    return "sent"


@queue.task
def send_mail_batch(*notification_ids: int) -> dict[str, int]:
    """Send several notifications' e-mails over one SMTP connection (reconnecting after an error);
    each is claimed, counted, retried and failed on its own by send_mail. Returns the outcomes' counts."""
    outcomes: dict[str, int] = {}
    with mail.Transport(current_app.config) as transport:
        for notification_id in notification_ids:
            outcome = send_mail(notification_id, transport)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            db.session.expunge_all()  # each commit expires every object held: hold only this message's
    return outcomes


@queue.periodic(minute="0")
def send_digests() -> str:
    """Hourly (once across workers): the daily digests due now."""
    return f"{send_digests_at(utcnow())} digest(s) sent"


def send_digests_at(now: datetime) -> int:
    """Open the daily digest of each person whose DIGEST_HOUR has come in their own time zone at
    `now`, then send every digest that is due. Exactly once per person and day, however many times
    and by however many workers it runs (the (user, day) row and the claim decide). Returns how
    many were sent."""
    services.open_digests(now, int(current_app.config["DIGEST_HOUR"]))
    db.session.commit()
    return sum(send_digest(digest_id, now) == "sent" for digest_id in services.digests_due(now))


def send_digest(digest_id: int, now: datetime) -> str:
    """Send one digest if it is open and due: sent with its items, skipped when nothing is left to
    list (or the account is disabled), retried at a later run after a failure, failed after the last."""
    policy = retry_policy()
    digest = services.claim_digest(digest_id, policy, now)
    if digest is None:
        db.session.rollback()
        return "not due"
    recipient = digest.user
    db.session.commit()  # the attempt is counted before the server is asked
    items = services.digest_items(digest)
    if not recipient.active or not recipient.email or not items:
        reason = "the account is disabled" if items else "nothing left to send"
        services.digest_done(digest, items, "skipped", reason)
        db.session.commit()
        return "skipped"
    try:
        mail.deliver(mail.build_digest(digest, items, recipient), current_app.config, f"digest-{digest.id}")
    except Exception as exc:  # as send_mail: kept, retried, shown
        return _attempt_failed(
            "digest", digest, exc, lambda reason: services.digest_attempt_failed(digest, items, reason, policy)
        )
    services.digest_done(digest, items, "sent")
    db.session.commit()
    return "sent"


def _attempt_failed(
    what: str, row: Notification | NotificationDigest, exc: Exception, record: Callable[[str], bool]
) -> str:
    """A send that raised, for a message or a digest alike, so both keep the same reason text, log
    line and outcome: `record` stores the reason and says whether a try is left; then the commit.
    Returns "retry" or "failed"."""
    reason = f"{type(exc).__name__}: {exc}"
    again = record(reason)
    db.session.commit()
    log.warning(
        "%s %d attempt %d failed (%s)%s", what, row.id, row.attempts, reason, "; will retry" if again else "; gave up"
    )
    return "retry" if again else "failed"


def enqueue_mail(ids: Iterable[int]) -> list[int]:
    """Put messages on the queue, MAIL_BATCH_SIZE to a task; called after the commit that stored them.
    A queue that is down is logged, not raised: the rows stay pending and the worker's sweep
    enqueues them. Returns the ids that did not reach the queue."""
    ids = list(ids)
    size = max(int(current_app.config["MAIL_BATCH_SIZE"]), 1)
    for start in range(0, len(ids), size):
        try:
            queue.enqueue(send_mail_batch, *ids[start : start + size])
        except Exception as exc:
            log.warning(
                "mail queue unavailable (%s: %s): %d message(s) left pending for the sweep",
                type(exc).__name__,
                exc,
                len(ids) - start,
            )
            return ids[start:]
    return []


def requeue_due_mail() -> int:
    """Enqueue (in batches) each pending message whose next attempt is due and which the queue does
    not hold: never enqueued (the queue was down), due for a retry, or leased by a worker that died.
    Marks failed those out of tries. Raises if the queue is down (the sweep tries again)."""
    due = services.mail_due(retry_policy())
    db.session.commit()
    if not due:
        return 0
    waiting = {notification_id for args in queue.waiting(send_mail_batch) for notification_id in args}
    waiting |= {args[0] for args in queue.waiting(send_mail)}  # single sends, as enqueued before batches
    lost = [notification_id for notification_id in due if notification_id not in waiting]
    size = max(int(current_app.config["MAIL_BATCH_SIZE"]), 1)
    for start in range(0, len(lost), size):
        queue.enqueue(send_mail_batch, *lost[start : start + size])
    return len(lost)


@contextmanager
def mail_in_worker(app: Flask) -> Iterator[None]:
    """What a worker process adds for mail while its consumer runs: the sweep every
    MAIL_SWEEP_SECONDS (retries fall due, crashes and queue outages leave rows pending)."""
    queued = partial(log.info, "put %d message(s) on the mail queue")
    with sweeping(app, "mail sweep", float(app.config["MAIL_SWEEP_SECONDS"]), requeue_due_mail, queued):
        yield


@queue.periodic(minute="*/5")
def send_reminders() -> str:
    """Every five minutes (once across workers): the reminders due now, each notified once per person
    and key (workshop sessions 24 h and 1 h ahead, assignments due within 48 h, assigned paths)."""
    sent = reminders.send_due(utcnow())
    return ", ".join(f"{name} {count}" for name, count in sent.items()) or "no reminder finders"
