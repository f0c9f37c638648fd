"""After a commit, the e-mails of the notifications it stored go on the queue (never before:
a rolled-back event must not be mailed, and no web request waits on a mail server)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from lms.notifications.services import PENDING_MAIL

log = logging.getLogger(__name__)


def connect(app: Flask) -> None:
    """Listen on every session's commits and rollbacks (once per process: the listeners are global)."""
    if not event.contains(Session, "after_commit", _enqueue_committed):
        event.listen(Session, "after_commit", _enqueue_committed)
        event.listen(Session, "after_soft_rollback", _forget_rolled_back)


def _enqueue_committed(session: Session) -> None:
    ids: list[int] = session.info.pop(PENDING_MAIL, [])
    if not ids:
        return
    from lms.notifications.tasks import enqueue_mail  # tasks sit above this module's services

    enqueue_mail(ids)


def _forget_rolled_back(session: Session, previous: SessionTransaction, *_: Any) -> None:
    # A savepoint's rollback keeps the outer transaction's ids: any enqueued for a row rolled back
    # with it finds nothing to send. The outermost rollback drops them all.
    if previous.parent is None:
        session.info.pop(PENDING_MAIL, None)
