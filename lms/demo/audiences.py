"""Demo content for audiences: a workshop only the demo "Platform team" sees (issue 18, C).

The demo learner (learner@academy.test) is in that team, so the workshop shows for them and for
its instructor and the admin, and answers 404 to the other cohort learners: the audience
feature in one look, without touching the courses and workshops the other demo journeys use.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.accounts import services as accounts
from lms.catalog.markdown import render_markdown
from lms.db import utcnow
from lms.demo.services import DEMO_TEAM
from lms.extensions import db
from lms.workshops.models import Workshop, WorkshopInstructor, WorkshopSession

SLUG = "platform-team-office-hours"
INSTRUCTOR = "instructor@academy.test"


def load_audiences() -> str:
    """Add the team-only workshop (once: a second run adds nothing); flushes, never commits."""
    if db.session.scalar(select(Workshop.id).where(Workshop.slug == SLUG)) is not None:
        return "Audiences: the Platform team's workshop is already there."
    accounts.get_or_create_team(DEMO_TEAM)
    description = "Questions about the platform team's LLM gateway, answered live. Only the team sees this workshop."
    starts = (utcnow() + timedelta(days=10)).replace(hour=15, minute=0, second=0, microsecond=0)
    workshop = Workshop(
        slug=SLUG,
        title="Platform team office hours",
        description=description,
        description_html=render_markdown(description),
        tier="intermediate",
        tags=["llm-apis"],
        source="ui",
        materials=[],
        audience="limited",
        audience_segments=[],
        audience_teams=[DEMO_TEAM],
    )
    workshop.instructors = [WorkshopInstructor(email=INSTRUCTOR)]
    workshop.sessions = [
        WorkshopSession(
            key="session-1",
            title="",
            timezone="Europe/Berlin",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            registration_deadline=starts,
            online_url="https://meet.academy.example/platform-office-hours",
            place="",
            capacity=20,
            confirmed_count=0,
        )
    ]
    db.session.add(workshop)
    db.session.flush()
    return f"Audiences: added {workshop.title!r}, seen only by the {DEMO_TEAM} (and its staff)."
