"""The worker's fan-out of an announcement: one notification per recipient, written in bulk, then
their e-mails handed to the mail queue."""

from __future__ import annotations

import logging
from datetime import timedelta

from lms.announcements import services
from lms.db import utcnow
from lms.extensions import db, queue
from lms.notifications.tasks import enqueue_mail

log = logging.getLogger(__name__)
STALLED_AFTER = timedelta(minutes=2)  # a fan-out of 10,000 rows takes well under a second


@queue.task
def fan_out(announcement_id: int) -> int:
    """Write every recipient's notification, then hand the new ones to the mail queue. Safe to run
    again after a crash or twice at once: rows already written are skipped, never mailed twice
    (rows written but not enqueued, the worker having died between, are pending: the mail sweep
    enqueues them). Returns how many rows this run added."""
    new = write_notifications(announcement_id)
    enqueue_mail(new)  # a queue that is down leaves them pending for the sweep too
    return len(new)


def write_notifications(announcement_id: int) -> list[int]:
    """The rows, chunk by chunk (each chunk its own short transaction, so readers and the web
    workers never wait long on SQLite's lock), then the announcement marked sent with its
    recipient count. Returns the ids of the rows added; none when it was already sent."""
    announcement = services.start_fan_out(announcement_id)
    if announcement is None:
        db.session.rollback()
        return []
    db.session.commit()
    recipients = services.recipient_ids(announcement)
    new: list[int] = []
    for start in range(0, len(recipients), services.CHUNK):
        new += services.write_copies(announcement, recipients[start : start + services.CHUNK])
        db.session.commit()
    services.finish_fan_out(announcement, len(recipients))
    db.session.commit()
    log.info("announcement %d: %d recipient(s), %d new notification(s)", announcement_id, len(recipients), len(new))
    return new


@queue.periodic(minute="*/5")
def resume_fan_outs() -> int:
    """Fan out the announcements still not sent STALLED_AFTER after they were written (a queue that
    was down when the request enqueued, a worker that died mid-way): nothing an author sends stays
    queued for ever. Safe beside a fan-out still running (its rows are skipped). Returns how many."""
    stalled = services.stalled(utcnow() - STALLED_AFTER)
    db.session.rollback()
    for announcement_id in stalled:
        log.warning("announcement %d was not sent: fanning it out now", announcement_id)
        fan_out(announcement_id)
    return len(stalled)


def enqueue_fan_out(announcement_id: int) -> None:
    """Put the fan-out on the queue; called after the commit that stored the announcement."""
    queue.enqueue(fan_out, announcement_id)
