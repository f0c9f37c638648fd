"""The worker's fan-out of an announcement: one notification per recipient, written in bulk."""

from __future__ import annotations

import logging

from lms.announcements import services
from lms.extensions import db, queue
from lms.notifications.tasks import enqueue_mail

log = logging.getLogger(__name__)


@queue.task
def fan_out(announcement_id: int) -> int:
    """Write every recipient's notification, chunk by chunk (each chunk committed, then its new rows
    handed to the mail queue), and mark the announcement sent with its recipient count. Safe to run
    again after a crash or twice at once: rows already written are skipped, never mailed twice.
    Returns how many rows this run added."""
    announcement = services.start_fan_out(announcement_id)
    if announcement is None:
        db.session.rollback()
        return 0
    db.session.commit()
    recipients = services.recipient_ids(announcement)
    added = 0
    for start in range(0, len(recipients), services.CHUNK):
        new = services.write_copies(announcement, recipients[start : start + services.CHUNK])
        db.session.commit()
        enqueue_mail(new)  # a queue that is down leaves them pending: the mail sweep enqueues them
        added += len(new)
    services.finish_fan_out(announcement, len(recipients))
    db.session.commit()
    log.info("announcement %d: %d recipient(s), %d new notification(s)", announcement_id, len(recipients), added)
    return added


def enqueue_fan_out(announcement_id: int) -> None:
    """Put the fan-out on the queue; called after the commit that stored the announcement."""
    queue.enqueue(fan_out, announcement_id)
