"""Reminders found at a given moment (no sleeping): who gets each kind and who does not, once per
person and key across runs, in one set-based query per kind, mailed in the recipient's language
and zone through the real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

from sqlalchemy import select

from lms.accounts import services as accounts
from lms.assignments import services as assignment_services
from lms.assignments.audit import CLI
from lms.assignments.gradebook import grant_extension
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll
from lms.notifications.models import Notification, NotificationKind
from lms.notifications.reminders import send_due
from lms.notifications.tasks import send_mail
from lms.recommend import paths
from lms.workshops import registration
from tests.conftest import FIXTURES
from tests.factories import counted_queries, item, load_fixture_courses, login, make_user
from tests.lms.assignments.helpers import add_answer
from tests.lms.reports.helpers import complete_basics
from tests.lms.workshops.helpers import make_workshop

Kind = NotificationKind


def _sent(kind: NotificationKind) -> list[tuple[int, str]]:
    """(user id, key) of every notification of this kind, in order."""
    rows = db.session.execute(
        select(Notification.user_id, Notification.key).where(Notification.kind == kind).order_by(Notification.id)
    )
    return [tuple(r) for r in rows]


def _run(now: datetime) -> dict[str, int]:
    counts = send_due(now)
    db.session.commit()
    return counts


def test_workshop_reminders_24h_then_1h_before_to_confirmed_seats_only(app):
    session = make_workshop(capacity=2, starts_in=timedelta(days=3))
    start = session.starts_at
    seated, leaver, promoted, waiting = (make_user() for _ in range(4))
    for user in (seated, leaver, promoted, waiting):
        registration.register(user, session)
    registration.cancel(leaver, session)  # its seat goes to `promoted`; `waiting` stays in line
    disabled = make_user()
    disabled.active = False
    db.session.commit()
    day, hour = f"session:{session.id}:24h:{start.isoformat()}", f"session:{session.id}:1h:{start.isoformat()}"

    assert _run(start - timedelta(hours=25))["workshops"] == 0
    assert _run(start - timedelta(hours=23))["workshops"] == 2
    assert _sent(Kind.WORKSHOP_REMINDER) == [(seated.id, day), (promoted.id, day)]
    assert _run(start - timedelta(hours=2))["workshops"] == 0  # the next runs add nothing
    assert _run(start - timedelta(minutes=40))["workshops"] == 2
    assert _run(start - timedelta(minutes=5))["workshops"] == 0
    assert _run(start + timedelta(minutes=1))["workshops"] == 0
    assert sorted(_sent(Kind.WORKSHOP_REMINDER)) == sorted(
        [(seated.id, day), (promoted.id, day), (seated.id, hour), (promoted.id, hour)]
    )


def test_a_workshop_reminder_found_late_is_the_one_due_then_and_none_after_the_start(app):
    session = make_workshop(starts_in=timedelta(days=3))
    learner = make_user()
    registration.register(learner, session)
    db.session.commit()
    start = session.starts_at
    _run(start - timedelta(minutes=30))  # no worker ran in the 23 hours before: only the 1 h one
    assert _sent(Kind.WORKSHOP_REMINDER) == [(learner.id, f"session:{session.id}:1h:{start.isoformat()}")]

    later = make_workshop("later-one", starts_in=timedelta(days=3))
    registration.register(learner, later)
    db.session.commit()
    _run(later.starts_at + timedelta(seconds=1))
    assert len(_sent(Kind.WORKSHOP_REMINDER)) == 1


def _with_due(slug: str, due: datetime):
    """The assignment `slug` of the fixture course due at `due`, as course sync stores it."""
    assignment = item(slug)
    assignment.data = {**assignment.data, "due": due.isoformat()}
    db.session.commit()
    return assignment


def test_assignment_reminders_within_48h_of_each_learners_own_due_date(app):
    courses = load_fixture_courses(FIXTURES / "courses")
    due = utcnow().replace(microsecond=0) + timedelta(days=10)
    add = _with_due("add", due)
    teacher = make_user("instructor")
    waiting, submitted, extended, earlier, outsider = (make_user() for _ in range(5))
    for user in (waiting, submitted, extended, earlier):
        enroll(user.id, courses["python-basics"])
    release = assignment_services.engine_release(assignment_services.current_release(add.id)).notebook_bytes
    assignment_services.submit(submitted, add, add_answer(release), max_bytes=1 << 20)
    grant_extension(add, extended, due + timedelta(days=5), by=CLI)
    grant_extension(add, earlier, due - timedelta(days=3), by=CLI)
    db.session.commit()
    assert teacher and outsider  # neither enrolled: never reminded
    key = lambda moment: f"item:{add.id}:due:{moment.astimezone(UTC).isoformat()}"

    assert _run(due - timedelta(days=6))["assignments"] == 0
    assert _run(due - timedelta(days=4, hours=12))["assignments"] == 1  # `earlier`'s own date is 36 h away
    assert _run(due - timedelta(hours=47))["assignments"] == 1
    assert _run(due - timedelta(hours=2))["assignments"] == 0
    assert _sent(Kind.ASSIGNMENT_DUE) == [
        (earlier.id, key(due - timedelta(days=3))),
        (waiting.id, key(due)),
    ]
    _run(due + timedelta(days=4))  # the extension's date is now 24 h away
    assert _sent(Kind.ASSIGNMENT_DUE)[-1] == (extended.id, key(due + timedelta(days=5)))

    grant_extension(add, extended, due + timedelta(days=6), by=CLI)  # moved again: a new date, a new reminder
    db.session.commit()
    _run(due + timedelta(days=5, hours=1))
    _run(due + timedelta(days=6, hours=1))  # past every date: nothing
    assert [k for u, k in _sent(Kind.ASSIGNMENT_DUE) if u == extended.id] == [
        key(due + timedelta(days=5)),
        key(due + timedelta(days=6)),
    ]
    assert len(_sent(Kind.ASSIGNMENT_DUE)) == 4


def test_path_reminders_7_days_ahead_and_overdue_unless_completed(app):
    courses = load_fixture_courses(FIXTURES / "courses")
    basics, nxt = courses["python-basics"], courses["python-next"]
    teacher = make_user("instructor")
    done, behind, alone = make_user(), make_user(), make_user()
    team = accounts.get_or_create_team("Cohort")
    accounts.add_members(team, [done, behind])
    due = utcnow().replace(microsecond=0) + timedelta(days=20)
    path = paths.create_path(teacher, "Python track", "", [(basics, due), (nxt, due + timedelta(days=60))])
    paths.assign(teacher, path, team=team)
    paths.assign(teacher, path, learner=alone)
    paths.assign(teacher, path, learner=behind)  # also through the team: one reminder all the same
    complete_basics(done, basics)
    db.session.commit()
    key = f"path:{path.id}:course:{basics.id}:due:{due.isoformat()}"

    assert _run(due - timedelta(days=8))["paths"] == 0
    assert _run(due - timedelta(days=6))["paths"] == 2
    assert _run(due - timedelta(days=1))["paths"] == 0
    assert sorted(_sent(Kind.PATH_DUE)) == sorted([(behind.id, key), (alone.id, key)])
    assert _run(due + timedelta(hours=1))["paths"] == 2
    assert sorted(_sent(Kind.PATH_OVERDUE)) == sorted([(behind.id, key), (alone.id, key)])

    late = make_user()
    paths.assign(teacher, path, learner=late)
    db.session.commit()
    _run(due + timedelta(days=8))  # overdue for more than a week when first seen: not sent
    assert late.id not in {u for u, _ in _sent(Kind.PATH_OVERDUE) + _sent(Kind.PATH_DUE)}


def test_each_kind_is_one_query_however_many_learners(app):
    courses = load_fixture_courses(FIXTURES / "courses")
    due = utcnow().replace(microsecond=0) + timedelta(days=10)
    _with_due("add", due)
    session = make_workshop(capacity=100, starts_in=timedelta(days=10))
    teacher = make_user("instructor")
    path = paths.create_path(teacher, "Track", "", [(courses["python-next"], due)])

    def crowd(n: int) -> None:
        for _ in range(n):
            user = make_user()
            enroll(user.id, courses["python-basics"])
            registration.register(user, session)
            paths.assign(teacher, path, learner=user)
        db.session.commit()

    def selects(now: datetime) -> int:
        with counted_queries() as seen:
            _run(now)
        return sum(1 for statement in seen if statement.lstrip().upper().startswith("SELECT"))

    crowd(2)
    few = selects(due - timedelta(hours=20))
    crowd(12)
    assert selects(due - timedelta(hours=19)) == few  # 14 learners of each kind, still the same queries
    assert len(_sent(Kind.ASSIGNMENT_DUE)) == len(_sent(Kind.WORKSHOP_REMINDER)) == len(_sent(Kind.PATH_DUE)) == 14


def _mailed(smtp, notification_id: int):
    assert send_mail(notification_id) == "sent"
    message = message_from_bytes(smtp.sink.envelopes[-1].content, policy=policy.default)
    return message, message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_reminders_are_mailed_in_the_recipients_language_and_zone(app, smtp, client):
    courses = load_fixture_courses(FIXTURES / "courses")
    li = make_user(email="li@example.test", name="Li Wei")
    li.locale, li.timezone = "zh", "Asia/Shanghai"
    ada = make_user(email="ada@example.test", name="Ada")
    ada.locale, ada.timezone = "en", "Europe/Paris"
    enroll(ada.id, courses["python-basics"])
    start = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai; 10:00 in Paris
    session = make_workshop(starts_in=start - utcnow())
    registration.register(li, session)
    add = _with_due("add", start)
    db.session.commit()
    _run(start - timedelta(minutes=30))  # the workshop's 1 h reminder and the assignment's (48 h)

    [(workshop_id,)] = db.session.execute(select(Notification.id).where(Notification.user_id == li.id)).all()
    message, text, html = _mailed(smtp, workshop_id)
    assert message["To"] == "Li Wei <li@example.test>" and message["Content-Language"] == "zh"
    assert message["Subject"] == "提醒：Workshop live-rag，2030年3月4日 17:00 CST"
    for part in (text, html):
        assert "一小时内开始" in part and "17:00" in part
        assert "https://meet.test/x" in part
        assert "http://127.0.0.1:5000/workshops/live-rag" in part

    login(client, "li@example.test")
    inbox = client.get("/notifications").get_data(as_text=True)
    assert "提醒：Workshop live-rag，2030年3月4日 17:00 CST" in inbox  # the inbox row: the same subject line

    [(assignment_id,)] = db.session.execute(select(Notification.id).where(Notification.user_id == ada.id)).all()
    message, text, html = _mailed(smtp, assignment_id)
    assert message["Subject"] == "Due Mar 4, 2030, 10:00 AM CET: Add two numbers"
    for part in (text, html):
        assert "Add two numbers (Python basics) is due on Mar 4, 2030, 10:00\u202fAM CET" in part  # narrow space
        assert f"http://127.0.0.1:5000/courses/python-basics/{add.slug}" in part
