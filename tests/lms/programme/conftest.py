"""A scripted history relative to today (UTC) whose figures are worked out by hand in the tests:
three learners (a, b, c) in python-basics, certificates, survey answers (one anonymous), workshop
registrations, feedback items, a segment of five and a segment of two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.catalog.models import TIERS, Item
from lms.certification.models import Certificate
from lms.db import utcnow
from lms.developers.models import Segment, SegmentMember
from lms.extensions import db
from lms.feedback.models import FeedbackItem, Survey, SurveyResponse
from lms.learning.models import Enrollment, LearningEventKind
from lms.learning.services import live_items, record_event
from lms.signals import segment_recomputed
from lms.workshops.models import Registration, Workshop, WorkshopSession
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses, make_user


@dataclass
class History:
    today: date
    admin: User
    analyst: User
    learners: dict[str, User]
    segment: Segment
    small: Segment
    live: int  # live items of python-basics


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def build_history() -> History:
    """Write the history through the real services where they exist (events via record_event, so the
    receivers fill the buckets); rows with no service of their own are added as they are stored."""
    load_fixture_courses(FIXTURES / "courses")
    t = utcnow().date()
    admin, analyst = make_user("admin"), make_user("analyst")
    learners = {}
    for name, created in (("a", t - timedelta(days=2)), ("b", t - timedelta(days=10)), ("c", t - timedelta(days=40))):
        user = make_user(name=f"Learner {name}")
        user.created_at = at(created, 8)
        learners[name] = user
    course = catalog.get_course("python-basics")
    items = db.session.scalars(
        select(Item).where(Item.id.in_(live_items().with_only_columns(Item.id)), Item.course_id == course.id)
    ).all()
    a, b, c = learners["a"], learners["b"], learners["c"]

    def enrol(user: User, day: date) -> None:
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, enrolled_at=at(day)))
        record_event(user.id, course.id, LearningEventKind.ENROLLED, occurred_at=at(day))

    def finish(user: User, day: date) -> None:
        for item in items:
            record_event(user.id, course.id, LearningEventKind.LESSON_COMPLETED, item_id=item.id, occurred_at=at(day))

    enrol(a, t - timedelta(days=5))
    finish(a, t - timedelta(days=3))  # 2 days to complete
    enrol(b, t - timedelta(days=35))
    finish(b, t - timedelta(days=20))  # 15 days
    enrol(c, t - timedelta(days=40))
    record_event(
        c.id, course.id, LearningEventKind.LESSON_COMPLETED, item_id=items[0].id, occurred_at=at(t - timedelta(days=40))
    )

    def certificate(user: User, day: date, n: int, revoked: bool = False) -> None:
        db.session.add(
            Certificate(
                public_id=f"PROG{n}",
                user_id=user.id,
                kind="course",
                subject="course:python-basics",
                title="Python basics",
                learner_name=user.display_name,
                issued_at=at(day),
                revoked_at=at(day, 12) if revoked else None,
            )
        )

    certificate(a, t - timedelta(days=1), 1)
    certificate(b, t - timedelta(days=1), 2, revoked=True)
    certificate(c, t - timedelta(days=45), 3)

    survey = Survey(course_id=course.id, questions=[])
    db.session.add(survey)
    db.session.flush()
    for n, (user, csat, nps) in enumerate(((a, 5, 10), (b, 3, 5), (None, 4, 9))):
        db.session.add(
            SurveyResponse(
                survey_id=survey.id,
                respondent_key=f"key{n}",
                user_id=user.id if user else None,
                csat=csat,
                nps=nps,
                submitted_at=at(t - timedelta(days=2), 10 + n),
            )
        )

    workshop = Workshop(slug="prog-ws", title="Workshop", tier=TIERS[0])
    db.session.add(workshop)
    db.session.flush()
    session = WorkshopSession(
        workshop_id=workshop.id,
        key="s1",
        starts_at=at(t - timedelta(days=1)),
        ends_at=at(t - timedelta(days=1), 11),
        timezone="UTC",
        capacity=10,
        registration_deadline=at(t - timedelta(days=1)),
    )
    db.session.add(session)
    db.session.flush()
    for user, attended in ((a, True), (b, False), (c, True)):
        db.session.add(
            Registration(
                session_id=session.id,
                user_id=user.id,
                status="confirmed",
                registered_at=at(t - timedelta(days=4)),
                queued_at=at(t - timedelta(days=4)),
                attended_at=at(t - timedelta(days=1), 10) if attended else None,
            )
        )

    def item_filed(user: User, category: str, day: date, responded_h: float | None, resolved_h: float | None) -> None:
        created = at(day)
        db.session.add(
            FeedbackItem(
                category=category,
                title="Feedback",
                reporter_id=user.id,
                created_at=created,
                first_response_at=created + timedelta(hours=responded_h) if responded_h is not None else None,
                resolved_at=created + timedelta(hours=resolved_h) if resolved_h is not None else None,
                status="done" if resolved_h is not None else "new",
            )
        )

    item_filed(a, "feature_request", t - timedelta(days=6), 2, 48)
    item_filed(b, "feature_request", t - timedelta(days=6), 4, None)
    item_filed(c, "content_error", t - timedelta(days=8), None, None)
    item_filed(c, "technical_problem", t - timedelta(days=33), 1, 10)

    segment = Segment(name="Five", member_count=5)
    small = Segment(name="Two", member_count=2)
    db.session.add_all([segment, small])
    db.session.flush()
    for user in (a, b, c, admin, analyst):
        db.session.add(SegmentMember(segment_id=segment.id, user_id=user.id))
    for user in (a, b):
        db.session.add(SegmentMember(segment_id=small.id, user_id=user.id))
    db.session.flush()
    segment_recomputed.send(segment, user_ids={u.id for u in (a, b, c, admin, analyst)})  # as segments' recompute
    segment_recomputed.send(small, user_ids={a.id, b.id})
    db.session.commit()
    return History(t, admin, analyst, learners, segment, small, len(items))


@pytest.fixture
def history(app) -> History:
    return build_history()
