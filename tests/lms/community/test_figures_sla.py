"""The SLA breach: the worker's periodic task tells a course's staff once per question that waits
past the course's SLA (found in one query, marked told in the same transaction), mailed through the
real SMTP server in the recipient's language; nothing for answered or fresh questions."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from lms.community.models import Thread
from lms.db import clock_at, utcnow
from lms.extensions import db, queue
from lms.learning.services import enroll
from lms.notifications.models import Notification, NotificationKind
from lms.notifications.tasks import send_mail
from lms.operations.tasks import run_periodic
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses, make_user
from tests.lms.community.conftest import accept_conduct
from tests.lms.community.test_figures import answered, asked

TASK = "lms.community.tasks.notify_overdue_questions"
HOUR = timedelta(hours=1)


@pytest.fixture
def app(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url, MAIL_FROM="Academy <academy@example.test>")
    with app.app_context():
        load_fixture_courses(FIXTURES / "courses")
        yield app


def _run(at) -> str:
    """The worker's periodic run of the SLA check for the slot of `at`."""
    with clock_at(at):
        return run_periodic(TASK, at.replace(second=0, microsecond=0).isoformat())


def _told() -> list[tuple[int, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Notification.user_id, Notification.key)
        .where(Notification.kind == NotificationKind.COMMUNITY_OVERDUE)
        .order_by(Notification.user_id, Notification.key)
    )
    return [tuple(row) for row in rows]


def test_the_check_is_scheduled_on_the_worker_every_five_minutes(app):
    assert queue.schedules()[TASK] == {"minute": "*/5"}


def test_the_staff_are_told_once_per_overdue_question(app, smtp, basics, other_course, teacher, asker, answerer):
    now = utcnow()
    admin = make_user("admin", name="Ada Admin")
    late = asked(asker, basics, now - 25 * HOUR, title="Why does my loop never end?")
    soon = asked(asker, basics, now - 20 * HOUR, title="What is a tuple?")
    done = asked(asker, basics, now - 40 * HOUR, title="Answered already")
    answered(answerer, done, now - 39 * HOUR)
    learner = accept_conduct(make_user())
    enroll(learner.id, other_course)
    orphan = asked(learner, other_course, now - 30 * HOUR, title="A course without instructors")
    db.session.commit()

    assert _run(now) == "2 overdue question(s) told"
    # python-basics's instructor; python-next names none, so the admins are told.
    assert _told() == sorted([(teacher.id, f"thread:{late.id}"), (admin.id, f"thread:{orphan.id}")])
    assert db.session.get(Thread, late.id).sla_notified_at == now
    assert db.session.get(Thread, soon.id).sla_notified_at is None
    assert _run(now + timedelta(minutes=10)) == "0 overdue question(s) told"  # the next slot: nothing new

    assert _run(now + 5 * HOUR) == "1 overdue question(s) told"  # `soon` passed its 24 hours
    assert (teacher.id, f"thread:{soon.id}") in _told() and len(_told()) == 3


def test_an_answer_before_the_check_means_no_breach(app, basics, teacher, asker, answerer):
    now = utcnow()
    question = asked(asker, basics, now - 30 * HOUR)
    answered(answerer, question, now - HOUR)
    basics.community_sla_hours = 48
    waiting = asked(asker, basics, now - 30 * HOUR, title="Within a 48-hour SLA")
    db.session.commit()
    assert _run(now) == "0 overdue question(s) told" and _told() == []
    assert _run(now + 19 * HOUR) == "1 overdue question(s) told"
    assert _told() == [(teacher.id, f"thread:{waiting.id}")]


def test_the_mail_names_the_question_and_links_its_thread_in_the_staff_s_language(app, smtp, basics, teacher, asker):
    teacher.locale, teacher.timezone = "zh", "Asia/Shanghai"
    now = utcnow()
    question = asked(asker, basics, now - 25 * HOUR, title="<script>alert(1)</script> loops")
    db.session.commit()
    _run(now)
    notification = db.session.scalars(select(Notification)).one()
    assert send_mail(notification.id) == "sent"
    message = message_from_bytes(smtp.sink.envelopes[-1].content, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message["Subject"] == "24 小时无人回答：<script>alert(1)</script> loops"
    assert message["To"].addresses[0].addr_spec == "teacher@example.com"
    assert "Python basics 中于" in text and "24 小时" in text
    assert f"/courses/python-basics/community/{question.id}" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; loops" in html and "<script>" not in html
