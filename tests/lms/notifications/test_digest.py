"""The daily digest: one e-mail per person and day at DIGEST_HOUR in their own time zone, listing
what was held for it (links, times in their zone, their language), exactly once however often the
hourly task runs; with its own one-click unsubscribe link."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

from lms.db import clock_at
from lms.extensions import db, queue
from lms.localtime import show
from lms.notifications import services
from lms.notifications.models import EmailState, Notification, NotificationDigest, NotificationKind
from lms.notifications.services import notify
from lms.notifications.tasks import RetryPolicy, send_digests_at, send_mail
from tests.factories import make_user
from tests.lms.notifications.contexts import ANY_KIND

HELD_AT = datetime(2026, 12, 9, 1, 0, tzinfo=UTC)  # 09:00 Dec 9 in Shanghai, 20:00 Dec 8 in New York


def _person(email: str, locale: str, zone: str):
    user = make_user(email=email, name=email.split("@")[0].title())
    user.locale, user.timezone = locale, zone
    db.session.commit()
    return user


def _graded(user, n: int, at: datetime = HELD_AT) -> int:
    """A grade_ready notification (its default is the digest), sent by the worker: held."""
    with clock_at(at):
        new = notify(
            user,
            NotificationKind.GRADE_READY,
            {"title": f"Quiz {n} graded", "url": f"/grades/{n}"},
            ANY_KIND,
            key=f"g:{n}",
        )
        db.session.commit()
        assert send_mail(new) == "held"
    return new


def _messages(smtp) -> dict[str, object]:
    found = {}
    for envelope in smtp.sink.envelopes:
        found[envelope.rcpt_tos[0]] = message_from_bytes(envelope.content, policy=policy.default)
    return found


def _rows(ids) -> list[Notification]:
    db.session.expire_all()
    return [db.session.get(Notification, i) for i in ids]


def test_digest_at_eight_in_each_persons_zone_in_their_language(app, smtp):
    li = _person("li@example.test", "zh", "Asia/Shanghai")
    ann = _person("ann@example.test", "en", "America/New_York")
    li_items = [_graded(li, 1), _graded(li, 2, HELD_AT + timedelta(minutes=30))]
    ann_items = [_graded(ann, 3)]
    assert smtp.sink.envelopes == []  # held, not mailed

    assert send_digests_at(datetime(2026, 12, 9, 12, 0, tzinfo=UTC)) == 0  # 07:00 in New York; Li's came after 08:00
    assert send_digests_at(datetime(2026, 12, 9, 13, 0, tzinfo=UTC)) == 1  # 08:00 in New York
    message = _messages(smtp)["ann@example.test"]
    assert message["Subject"] == "Your Academy digest: 1 notification"
    text = message.get_body(("plain",)).get_content()
    assert "Quiz 3 graded" in text and show(HELD_AT, "en", "America/New_York") in text
    assert "Dec 8, 2026" in show(HELD_AT, "en", "America/New_York")  # the evening before, in New York
    assert "times in America/New_York" in text
    assert _rows(ann_items)[0].email_state == EmailState.SENT

    assert send_digests_at(datetime(2026, 12, 9, 23, 0, tzinfo=UTC)) == 0  # 07:00 Dec 10 in Shanghai
    assert send_digests_at(datetime(2026, 12, 10, 0, 0, tzinfo=UTC)) == 1  # 08:00 in Shanghai
    assert len(smtp.sink.envelopes) == 2
    zh = _messages(smtp)["li@example.test"]
    assert zh["Subject"] == "你的 Academy 摘要：2 条通知"
    first = show(HELD_AT, "zh", "Asia/Shanghai")
    assert first.startswith("2026年12月9日 09:00")
    for part in (zh.get_body(("plain",)).get_content(), zh.get_body(("html",)).get_content()):
        assert "Quiz 1 graded" in part and "Quiz 2 graded" in part and first in part
        assert "http://127.0.0.1:5000/grades/1" in part
        assert part.index("Quiz 1") < part.index("Quiz 2")  # oldest first
    assert [row.email_state for row in _rows(li_items)] == [EmailState.SENT, EmailState.SENT]
    assert all(row.sent_at is not None and row.digest_id for row in _rows(li_items))

    url = message["List-Unsubscribe"][1:-1]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in text and url in message.get_body(("html",)).get_content()
    assert services.unsubscribe_target(url.rsplit("/", 1)[1]) == (ann.id, services.DIGEST)


def test_run_twice_or_by_two_workers_the_digest_is_sent_once(app, smtp):
    li = _person("li@example.test", "zh", "Asia/Shanghai")
    _graded(li, 1)
    eight = datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
    assert send_digests_at(eight) == 1
    assert send_digests_at(eight) == 0
    assert send_digests_at(eight + timedelta(hours=1)) == 0
    assert len(smtp.sink.envelopes) == 1
    assert db.session.query(NotificationDigest).count() == 1

    # Two workers at the same hour: the (user, day) row lets one open the digest, the claim one send it.
    _graded(li, 2, eight + timedelta(minutes=5))  # after 08:00: tomorrow's digest
    tomorrow = eight + timedelta(days=1)
    first, second = services.open_digests(tomorrow, 8), services.open_digests(tomorrow, 8)
    assert len(first) == 1 and second == []
    db.session.commit()
    policy = RetryPolicy(max_tries=3, retry_seconds=60, lease_seconds=300)
    assert services.claim_digest(first[0], policy, tomorrow) is not None
    db.session.commit()
    assert services.claim_digest(first[0], policy, tomorrow) is None  # leased by the first worker


def test_two_workers_running_the_digest_at_the_same_moment_send_it_once(app, smtp):
    li = _person("li@example.test", "zh", "Asia/Shanghai")
    _graded(li, 1)
    eight = datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
    start, results, errors = threading.Barrier(2), [], []

    def worker() -> None:
        with app.app_context():  # its own session and connection, as another worker process has
            try:
                start.wait()
                results.append(send_digests_at(eight))
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and sorted(results) == [0, 1]
    assert len(smtp.sink.envelopes) == 1
    assert db.session.query(NotificationDigest).count() == 1


def test_held_after_the_hour_waits_for_the_next_day_and_a_kind_turned_off_is_left_out(app, smtp):
    ann = _person("ann@example.test", "en", "Europe/Paris")
    eight = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    early, late = _graded(ann, 1, eight - timedelta(hours=2)), _graded(ann, 2, eight + timedelta(minutes=1))
    assert send_digests_at(eight) == 1
    assert "Quiz 2" not in smtp.sink.envelopes[-1].content.decode()
    assert [r.email_state for r in _rows([early, late])] == [EmailState.SENT, EmailState.DIGEST]

    services.set_preferences(ann.id, {NotificationKind.GRADE_READY: services.Delivery.OFF})
    db.session.commit()  # turned off while held: tomorrow's digest has nothing left, and is not sent
    assert send_digests_at(eight + timedelta(days=1)) == 0
    assert len(smtp.sink.envelopes) == 1
    assert _rows([late])[0].email_state == EmailState.SKIPPED and _rows([late])[0].last_error == services.TURNED_OFF


def test_a_digest_the_server_refused_is_retried_at_a_later_run_and_sent_once(app, smtp):
    li = _person("li@example.test", "en", "Asia/Shanghai")
    item = _graded(li, 1)
    eight = datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
    smtp.stop()
    assert send_digests_at(eight) == 0
    digest = db.session.query(NotificationDigest).one()
    assert digest.state == "pending" and digest.attempts == 1 and "ConnectionRefusedError" in digest.last_error
    assert _rows([item])[0].email_state == EmailState.DIGEST
    smtp.start()
    assert send_digests_at(eight + timedelta(hours=1)) == 1
    assert send_digests_at(eight + timedelta(hours=2)) == 0
    assert len(smtp.sink.envelopes) == 1 and _rows([item])[0].email_state == EmailState.SENT


def test_the_digest_is_an_hourly_periodic_task_the_workers_run_by_its_name(app, smtp):
    name = "lms.notifications.tasks.send_digests"
    assert queue.schedules()[name] == {"minute": "0"}
    _graded(_person("li@example.test", "zh", "Asia/Shanghai"), 1)
    with clock_at(datetime(2026, 12, 10, 0, 0, tzinfo=UTC)):  # the slot of 08:00 in Shanghai
        assert queue.function(name)() == "1 digest(s) sent"  # as lms.operations.tasks.run_periodic calls it
    assert len(smtp.sink.envelopes) == 1


def test_the_digests_own_link_stops_the_digest_and_keeps_e_mail_at_once(app, smtp):
    ann = _person("ann@example.test", "en", "Europe/Paris")
    services.set_preferences(ann.id, {NotificationKind.ANNOUNCEMENT: services.Delivery.DIGEST})
    db.session.commit()
    _graded(ann, 1)
    assert send_digests_at(datetime(2026, 12, 10, 7, 0, tzinfo=UTC)) == 1
    message = message_from_bytes(smtp.sink.envelopes[-1].content, policy=policy.default)
    path = message["List-Unsubscribe"][1:-1].removeprefix("http://127.0.0.1:5000")
    response = app.test_client().post(path, data="List-Unsubscribe=One-Click")
    assert response.status_code == 200 and "The daily digest will no longer be e-mailed" in response.text
    db.session.expire_all()
    chosen = services.preferences(ann.id)
    assert chosen[NotificationKind.GRADE_READY] == chosen[NotificationKind.ANNOUNCEMENT] == services.Delivery.IN_APP
    assert chosen[NotificationKind.FEEDBACK_REPLY] == services.Delivery.EMAIL  # mailed at once, as before
