"""A learner is notified of their assignment work, once per event: a grade ready (per grading round),
a round that could not be graded, an instructor's mark or comment, an extension. Graded in the real
sandbox; mail read from a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

import grading
from lms.assignments import gradebook, services, worker
from lms.assignments.audit import Actor
from lms.db import clock_at
from lms.extensions import db
from lms.notifications.models import Delivery, Notification, NotificationKind
from lms.notifications.services import set_preferences
from lms.notifications.tasks import send_mail
from tests.factories import login
from tests.lms.assignments.helpers import add_answer, graded_squares, grading_app, item_of, teacher_and_learners

GRADED_AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
SQUARES = "/courses/python-basics/squares"


@pytest.fixture
def app(make_app, courses_dir, smtp):
    with grading_app(make_app, courses_dir, MAIL_URL=smtp.url) as app:
        yield app


def _told(kind: NotificationKind) -> list[tuple[int, str]]:
    """(recipient, key) of every notification of a kind, in order."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Notification.user_id, Notification.key).where(Notification.kind == kind).order_by(Notification.id)
    )
    return [tuple(row) for row in rows]


def _row(kind: NotificationKind, index: int = -1) -> Notification:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))[
        index
    ]


def _mailed(smtp, kind: NotificationKind) -> tuple[str, str, str]:
    """The latest notification of a kind, sent by the worker's task: its subject and both parts."""
    assert send_mail(_row(kind).id) == "sent"
    message = message_from_bytes(smtp.sink.envelopes[-1].content, policy=policy.default)
    return message["Subject"], message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_a_grade_is_told_once_per_round_and_mailed_in_the_learners_language_and_zone(app, client, smtp):
    teacher, learner, _other = teacher_and_learners()
    learner.locale, learner.timezone = "zh", "Asia/Shanghai"
    db.session.commit()
    with clock_at(GRADED_AT):
        sub = graded_squares(learner)
    assert _told(NotificationKind.GRADE_READY) == [(learner.id, f"submission:{sub.id}:1")]
    assert worker.grade_now(sub.id, 1) == "taken"  # the task delivered twice: graded once, told once
    assert len(_told(NotificationKind.GRADE_READY)) == 1

    gradebook.regrade(item_of("squares"), sub, by=Actor.of(teacher))
    db.session.commit()
    assert worker.grade_now(sub.id, 2) == "graded"
    assert _told(NotificationKind.GRADE_READY) == [
        (learner.id, f"submission:{sub.id}:1"),
        (learner.id, f"submission:{sub.id}:2"),
    ]

    grade = db.session.get(type(sub), sub.id).grades[0]
    assert send_mail(_row(NotificationKind.GRADE_READY, 1).id) == "held"  # grades go to the daily digest by default
    set_preferences(learner.id, {NotificationKind.GRADE_READY: Delivery.EMAIL})
    db.session.commit()
    assert send_mail(_row(NotificationKind.GRADE_READY, 0).id) == "sent"
    [envelope] = smtp.sink.envelopes
    assert envelope.rcpt_tos == [learner.email]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == f"已评分：Squares，{grade.auto_score:g} / {grade.max_score:g}"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "2026年12月7日 17:00" in part  # graded at 09:00 UTC, told in Shanghai time
        assert f"得分：{grade.auto_score:g} / {grade.max_score:g} 分" in part
        assert f"http://127.0.0.1:5000{SQUARES}" in part
    login(client, learner.email)
    assert "Squares" in client.get(SQUARES).text  # the link is the learner's assignment page


def test_a_round_that_could_not_be_graded_is_told_with_its_reason(app, smtp):
    teacher, learner, other = teacher_and_learners()
    item = item_of("add")
    data = add_answer(services.engine_release(services.current_release(item.id)).notebook_bytes)
    sub, _ = services.submit(learner, item, data, max_bytes=1 << 20)
    db.session.commit()

    def broken(_limits):
        raise grading.SandboxError("bubblewrap is not installed")

    assert worker.grade_now(sub.id, 1, broken) == "failed"
    assert _told(NotificationKind.GRADE_FAILED) == [(learner.id, f"submission:{sub.id}:1")]
    assert "bubblewrap is not installed" in _row(NotificationKind.GRADE_FAILED).context["reason"]
    assert worker.grade_now(sub.id, 1, broken) == "taken"  # delivered again: nothing more
    gradebook.regrade(item, sub, by=Actor.of(teacher))
    db.session.commit()
    assert worker.grade_now(sub.id, 2, broken) == "failed"
    assert _told(NotificationKind.GRADE_FAILED) == [
        (learner.id, f"submission:{sub.id}:1"),
        (learner.id, f"submission:{sub.id}:2"),
    ]
    assert _told(NotificationKind.GRADE_READY) == []
    subject, text, html = _mailed(smtp, NotificationKind.GRADE_FAILED)
    assert subject == "Could not be graded: Add two numbers"
    for part in (text, html):
        assert "could not be graded" in part and "bubblewrap is not installed" in part
        assert "http://127.0.0.1:5000/courses/python-basics/add" in part


def test_an_instructors_comment_and_mark_are_told_once_each(app, client, smtp):
    teacher, learner, other = teacher_and_learners()
    sub = graded_squares(learner)
    login(client, teacher.email)
    review = f"/teach/assignments/submissions/{sub.id}/review"
    client.post(review, data={"comment": "Well *explained*.", "adjustment": "", "reason": ""})
    client.post(review, data={"comment": "Well *explained*.", "adjustment": "", "reason": ""})  # sent twice
    [(who, key)] = _told(NotificationKind.REVIEW_ADDED)
    assert who == learner.id and key.startswith("grade-change:")
    told = _row(NotificationKind.REVIEW_ADDED)
    assert told.context["comment"] == "Well *explained*." and told.context["by"] == teacher.display_name
    assert told.subject["url"] == SQUARES

    manual = f"/teach/assignments/submissions/{sub.id}/manual"
    client.post(manual, data={"grade_id": "explain", "points": "1", "comment": "Clear and short."})
    client.post(manual, data={"grade_id": "explain", "points": "1", "comment": "Clear and short."})
    told = _told(NotificationKind.REVIEW_ADDED)
    assert [who for who, _key in told] == [learner.id, learner.id] and told[0][1] != told[1][1]
    assert _row(NotificationKind.REVIEW_ADDED).context["comment"] == "Clear and short."
    subject, text, html = _mailed(smtp, NotificationKind.REVIEW_ADDED)
    assert subject == "Reviewed by your instructor: Squares"
    for part in (text, html):
        assert f"{teacher.display_name} reviewed your submission for Squares" in part
        assert "Clear and short." in part and f"http://127.0.0.1:5000{SQUARES}" in part


def test_an_extension_is_told_to_its_learner_once_per_new_date(app, client, smtp):
    teacher, learner, other = teacher_and_learners()
    login(client, teacher.email)
    grant = "/teach/assignments/python-basics/squares/extensions"
    client.post(grant, data={"learner_id": learner.id, "due_at": "2030-01-12T00:00"})
    client.post(grant, data={"learner_id": learner.id, "due_at": "2030-01-12T00:00"})  # the same date again
    [(who, key)] = _told(NotificationKind.EXTENSION_GRANTED)
    assert who == learner.id and key.startswith("extension:")
    assert _row(NotificationKind.EXTENSION_GRANTED).context["due_at"] == "2030-01-12T00:00:00+00:00"
    client.post(grant, data={"learner_id": learner.id, "due_at": "2030-01-14T00:00"})  # a later date: told again
    assert [who for who, _key in _told(NotificationKind.EXTENSION_GRANTED)] == [learner.id, learner.id]
    subject, text, html = _mailed(smtp, NotificationKind.EXTENSION_GRANTED)
    assert subject == "Extension granted: Squares"
    for part in (text, html):  # the learner's zone is UTC here
        assert "until Jan 14, 2030, 12:00" in part and "AM UTC." in part and f"http://127.0.0.1:5000{SQUARES}" in part
