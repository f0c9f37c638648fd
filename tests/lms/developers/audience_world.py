"""The audience tests' world: python-basics and a workshop limited to segment `insiders` and team
`acme`, and one person per kind of viewer (built in the caller's app context, committed)."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import Team
from lms.catalog.models import Item
from lms.certification.models import Track
from lms.db import utcnow
from lms.developers.models import Segment, SegmentMember
from lms.extensions import db
from lms.feedback import hub
from lms.learning.services import enroll
from lms.recommend.models import LearningPath, PathAssignment, PathItem
from lms.workshops.models import Registration
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses, make_user
from tests.lms.workshops.helpers import make_workshop


def build_world() -> dict:
    """Everyone is enrolled in python-next (whose track names python-basics) and has a path of
    both courses; `enrolled` is also enrolled in python-basics and registered for the workshop,
    before the narrowing, in neither group."""
    courses = load_fixture_courses(FIXTURES / "courses")
    basics, following = courses["python-basics"], courses["python-next"]
    people = {
        "outside": make_user(),
        "inside": make_user(),
        "team": make_user(),
        "enrolled": make_user(),
        "staff": make_user("instructor", email="teacher@example.com"),
        "admin": make_user("admin"),
    }
    for user in people.values():
        enroll(user.id, following)
    enroll(people["enrolled"].id, basics)
    session = make_workshop("limited-rag")
    db.session.add(Registration(session_id=session.id, user_id=people["enrolled"].id, status="confirmed"))
    segment = Segment(name="insiders", rules=[], member_count=1)
    db.session.add_all([segment, Team(name="acme", members=[people["team"]])])
    db.session.flush()
    db.session.add(SegmentMember(segment_id=segment.id, user_id=people["inside"].id))
    db.session.add(
        Track(
            slug="pythonista",
            title="Pythonista track",
            certificate_title="Pythonista certificate",
            course_slugs=[basics.slug, following.slug],
        )
    )
    path = LearningPath(title="Onboarding", items=[PathItem(course_id=basics.id), PathItem(course_id=following.id)])
    path.assignments = [PathAssignment(user_id=user.id) for user in people.values()]
    db.session.add(path)
    # Public hub items about the course: one open (the hub's home), one done ("You asked, we did").
    wish = hub.file_item(people["admin"], "feature_request", "Limited wish for the course", "", course=basics)
    shipped = hub.file_item(people["admin"], "feature_request", "Shipped for the course", "", course=basics)
    shipped.status, shipped.outcome, shipped.resolved_at = "done", "Limited outcome shipped", utcnow()
    for subject in (basics, session.workshop):
        subject.audience, subject.audience_segments, subject.audience_teams = "limited", ["insiders"], ["acme"]
    db.session.commit()
    assignment = db.session.scalar(select(Item.slug).where(Item.course_id == basics.id, Item.kind == "assignment"))
    lesson = db.session.scalar(select(Item.slug).where(Item.course_id == basics.id, Item.kind == "lesson"))
    return {
        "people": people,
        "emails": {name: user.email for name, user in people.items()},
        "session_id": session.id,
        "assignment": assignment,
        "lesson": lesson,
        "wish": wish.id,
    }
