"""Exams: random draws, answers hidden until submitted, server deadline, attempts, cool-down, access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.certification import exams
from lms.certification.models import ExamAttempt
from lms.db import utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import LearningEvent
from tests.factories import login, make_user
from tests.lms.certification.conftest import right_answers


@pytest.fixture
def enrolled(catalog, client):
    learner = make_user()
    learning.enroll(learner.id, catalog["cert-basics"])
    db.session.commit()
    login(client, learner.email)
    return learner, catalog["cert-basics"]


def test_draw_is_random_subset_and_page_hides_answers(enrolled, client):
    learner, course = enrolled
    assert client.post(f"/courses/{course.slug}/exam/start").status_code == 302
    attempt = db.session.scalar(select(ExamAttempt))
    assert len(attempt.question_ids) == 3 and len(set(attempt.question_ids)) == 3
    assert set(attempt.question_ids) <= {"print", "types", "len", "bool"}
    page = client.get(f"/exam/attempts/{attempt.id}").get_data(as_text=True)
    assert "data-deadline" in page and "correct" not in page.lower().replace("not correct", "")
    draws = set()
    for _ in range(30):  # the draws differ from attempt to attempt
        db.session.delete(attempt)
        db.session.flush()
        attempt = exams.start(learner.id, course)
        draws.add(tuple(sorted(attempt.question_ids)))
    assert len(draws) > 1


def test_submit_scores_keeps_answers_and_records_event(enrolled, client):
    learner, course = enrolled
    attempt = exams.start(learner.id, course)
    db.session.commit()
    form = {f"q-{qid}": [str(i) for i in chosen] for qid, chosen in right_answers(attempt).items()}
    response = client.post(f"/exam/attempts/{attempt.id}", data=form, follow_redirects=True)
    assert "You passed with 100%" in response.get_data(as_text=True)
    db.session.expire_all()
    attempt = db.session.get(ExamAttempt, attempt.id)
    assert attempt.status == "submitted" and attempt.passed and attempt.answers == right_answers(attempt)
    event = db.session.scalar(select(LearningEvent).where(LearningEvent.kind == "exam_submitted"))
    assert (event.score, event.max_score, event.data["attempt_id"]) == (3, 3, attempt.id)


def test_late_answers_are_refused_and_the_attempt_counts(enrolled, client):
    learner, course = enrolled
    attempt = exams.start(learner.id, course)
    attempt.deadline_at = utcnow() - timedelta(seconds=30)
    db.session.commit()
    form = {f"q-{qid}": [str(i) for i in chosen] for qid, chosen in right_answers(attempt).items()}
    text = client.post(f"/exam/attempts/{attempt.id}", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Time was up" in text
    db.session.expire_all()
    attempt = db.session.get(ExamAttempt, attempt.id)
    assert (attempt.status, attempt.passed, attempt.answers) == ("expired", False, None)


def test_attempt_limit_and_cooldown(enrolled):
    learner, course = enrolled
    now = utcnow()
    first = exams.start(learner.id, course, now)
    exams.submit(first, {}, now + timedelta(minutes=1))  # nothing answered: fails
    with pytest.raises(exams.ExamError, match="cool-down"):
        exams.start(learner.id, course, now + timedelta(hours=2))
    second = exams.start(learner.id, course, now + timedelta(hours=25))
    exams.submit(second, {}, now + timedelta(hours=25, minutes=1))
    with pytest.raises(exams.ExamError, match="all 2 attempts"):
        exams.start(learner.id, course, now + timedelta(days=5))
    assert exams.status(learner.id, course, now + timedelta(days=5)).attempts_left == 0


def test_bad_answers_and_closed_attempts(enrolled, client):
    learner, course = enrolled
    attempt = exams.start(learner.id, course)
    db.session.commit()
    qid = attempt.question_ids[0]
    assert client.post(f"/exam/attempts/{attempt.id}", data={f"q-{qid}": "abc"}).status_code == 400
    text = client.post(f"/exam/attempts/{attempt.id}", data={f"q-{qid}": "99"}, follow_redirects=True)
    assert "not an option" in text.get_data(as_text=True)
    assert db.session.get(ExamAttempt, attempt.id).status == "open"  # nothing stored
    exams.submit(attempt, {})
    with pytest.raises(exams.ExamError, match="already closed"):
        exams.submit(attempt, {})


def test_only_enrolled_learners_and_only_their_attempts(enrolled, app, catalog):
    learner, course = enrolled
    attempt = exams.start(learner.id, course)
    db.session.commit()
    stranger = app.test_client()
    login(stranger, make_user().email)
    assert stranger.get(f"/exam/attempts/{attempt.id}").status_code == 404
    assert stranger.post(f"/exam/attempts/{attempt.id}", data={}).status_code == 404
    text = stranger.post(f"/courses/{course.slug}/exam/start", follow_redirects=True).get_data(as_text=True)
    assert "Enroll in the course" in text
    assert stranger.get("/courses/cert-next/exam").status_code == 404  # no exam in that course


def test_start_needs_csrf_in_production(make_app, catalog):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    learner = make_user()
    learning.enroll(learner.id, catalog["cert-basics"])
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": learner.email, "password": "correct horse battery", "csrf_token": token})
    assert client.post("/courses/cert-basics/exam/start").status_code == 400
    assert db.session.scalar(select(ExamAttempt)) is None
