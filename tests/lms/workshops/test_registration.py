"""Capacity under concurrency, the waitlist, the deadline, attendance and its learning event."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LearningEvent
from lms.workshops import registration
from lms.workshops.models import Registration, WorkshopSession
from lms.workshops.services import WorkshopError, waitlist_position
from tests.factories import quick_users
from tests.lms.workshops.helpers import make_workshop


def statuses(session_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.session_id == session_id)
        .group_by(Registration.status)
    )
    return dict(rows.all())


def test_fifty_parallel_registrations_fill_exactly_ten_seats(app):
    session_id = make_workshop(capacity=10).id
    user_ids = quick_users(50)
    db.session.remove()
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def register(user_id: int) -> None:
        try:
            start.wait(timeout=30)  # all at once; each thread is a request with its own app context
            with app.app_context():
                user = db.session.get(User, user_id)
                session = db.session.get(WorkshopSession, session_id)
                registration.register(user, session)
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert statuses(session_id) == {"confirmed": 10, "waitlisted": 40}
    assert db.session.get(WorkshopSession, session_id).confirmed_count == 10


def test_cancel_promotes_the_first_in_line(app):
    session = make_workshop(capacity=2)
    a, b, c, d = (db.session.get(User, i) for i in quick_users(4))
    regs = [registration.register(u, session) for u in (a, b, c, d)]
    db.session.commit()
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert waitlist_position(regs[2]) == 1 and waitlist_position(regs[3]) == 2
    promoted = registration.cancel(b, session)
    db.session.commit()
    assert [r.user_id for r in promoted] == [c.id]
    db.session.refresh(regs[3])
    assert waitlist_position(regs[3]) == 1
    # Leaving the waitlist frees no seat and promotes nobody.
    assert registration.cancel(d, session) == []
    # Coming back after cancelling puts you at the end of the line.
    again = registration.register(b, session)
    assert again.status == "waitlisted"
    assert statuses(session.id) == {"confirmed": 2, "waitlisted": 1, "cancelled": 1}
    with pytest.raises(WorkshopError, match="not registered"):
        registration.cancel(d, session)


def test_more_seats_go_to_the_waitlist(app):
    session = make_workshop(capacity=1)
    users = [db.session.get(User, i) for i in quick_users(3)]
    for u in users:
        registration.register(u, session)
    session.capacity = 3
    promoted = registration.fill_from_waitlist(session)
    assert [r.user_id for r in promoted] == [users[1].id, users[2].id]
    assert session.confirmed_count == 3


def test_registration_closes_at_the_deadline_and_cancel_at_the_start(app):
    session = make_workshop(starts_in=timedelta(days=2))
    session.registration_deadline = utcnow() + timedelta(days=1)
    learner, late = (db.session.get(User, i) for i in quick_users(2))
    registration.register(learner, session)
    with pytest.raises(WorkshopError, match="closed"):
        registration.register(late, session, now=utcnow() + timedelta(days=1, seconds=1))
    with pytest.raises(WorkshopError, match="started"):
        registration.cancel(learner, session, now=session.starts_at)
    assert statuses(session.id) == {"confirmed": 1}


def test_attendance_records_an_event_once_for_a_course_linked_workshop(app):
    from tests.conftest import FIXTURES
    from tests.factories import load_fixture_courses

    load_fixture_courses(FIXTURES / "courses")
    from lms.catalog.models import Course

    course = db.session.scalar(select(Course).where(Course.slug == "python-basics"))
    session = make_workshop(course_id=course.id, starts_in=timedelta(days=1))
    here, away, waiting = (db.session.get(User, i) for i in quick_users(3))
    session.capacity = 2
    regs = [registration.register(u, session) for u in (here, away, waiting)]
    with pytest.raises(WorkshopError, match="started"):
        registration.mark_attendance(session, {regs[0].id})
    later = session.starts_at + timedelta(minutes=5)
    assert registration.mark_attendance(session, {regs[0].id, regs[2].id}, now=later) == 1  # waitlisted ignored
    assert registration.mark_attendance(session, {regs[0].id}, now=later) == 0
    registration.mark_attendance(session, set(), now=later)  # unmark, then mark again: still one event
    registration.mark_attendance(session, {regs[0].id}, now=later)
    events = db.session.scalars(select(LearningEvent).where(LearningEvent.kind == "workshop_attended")).all()
    assert [(e.user_id, e.course_id, e.data["workshop"]) for e in events] == [(here.id, course.id, "live-rag")]


def test_attendance_without_a_course_stays_in_the_workshop(app):
    session = make_workshop(starts_in=timedelta(days=1))
    reg = registration.register(db.session.get(User, quick_users(1)[0]), session)
    registration.mark_attendance(session, {reg.id}, now=session.starts_at)
    assert reg.attended_at is not None
    assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 0


def test_csv_export_neutralises_formulas(app):
    session = make_workshop()
    names = ('=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "Ada")
    for user_id, name in zip(quick_users(5), names, strict=True):
        user = db.session.get(User, user_id)
        user.display_name = name
        registration.register(user, session)
    lines = registration.attendance_csv(session).splitlines()
    assert lines[0] == "name,email,status,registered_at,attended"
    names = [line.split(",")[0] for line in lines[1:]]
    assert names == ['"\'=HYPERLINK(""http://evil"")"', "'+1", "'-2", "'@SUM(A1)", "Ada"]
