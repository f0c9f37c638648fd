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


def test_a_server_stopped_mid_run_delivers_every_message_exactly_once_when_back(app, smtp):
    """200 messages in batches of 20 over 2 threads; the server stops after some 60 (once both threads
    wait for the answer to a next MAIL, so none is half accepted) and starts again: all 200 arrive, once each."""
    users = [make_user(email=f"crowd{n}@example.test") for n in range(200)]
    context = {"author": "Ada", "body": "Hello", "sent_at": "2026-12-07T09:00:00+00:00"}
    ids = [notify(u, NotificationKind.ANNOUNCEMENT, {"title": "All"}, context, key="announcement:2") for u in users]
    smtp.sink.hold_after, smtp.sink.hold_senders = 60, 2
    db.session.commit()
    worker = Worker(
        app.config,
        workers=2,
        GRADING_KERNEL_POOL="0",
        MAIL_URL=smtp.url,
        MAIL_BATCH_SIZE="20",
        MAIL_MAX_TRIES="50",
        MAIL_RETRY_SECONDS="0.2",
        MAIL_SWEEP_SECONDS="0.2",
        MAIL_TIMEOUT="10",
    )

    def failed_while_down() -> int:
        db.session.expire_all()
        return db.session.query(Notification).filter(Notification.last_error.contains("Connection")).count()

    try:
        assert smtp.sink.held.wait(60), worker.output()
        smtp.stop()
        wait_for(lambda: failed_while_down() >= 20, 60, "attempts refused while the server is down")
        accepted = len(smtp.sink.envelopes)
        assert 60 <= accepted < 200
        assert not any(_row(i).email_state == EmailState.FAILED for i in ids)  # waiting, not given up
        smtp.sink.hold_after = None
        smtp.start()
        wait_for(lambda: all(_row(i).email_state == EmailState.SENT for i in ids), 120, "every message sent")
    finally:
        worker.stop()
    recipients = sorted(r for e in smtp.sink.envelopes for r in e.rcpt_tos)
    assert recipients == sorted(u.email for u in users), worker.output()[-3000:]
