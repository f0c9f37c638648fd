"""Mail that goes out through a real SMTP server (aiosmtpd), in the recipient's language and zone,
enqueued after commit, retried with backoff, failed with the reason after the last try."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

from lms.db import clock_at, utcnow
from lms.extensions import db, queue
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.notifications.services import notify
from lms.notifications.tasks import requeue_due_mail, send_mail, send_mail_batch
from tests.factories import make_user

SENT_AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai, 10:00 in Paris


def _announce(user, title="Office hours", key="announcement:1") -> int:
    new = notify(
        user,
        NotificationKind.ANNOUNCEMENT,
        {"title": title, "url": "/dashboard"},
        {"author": "Ada Instructor", "body": "We meet on Friday.", "sent_at": SENT_AT.isoformat()},
        key=key,
    )
    db.session.commit()
    return new


def _received(smtp, index=-1):
    envelope = smtp.sink.envelopes[index]
    return envelope, message_from_bytes(envelope.content, policy=policy.default)


def _parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_committed_notification_is_queued_then_sent_in_the_recipients_language_and_zone(app, smtp):
    user = make_user(email="li@example.test", name="Li Wei")
    user.locale, user.timezone = "zh", "Asia/Shanghai"
    db.session.commit()
    new = _announce(user)
    assert (new,) in queue.waiting(send_mail_batch)  # enqueued by the commit (a batch of one), not sent by it
    assert smtp.sink.envelopes == []

    assert send_mail(new) == "sent"
    envelope, message = _received(smtp)
    assert envelope.rcpt_tos == ["li@example.test"]
    assert message["To"] == "Li Wei <li@example.test>"
    assert message["From"] == "Academy <academy@example.test>"
    assert message["Content-Language"] == "zh"
    assert message["Subject"] == "公告：Office hours"
    assert message.get_content_type() == "multipart/alternative"
    text, html = _parts(message)
    for part in (text, html):
        assert "2026年12月7日 17:00" in part  # 09:00 UTC in Asia/Shanghai, Chinese format
        assert "Ada Instructor" in part and "We meet on Friday." in part
        assert "http://127.0.0.1:5000/dashboard" in part
    assert "你好" in text
    assert "<h1" in html and "<h1" not in text
    row = db.session.get(Notification, new)
    assert (row.email_state, row.attempts, row.last_error) == (EmailState.SENT, 1, None)
    assert send_mail(new) == "not due"  # a second delivery of the task sends nothing
    assert len(smtp.sink.envelopes) == 1


def test_english_recipient_in_paris(app, smtp):
    user = make_user(name="Ada")
    user.locale, user.timezone = "en", "Europe/Paris"
    db.session.commit()
    send_mail(_announce(user))
    _, message = _received(smtp)
    assert message["Subject"] == "Announcement: Office hours"
    text, html = _parts(message)
    assert "Dec 7, 2026, 10:00" in text and "CET" in text
    assert "Hello Ada," in text and "Hello Ada," in html


def test_line_breaks_in_names_and_titles_cannot_add_headers(app, smtp):
    user = make_user(email="eve@example.test", name="Eve\r\nBcc: victim@evil.test")
    send_mail(_announce(user, title="Hi\r\nBcc: victim@evil.test\r\n\r\nforged body"))
    envelope, message = _received(smtp)
    assert envelope.rcpt_tos == ["eve@example.test"]  # nobody added
    assert message["Bcc"] is None
    assert message["Subject"] == "Announcement: Hi Bcc: victim@evil.test forged body"
    assert message["To"].addresses[0].addr_spec == "eve@example.test"
    assert b"\nBcc:" not in envelope.content.split(b"\r\n\r\n", 1)[0]


def test_a_refusing_server_keeps_the_message_pending_then_failed_with_the_reason(app, smtp):
    smtp.sink.refuse = True
    new = _announce(make_user())
    assert send_mail(new) == "retry"
    row = db.session.get(Notification, new)
    assert (row.email_state, row.attempts) == (EmailState.PENDING, 1)
    assert "550" in row.last_error and "test refusal" in row.last_error
    assert send_mail(new) == "not due"  # the backoff holds it back (60 s)
    first_wait = row.next_attempt_at - utcnow()
    with clock_at(utcnow() + timedelta(minutes=2)):
        assert send_mail(new) == "retry"
        db.session.refresh(row)
        assert row.next_attempt_at - utcnow() > first_wait  # doubled: 120 s
    with clock_at(utcnow() + timedelta(minutes=10)):
        assert send_mail(new) == "failed"
    db.session.refresh(row)
    assert (row.email_state, row.attempts, row.next_attempt_at) == (EmailState.FAILED, 3, None)
    assert "550" in row.last_error
    with clock_at(utcnow() + timedelta(hours=2)):
        assert send_mail(new) == "not due" and requeue_due_mail() == 0  # given up: never tried again
    assert smtp.sink.envelopes == []


def test_a_stopped_server_loses_nothing_the_sweep_sends_it_once_back(app, smtp):
    smtp.stop()
    new = _announce(make_user(email="kept@example.test"))
    assert send_mail(new) == "retry"
    row = db.session.get(Notification, new)
    assert row.email_state == EmailState.PENDING and "ConnectionRefusedError" in row.last_error
    assert requeue_due_mail() == 0  # not due yet: nothing to put on the queue
    smtp.start()
    queue.huey().flush()  # what the queue held is lost too: the row is the record
    with clock_at(utcnow() + timedelta(minutes=2)):
        assert requeue_due_mail() == 1
        assert queue.waiting(send_mail_batch) == {(new,)}
        assert requeue_due_mail() == 0  # already on the queue: not added twice
        assert send_mail(new) == "sent"
    envelope, _ = _received(smtp)
    assert envelope.rcpt_tos == ["kept@example.test"]


def test_a_worker_that_died_while_sending_on_the_last_try_is_failed_by_the_sweep(app, smtp):
    new = _announce(make_user())
    row = db.session.get(Notification, new)
    row.attempts, row.next_attempt_at = 3, utcnow()  # leased for its last try; the lease ran out
    db.session.commit()
    assert requeue_due_mail() == 0
    db.session.refresh(row)
    assert row.email_state == EmailState.FAILED and "last try" in row.last_error


def test_without_mail_url_each_message_is_an_eml_file_in_the_outbox(make_app):
    app = make_app(MAIL_URL="")
    with app.app_context():
        user = make_user(email="file@example.test")
        new = _announce(user)
        assert send_mail(new) == "sent"
        files = list((app.config["INSTANCE_DIR"] / "outbox").glob("*.eml"))
        assert [f.name.endswith(f"-{new}.eml") for f in files] == [True]
        message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
        assert message["To"].addresses[0].addr_spec == "file@example.test"
        assert "We meet on Friday." in _parts(message)[0]
