"""Queue tasks of the community: the periodic SLA check on the worker."""

from __future__ import annotations

from lms.community.services import queue as staff_queue
from lms.db import utcnow
from lms.extensions import db, queue


@queue.periodic(minute="*/5")
def notify_overdue_questions() -> str:
    """Every five minutes (once across workers): tell each course's staff of the questions that have
    waited past the course's SLA, once per question."""
    told = staff_queue.notify_overdue(utcnow())
    db.session.commit()
    return f"{told} overdue question(s) told"
