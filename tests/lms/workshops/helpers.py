"""Workshop test helpers: a workshop with one session, in the past or the future, built directly."""

from __future__ import annotations

from datetime import timedelta

from lms.db import utcnow
from lms.extensions import db
from lms.workshops.models import Workshop, WorkshopInstructor, WorkshopSession


def make_workshop(
    slug: str = "live-rag",
    *,
    capacity: int = 10,
    starts_in: timedelta = timedelta(days=7),
    course_id: int | None = None,
    instructor: str = "teacher@example.com",
    tags: tuple[str, ...] = ("rag",),
    tier: str = "intermediate",
) -> WorkshopSession:
    """A workshop (source ui) with one session `starts_in` from now, lasting two hours; committed."""
    start = utcnow() + starts_in
    workshop = Workshop(
        slug=slug,
        title=f"Workshop {slug}",
        description="Live.",
        description_html="<p>Live.</p>",
        tier=tier,
        tags=list(tags),
        source="ui",
        course_id=course_id,
        materials=[{"title": "Slides", "url": "https://x.test/s"}],
    )
    workshop.instructors = [WorkshopInstructor(email=instructor)]
    session = WorkshopSession(
        key="s1",
        title="",
        timezone="Europe/Berlin",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        registration_deadline=start,
        online_url="https://meet.test/x",
        place="",
        capacity=capacity,
        confirmed_count=0,
    )
    workshop.sessions = [session]
    db.session.add(workshop)
    db.session.commit()
    return session
