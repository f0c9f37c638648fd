"""Surveys: asked after completion or attendance, once each; NPS the standard way; who sees what."""

from __future__ import annotations

import shutil
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.feedback import surveys
from lms.feedback.models import SurveyResponse
from lms.workshops import registration
from tests.factories import login, make_user
from tests.lms.feedback.helpers import complete_course, course, courses_with_survey
from tests.lms.workshops.helpers import make_workshop


def fake_results(nps: list[int], csat: list[int]) -> surveys.Results:
    responses = [SimpleNamespace(nps=n, csat=c, answers={}) for n, c in zip(nps, csat, strict=True)]
    return surveys.Results(survey=None, responses=responses, eligible=10)


def test_nps_is_percent_promoters_minus_percent_detractors():
    r = fake_results([10, 9, 8, 7, 6, 0], [5, 5, 4, 3, 2, 1])
    assert r.nps == 0  # 2 promoters, 2 detractors of 6
    assert fake_results([10, 10, 9, 8], [5] * 4).nps == 75
    assert fake_results([0, 6, 7], [1] * 3).nps == -67
    assert r.csat_mean == 3.33 and r.csat_distribution == {1: 1, 2: 1, 3: 1, 4: 1, 5: 2}
    assert r.count == 6 and r.rate == 60
    assert surveys.Results(None, [], 0).nps is None


@pytest.fixture
def course_app(make_app, tmp_path):
    root = tmp_path / "courses"
    app = make_app(COURSES_DIR=root)
    with app.app_context():
        courses_with_survey(tmp_path)
        yield app


def test_course_survey_after_completion_with_custom_questions(course_app):
    client = course_app.test_client()
    learner = make_user(email="done@example.com")
    login(client, learner.email)
    assert "opens when you complete the course" in client.get("/feedback/surveys/course/python-basics").text
    assert client.post("/feedback/surveys/course/python-basics", data={"csat": "5", "nps": "10"}).status_code == 200
    assert db.session.scalar(select(SurveyResponse)) is None
    assert "Rate this course" not in client.get("/courses/python-basics/01-hello").text
    complete_course(learner.id)
    assert "Rate this course" in client.get("/courses/python-basics/01-hello").text
    page = client.get("/feedback/").text
    assert "Python basics" in page and "Answer (1 minute)" in page
    form = client.get("/feedback/surveys/course/python-basics").text
    assert "How was the pace?" in form and "Instructors see your name" in form
    missing = client.post(
        "/feedback/surveys/course/python-basics", data={"csat": "5", "nps": "10"}, follow_redirects=True
    )
    assert "Please answer: How was the pace?" in missing.text
    bad = client.post(
        "/feedback/surveys/course/python-basics", data={"csat": "9", "nps": "10", "q-pace": "About right"}
    )
    assert "Not a valid choice" in bad.text
    assert db.session.scalar(select(SurveyResponse)) is None
    data = {"csat": "4", "nps": "9", "comment": "Great labs", "q-pace": "Too fast", "q-depth": "4", "q-wish": "RAG"}
    done = client.post("/feedback/surveys/course/python-basics", data=data, follow_redirects=True)
    assert "Thank you!" in done.text and "You answered this survey." in done.text
    response = db.session.scalar(select(SurveyResponse))
    assert response.user_id == learner.id and response.answers == {"pace": "Too fast", "depth": 4, "wish": "RAG"}
    again = client.post("/feedback/surveys/course/python-basics", data=data)
    assert again.status_code == 200 and db.session.query(SurveyResponse).count() == 1
    assert "Answer (1 minute)" not in client.get("/feedback/").text


def test_results_reply_and_access(course_app, tmp_path):
    client = course_app.test_client()
    learner, other = make_user(email="l1@example.com"), make_user(email="l2@example.com")
    teacher = make_user("instructor", email="teacher@example.com")  # named in python-basics/course.yml
    stranger = make_user("instructor", email="stranger@example.com")
    for user, (csat, nps) in ((learner, (5, 10)), (other, (2, 3))):
        complete_course(user.id)
        login(client, user.email)
        client.post("/feedback/surveys/course/python-basics",
                    data={"csat": str(csat), "nps": str(nps), "comment": f"note from {user.email}",
                          "q-pace": "About right"})  # fmt: skip
        client.post("/logout")
    survey_id = db.session.scalar(select(SurveyResponse.survey_id))
    mine = db.session.scalar(select(SurveyResponse).where(SurveyResponse.user_id == learner.id))
    for who in (learner, stranger):
        login(client, who.email)
        assert client.get(f"/feedback/surveys/{survey_id}/results").status_code == 403
        assert client.post(f"/feedback/responses/{mine.id}/reply", data={"body": "x"}).status_code == 403
        client.post("/logout")
    login(client, other.email)
    assert "note from l1@example.com" not in client.get("/feedback/surveys/course/python-basics").text
    assert "note from l1@example.com" not in client.get("/feedback/").text
    client.post("/logout")
    login(client, teacher.email)
    page = client.get(f"/feedback/surveys/{survey_id}/results").text
    assert "note from l1@example.com" in page and "l1@example.com" not in page.replace("note from l1@example.com", "")
    assert ">0<" in page.replace(" ", "")  # NPS: 1 promoter, 1 detractor of 2
    assert "About right: <strong>2</strong>" in page
    summary = client.get("/feedback/teach").text
    assert "Python basics" in summary and "100%" in summary
    assert "(2/2)" in summary  # both learners completed: the eligible count from the one course_stats call
    client.post(f"/feedback/responses/{mine.id}/reply", data={"body": "Thanks, more labs coming."})
    client.post("/logout")
    login(client, learner.email)
    assert "Thanks, more labs coming." in client.get("/feedback/surveys/course/python-basics").text
    assert "Instructor replied" in client.get("/feedback/").text


def test_anonymous_workshop_survey_keeps_no_name_but_the_learner_sees_the_reply(app, client):
    session = make_workshop(starts_in=-timedelta(hours=3))
    session.workshop.survey = {"anonymous": True, "questions": []}
    learner = make_user(email="anon@example.com")
    db.session.commit()
    registration.register(learner, session, now=session.starts_at - timedelta(days=1))
    db.session.commit()
    login(client, learner.email)
    assert "opens once you have attended" in client.get("/feedback/surveys/workshop/live-rag").text
    registration.mark_attendance(session, {r.id for r in registration.attendees(session)[0][:1]})
    db.session.commit()
    page = client.get("/feedback/surveys/workshop/live-rag").text
    assert "This survey is anonymous" in page
    client.post("/feedback/surveys/workshop/live-rag", data={"csat": "3", "nps": "7", "comment": "Too short"})
    response = db.session.scalar(select(SurveyResponse))
    assert response.user_id is None and (response.submitted_at.hour, response.submitted_at.minute) == (0, 0)
    client.post("/logout")
    teacher = make_user("instructor", email="teacher@example.com")
    login(client, teacher.email)
    results = client.get(f"/feedback/surveys/{response.survey_id}/results").text
    assert "Anonymous" in results and "anon@example.com" not in results
    client.post(f"/feedback/responses/{response.id}/reply", data={"body": "We will add an hour."})
    client.post("/logout")
    login(client, learner.email)
    assert "We will add an hour." in client.get("/feedback/surveys/workshop/live-rag").text


def test_the_survey_spec_is_read_from_what_the_sync_stored(course_app, tmp_path):
    """Surveys never read course.yml on a request: the sync stored the spec with the course."""
    shutil.rmtree(tmp_path / "courses")
    survey = surveys.survey_for(course=course())
    assert [q["id"] for q in survey.questions] == ["pace", "depth", "wish"] and survey.anonymous is False
