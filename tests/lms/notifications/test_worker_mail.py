"""A real `flask worker run` sends notification mail; a mail server stopped mid-run loses nothing."""

from __future__ import annotations

from lms.extensions import db
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.notifications.services import notify
from tests.factories import make_user
from tests.lms.assignments.helpers import Worker, wait_for


def _row(new: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, new)


def test_the_worker_retries_while_the_server_is_down_and_delivers_once_it_is_back(app, smtp):
    smtp.stop()
    user = make_user(email="patient@example.test")
    context = {"author": "Ada", "body": "Hello", "sent_at": "2026-12-07T09:00:00+00:00"}
    new = notify(user, NotificationKind.ANNOUNCEMENT, {"title": "Back soon"}, context, key="announcement:1")
    db.session.commit()
    worker = Worker(
        app.config,
        workers=1,
        GRADING_KERNEL_POOL="0",
        MAIL_URL=smtp.url,
        MAIL_MAX_TRIES="50",
        MAIL_RETRY_SECONDS="0.2",
        MAIL_SWEEP_SECONDS="0.2",
    )
    try:
        wait_for(lambda: _row(new).attempts >= 2, 60, "two refused attempts")
        row = _row(new)
        assert row.email_state == EmailState.PENDING and "ConnectionRefusedError" in row.last_error
        assert smtp.sink.envelopes == []
        smtp.start()
        wait_for(lambda: _row(new).email_state == EmailState.SENT, 60, "delivery once the server is back")
    finally:
        worker.stop()
    assert [e.rcpt_tos for e in smtp.sink.envelopes] == [["patient@example.test"]], worker.output()
