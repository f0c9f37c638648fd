"""Figures from other domains on the team page: certificates, workshops, CSAT/NPS, overdue paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.certification.models import Certificate
from lms.extensions import db
from lms.feedback.models import Survey, SurveyResponse
from lms.recommend.models import LearningPath, PathAssignment, PathItem
from lms.reports.services import team_dashboard
from lms.workshops.models import Registration, Workshop, WorkshopSession
from tests.lms.reports.helpers import build_world, login_as


@pytest.fixture
def world(app):
    w = build_world()
    now = datetime.now(UTC)
    held = set(db.session.execute(select(Certificate.user_id, Certificate.subject)).tuples())
    for user, course, public_id, revoked in (
        (w.alice, w.basics, "C-ALICE", None),
        (w.dave, w.basics, "C-DAVE", None),
        (w.bob, w.nxt, "C-BOB", now),
    ):  # completing a course may already have awarded one (certification's receiver)
        subject = f"course:{course.slug}"
        if (user.id, subject) not in held:
            db.session.add(Certificate(
                public_id=public_id, user_id=user.id, kind="course", subject=subject, course_id=course.id,
                title=course.title, learner_name=user.display_name, revoked_at=revoked,
            ))  # fmt: skip
    workshop = Workshop(slug="rag-clinic", title="RAG clinic", tier="beginner")
    db.session.add(workshop)
    db.session.flush()
    session = WorkshopSession(
        workshop_id=workshop.id, key="s1", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-1),
        timezone="UTC", capacity=10, registration_deadline=now - timedelta(days=3),
    )  # fmt: skip
    db.session.add(session)
    db.session.flush()
    db.session.add_all([
        Registration(session_id=session.id, user_id=w.alice.id, status="confirmed", attended_at=now),
        Registration(session_id=session.id, user_id=w.bob.id, status="confirmed"),
        Registration(session_id=session.id, user_id=w.carol.id, status="waitlisted"),
        Registration(session_id=session.id, user_id=w.dave.id, status="confirmed", attended_at=now),
    ])  # fmt: skip
    survey = Survey(course_id=w.basics.id, questions=[])
    db.session.add(survey)
    db.session.flush()
    db.session.add_all([
        SurveyResponse(survey_id=survey.id, respondent_key="a", user_id=w.alice.id, csat=5, nps=10),
        SurveyResponse(survey_id=survey.id, respondent_key="b", user_id=w.bob.id, csat=3, nps=5),
        SurveyResponse(survey_id=survey.id, respondent_key="x", user_id=None, csat=1, nps=0),  # anonymous
        SurveyResponse(survey_id=survey.id, respondent_key="d", user_id=w.dave.id, csat=1, nps=0),
    ])  # fmt: skip
    path = LearningPath(title="Onboarding")
    db.session.add(path)
    db.session.flush()
    db.session.add_all([
        PathItem(path_id=path.id, course_id=w.basics.id, position=0, due_at=now - timedelta(days=1)),
        PathItem(path_id=path.id, course_id=w.nxt.id, position=1, due_at=now + timedelta(days=30)),
        PathAssignment(path_id=path.id, team_id=w.team_a.id),
    ])  # fmt: skip
    db.session.commit()
    return w


def test_team_figures_from_other_domains(world):
    board = team_dashboard(world.manager, world.team_a.id)
    assert board.certificates == [("Python basics", 1)]  # Bob's is revoked, Dave is in team B
    assert board.workshops == [("RAG clinic", 2, 1)]  # Carol only waitlisted; Alice attended
    sat = board.satisfaction
    assert (sat.responses, sat.csat_mean, sat.promoters, sat.passives, sat.detractors) == (2, 4.0, 1, 0, 1)
    assert sat.nps == 0 and sat.csat_percent == 50
    count, rows = board.overdue
    assert count == 2 and {r.learner for r in rows} == {"Bob Baker", "Carol Clark"}  # Alice completed basics
    assert {r.course for r in rows} == {"Python basics"}


def test_team_page_shows_them_with_numbers(client, world):
    login_as(client, world.manager)
    html = client.get(f"/reports/teams/{world.team_a.id}").get_data(as_text=True)
    for text in (
        "Certificates issued",
        "RAG clinic",
        "Satisfaction (CSAT) and NPS",
        "Overdue assigned paths",
        "Onboarding",
    ):
        assert text in html
    assert "Dave" not in html
