"""Mail goes on the queue in batches, each sent over one SMTP connection, while every message is
still claimed, counted, retried and failed on its own."""

from __future__ import annotations

from datetime import timedelta

from lms.db import clock_at, utcnow
from lms.extensions import db, queue
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.notifications.services import notify
from lms.notifications.tasks import requeue_due_mail, send_mail, send_mail_batch
from tests.factories import make_user
from tests.mailsink import Sink, SmtpServer

CONTEXT = {"author": "Ada", "body": "Hello", "sent_at": "2026-12-07T09:00:00+00:00"}


class Connections(Sink):
    """Also notes each message's connection (its client's port), and refuses the addresses in `refused`."""

    def __init__(self) -> None:
        super().__init__()
        self.peers: list[tuple[str, int]] = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox (test refusal)"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def _announce_to(count: int, prefix: str = "learner") -> list[int]:
    users = [make_user(email=f"{prefix}{n}@example.test") for n in range(count)]
    kind = NotificationKind.ANNOUNCEMENT
    ids = [notify(user, kind, {"title": "Hi"}, CONTEXT, key="announcement:b") for user in users]
    db.session.commit()  # one commit: its ids go on the queue together
    return ids


def _rows(ids: list[int]) -> list[Notification]:
    db.session.expire_all()
    return [db.session.get(Notification, i) for i in ids]


def test_a_commit_enqueues_its_mail_in_batches_and_the_sweep_adds_no_second_copy(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url, MAIL_BATCH_SIZE=4)
    with app.app_context():
        ids = _announce_to(10)
        assert sorted(queue.waiting(send_mail_batch)) == [tuple(ids[0:4]), tuple(ids[4:8]), tuple(ids[8:10])]
        assert requeue_due_mail() == 0  # all on the queue already
        queue.huey().flush()  # the queue lost them: the sweep puts them back, in batches again
        assert requeue_due_mail() == 10
        assert sorted(len(batch) for batch in queue.waiting(send_mail_batch)) == [2, 4, 4]


def test_a_batch_is_one_connection_and_a_refused_message_fails_alone(make_app):
    sink = Connections()
    server = SmtpServer(sink)
    try:
        app = make_app(MAIL_URL=server.url, MAIL_MAX_TRIES=2, MAIL_RETRY_SECONDS=60)
        with app.app_context():
            ids = _announce_to(6)
            sink.refused = {"learner2@example.test"}
            assert send_mail_batch(*ids) == {"sent": 5, "retry": 1}
            assert len(sink.envelopes) == 5
            assert len(set(sink.peers[:2])) == 1  # the first two shared one connection
            assert len(set(sink.peers)) == 2  # the refusal dropped it; the rest went over a new one
            rows = _rows(ids)
            assert [r.email_state for r in rows] == [EmailState.SENT] * 2 + [EmailState.PENDING] + [EmailState.SENT] * 3
            assert rows[2].attempts == 1 and "550" in rows[2].last_error
            assert send_mail_batch(*ids) == {"not due": 6}  # claimed per message: nothing sent twice
            with clock_at(utcnow() + timedelta(minutes=5)):
                assert send_mail_batch(*ids) == {"not due": 5, "failed": 1}
            assert _rows(ids)[2].email_state == EmailState.FAILED
            sink.refused = set()
    finally:
        server.stop()
    recipients = sorted(r for e in sink.envelopes for r in e.rcpt_tos)
    assert recipients == [f"learner{n}@example.test" for n in (0, 1, 3, 4, 5)]


def test_a_batch_reconnects_when_the_server_closed_an_idle_connection(make_app):
    sink = Connections()
    server = SmtpServer(sink)
    try:
        app = make_app(MAIL_URL=server.url)
        with app.app_context():
            first, second = _announce_to(2)
            from lms.notifications import mail

            with mail.Transport(app.config) as transport:
                assert send_mail(first, transport) == "sent"
                server.stop()  # drops the open connection, as a server's idle timeout would
                server.start()
                assert send_mail(second, transport) == "sent"  # no failed attempt counted
            assert [r.attempts for r in _rows([first, second])] == [1, 1]
    finally:
        server.stop()
    assert len(set(sink.peers)) == 2


def test_a_single_send_keeps_its_meaning(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url)
    with app.app_context():
        (new,) = _announce_to(1)
        assert send_mail(new) == "sent" and send_mail(new) == "not due"
    assert len(smtp.sink.envelopes) == 1
