"""The event kinds of workshops, certification and feedback: the real action tells exactly its person,
once per event (a retry adds nothing, a second event is its own), and the mail the worker sends says it
in the recipient's language and zone with a link that opens the thing. (Assignment kinds:
tests/lms/assignments/test_notices.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from lms.certification import services as certification
from lms.extensions import db
from lms.feedback import hub, surveys
from lms.notifications.models import Notification, NotificationKind
from lms.notifications.tasks import send_mail
from lms.workshops import registration
from lms.workshops.services import WorkshopError
from tests.conftest import FIXTURES
from tests.factories import item, load_fixture_courses, login, make_user
from tests.lms.workshops.helpers import make_workshop

STARTS_AT = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai, 10:00 in Paris


def _told(kind: NotificationKind) -> list[tuple[int, str]]:
    """(recipient, key) of every notification of a kind, oldest first."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Notification.user_id, Notification.key).where(Notification.kind == kind).order_by(Notification.id)
    )
    return [tuple(row) for row in rows]


def _first(kind: NotificationKind) -> Notification:
    return db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).first()


def _mailed(smtp, notification_id: int):
    """Send one notification through the worker's task; its message as received, and both parts."""
    assert send_mail(notification_id) == "sent"
    message = message_from_bytes(smtp.sink.envelopes[-1].content, policy=policy.default)
    return message, message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def _full_session(capacity: int = 1):
    session = make_workshop(capacity=capacity)
    session.starts_at, session.ends_at = STARTS_AT, STARTS_AT + timedelta(hours=2)
    session.registration_deadline, session.place = STARTS_AT, "Room 4"
    db.session.commit()
    return session


def test_a_waitlist_promotion_is_told_once_and_a_second_promotion_again(app):
    session = _full_session()
    seated, waiting, third = make_user(), make_user(), make_user()
    for user in (seated, waiting, third):
        registration.register(user, session)
    db.session.commit()
    assert _told(NotificationKind.WAITLIST_PROMOTED) == []

    registration.cancel(seated, session)
    db.session.commit()
    [(who, first_key)] = _told(NotificationKind.WAITLIST_PROMOTED)
    assert who == waiting.id and first_key.startswith(f"registration:{registration._get(session.id, waiting.id).id}:")
    with pytest.raises(WorkshopError):
        registration.cancel(seated, session)  # the same cancel again: refused, nobody told
    registration.fill_from_waitlist(session)  # and a sweep finds no seat to give
    db.session.commit()
    assert _told(NotificationKind.WAITLIST_PROMOTED) == [(waiting.id, first_key)]

    registration.cancel(waiting, session)  # the seat passes to the third
    registration.register(waiting, session)  # who queues again, and is promoted again when the third leaves
    db.session.commit()
    registration.cancel(third, session)
    db.session.commit()
    told = _told(NotificationKind.WAITLIST_PROMOTED)
    assert [who for who, _key in told] == [waiting.id, third.id, waiting.id]
    assert len({key for _who, key in told}) == 3


@pytest.mark.parametrize(
    ("locale", "zone", "subject", "time", "join"),
    [
        ("en", "Europe/Paris", "You have a seat: Workshop live-rag", "Mar 1, 2030, 10:00", "The join link is on"),
        ("zh", "Asia/Shanghai", "你已获得名额：Workshop live-rag", "2030年3月1日 17:00", "参加链接在工作坊页面上"),
    ],
)
def test_the_promotion_mail_in_the_learners_language_and_zone(app, client, smtp, locale, zone, subject, time, join):
    session = _full_session()
    seated, waiting = make_user(), make_user(email="wu@example.test", name="Wu")
    waiting.locale, waiting.timezone = locale, zone
    for user in (seated, waiting):
        registration.register(user, session)
    registration.cancel(seated, session)
    db.session.commit()
    message, text, html = _mailed(smtp, _first(NotificationKind.WAITLIST_PROMOTED).id)
    assert smtp.sink.envelopes[-1].rcpt_tos == ["wu@example.test"]
    assert message["Subject"] == subject and message["Content-Language"] == locale
    link = f"http://127.0.0.1:5000/workshops/live-rag#session-{session.id}"
    for part in (text, html):
        assert time in part and "Room 4" in part and join in part and link in part
    login(client, waiting.email)
    page = client.get("/workshops/live-rag").text  # the link's page, with the session's anchor
    assert f'id="session-{session.id}"' in page


def test_a_certificate_awarded_revoked_and_reinstated_is_told_each_time(app, client, smtp):
    holder, _other = make_user(name="Hana"), make_user()
    holder.locale, holder.timezone = "zh", "Asia/Shanghai"
    db.session.commit()
    cert = certification.award_workshop(holder, "live-rag", "Live RAG")
    db.session.commit()
    assert _told(NotificationKind.CERTIFICATE_AWARDED) == [(holder.id, f"certificate:{cert.id}:{cert.actions[0].id}")]
    assert certification.award_workshop(holder, "live-rag", "Live RAG").id == cert.id  # earned again: nothing new
    db.session.commit()
    assert len(_told(NotificationKind.CERTIFICATE_AWARDED)) == 1

    certification.revoke(None, cert, "Attendance was recorded by mistake.")
    db.session.commit()
    assert [who for who, _key in _told(NotificationKind.CERTIFICATE_REVOKED)] == [holder.id]
    certification.award(holder, "workshop", "workshop:live-rag", "Live RAG", by_hand=True, reason="Appeal upheld")
    db.session.commit()
    assert [who for who, _key in _told(NotificationKind.CERTIFICATE_AWARDED)] == [holder.id, holder.id]
    assert all(who == holder.id for kind in NotificationKind for who, _key in _told(kind))  # `other`: none

    message, text, html = _mailed(smtp, _first(NotificationKind.CERTIFICATE_AWARDED).id)
    assert message["Subject"] == "证书已颁发：Live RAG"
    for part in (text, html):
        assert "恭喜" in part and cert.public_id in part and f"http://127.0.0.1:5000/verify/{cert.public_id}" in part
    message, text, html = _mailed(smtp, _first(NotificationKind.CERTIFICATE_REVOKED).id)
    assert message["Subject"] == "证书已撤销：Live RAG"
    for part in (text, html):
        assert f"http://127.0.0.1:5000/verify/{cert.public_id}" in part
        assert "原因：Attendance was recorded by mistake." in part and cert.public_id in part
    assert cert.public_id in client.get(f"/verify/{cert.public_id}").text  # the public page, no sign-in


def test_replies_to_a_report_and_a_survey_comment_are_told_to_their_author(app, client, smtp):
    load_fixture_courses(FIXTURES / "courses")
    learner = make_user(email="learner@example.com", name="Lee")
    teacher = make_user("instructor", email="teacher@example.com")  # teaches python-basics and live-rag
    report = hub.file_report(learner, item("01-hello"), "problem", "The second example fails.")
    db.session.commit()
    login(client, teacher.email)
    thread = f"/feedback/items/{report.id}"
    client.post(thread, data={"body": "Fixed, thank you!"})
    [(who, key)] = _told(NotificationKind.FEEDBACK_REPLY)
    assert who == learner.id and key.startswith("feedback-message:")
    hub.add_message(report, learner, "It works now.")  # the learner's own message: nobody told
    db.session.commit()
    client.post(thread, data={"body": "Glad to hear it."})  # a second answer: told again
    assert [who for who, _key in _told(NotificationKind.FEEDBACK_REPLY)] == [learner.id, learner.id]

    message, text, html = _mailed(smtp, _first(NotificationKind.FEEDBACK_REPLY).id)
    assert message["Subject"] == f"Reply to your feedback: {report.title}"
    for part in (text, html):
        assert "Fixed, thank you!" in part and f"http://127.0.0.1:5000{thread}" in part
    client.post("/logout")
    login(client, learner.email)
    assert "Fixed, thank you!" in client.get(thread).text

    # A status change tells the follower in their language: planned, then done with the outcome.
    learner.locale = "zh"
    hub.triage(report, teacher, status="done", priority=None, owner_id=None, outcome="Fixed in lesson 1.", public=False)
    db.session.commit()
    [(who, key)] = _told(NotificationKind.FEEDBACK_STATUS)
    assert (who, key) == (learner.id, f"feedback-status:{report.id}:done")
    message, text, html = _mailed(smtp, _first(NotificationKind.FEEDBACK_STATUS).id)
    assert message["Subject"] == f"已完成：{report.title}"
    for part in (text, html):
        assert "处理结果" in part and "Fixed in lesson 1." in part and f"http://127.0.0.1:5000{thread}" in part

    session = make_workshop(starts_in=-timedelta(hours=3))
    session.workshop.survey = {"anonymous": False, "questions": []}
    registration.register(learner, session, now=session.starts_at - timedelta(days=1))
    registration.mark_attendance(session, {r.id for r, _u in registration.attendees(session)})
    survey = surveys.survey_for(workshop=session.workshop)
    response = surveys.submit("s", survey, learner, csat=4, nps=8, comment="More labs", answers={})
    db.session.commit()
    for text in ("Coming next month.", "Coming next month.", "Two labs are added."):  # the same twice, then new
        surveys.reply(response, teacher, text)
        db.session.commit()
    told = [(who, key) for who, key in _told(NotificationKind.FEEDBACK_REPLY) if key.startswith("survey-reply:")]
    assert [who for who, _key in told] == [learner.id, learner.id] and told[0][1] != told[1][1]


def test_a_reply_on_an_anonymous_survey_tells_no_one(app):
    session = make_workshop(starts_in=-timedelta(hours=3))
    session.workshop.survey = {"anonymous": True, "questions": []}
    learner, teacher = make_user(), make_user("instructor", email="teacher@example.com")
    registration.register(learner, session, now=session.starts_at - timedelta(days=1))
    registration.mark_attendance(session, {r.id for r, _u in registration.attendees(session)})
    survey = surveys.survey_for(workshop=session.workshop)
    response = surveys.submit("s", survey, learner, csat=3, nps=5, comment="?", answers={})
    surveys.reply(response, teacher, "Thanks.")
    db.session.commit()
    assert response.reply == "Thanks." and _told(NotificationKind.FEEDBACK_REPLY) == []
