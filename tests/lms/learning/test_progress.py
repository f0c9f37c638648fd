"""Progress comes from the event log; quizzes score and explain; learners reach only their work."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.learning import services
from lms.learning.models import AppendOnlyError, LearningEvent
from tests.factories import item, login, make_user


def test_progress_and_status_derive_from_events(catalog):
    learner = make_user()
    course = catalog["python-basics"]
    services.enroll(learner.id, course)
    assert services.progress_for(learner.id, [course.id])[course.id].status == "not_started"
    services.complete_lesson(learner.id, item("01-hello"))
    assert services.complete_lesson(learner.id, item("01-hello")) is False  # no duplicate event
    p = services.progress_for(learner.id, [course.id])[course.id]
    assert (p.done, p.total, p.percent, p.status) == (1, 4, 25, "in_progress")
    services.complete_lesson(learner.id, item("02-more"))
    services.submit_quiz(learner.id, item("basics"), {"print": [0], "types": [0, 1]})
    services.record_event(learner.id, course.id, "assignment_graded", item_id=item("add").id, score=5, max_score=5)
    p = services.progress_for(learner.id, [course.id])[course.id]
    assert (p.done, p.total, p.status) == (4, 4, "completed")
    kinds = db.session.scalars(select(LearningEvent.kind).order_by(LearningEvent.id)).all()
    assert kinds == ["enrolled", "lesson_completed", "lesson_completed", "quiz_submitted", "assignment_graded"]


def test_events_are_append_only(catalog):
    learner = make_user()
    services.enroll(learner.id, catalog["python-basics"])
    db.session.commit()
    event = db.session.scalar(select(LearningEvent))
    event.kind = "lesson_completed"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(LearningEvent)))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_quiz_scoring_is_all_or_nothing_per_question(catalog):
    quiz = item("basics")
    assert services.score_quiz(quiz, {"print": [0], "types": [0, 1]})[:2] == (3, 3)
    assert services.score_quiz(quiz, {"print": [0], "types": [0]})[:2] == (1, 3)
    assert services.score_quiz(quiz, {"print": [0], "types": [0, 1, 2]})[:2] == (1, 3)


def test_quiz_rejects_incomplete_or_out_of_range_answers(catalog):
    learner = make_user()
    quiz = item("basics")
    with pytest.raises(services.LearningError, match="Answer every question"):
        services.submit_quiz(learner.id, quiz, {"print": [0]})
    with pytest.raises(services.LearningError, match="not an option"):
        services.submit_quiz(learner.id, quiz, {"print": [7], "types": [0]})
    with pytest.raises(services.LearningError, match="not an option"):
        services.submit_quiz(learner.id, quiz, {"print": [0, 1], "types": [0]})
    assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 0


def test_learner_flow_through_the_web(client, catalog):
    learner = make_user(email="me@example.com")
    login(client, learner.email)
    # Not enrolled: lessons redirect to the course page.
    assert client.get("/courses/python-basics/01-hello").headers["Location"] == "/courses/python-basics"
    assert client.post("/courses/python-basics/enroll").status_code == 302
    page = client.get("/courses/python-basics/01-hello")
    assert page.status_code == 200 and "Python runs your code" in page.text
    nxt = client.post("/courses/python-basics/01-hello/complete")
    assert nxt.headers["Location"] == "/courses/python-basics/02-more"
    client.post("/courses/python-basics/02-more/complete")
    result = client.post(
        "/courses/python-basics/basics/quiz", data={"q-print": "0", "q-types": ["0", "1"]}, follow_redirects=True
    )
    assert "You scored 3 of 3." in result.text
    assert "`print` writes" not in result.text and "<code>print</code> writes to standard output." in result.text
    bad = client.post("/courses/python-basics/basics/quiz", data={"q-print": "0"}, follow_redirects=True)
    assert "Answer every question before submitting." in bad.text
    assert client.post("/courses/python-basics/basics/quiz", data={"q-print": "x", "q-types": "0"}).status_code == 400
    dashboard = client.get("/dashboard").text
    assert "Python basics" in dashboard and 'value="75"' in dashboard
    assert client.get("/courses/python-basics/no-such-item").status_code == 404
    assert client.post("/courses/python-basics/basics/complete").status_code == 400


def test_quiz_page_never_contains_the_answers(client, catalog):
    learner = make_user(email="me@example.com")
    login(client, learner.email)
    client.post("/courses/python-basics/enroll")
    page = client.get("/courses/python-basics/basics").text
    assert "correct" not in page.lower().replace("choose", "")
    assert "writes to standard output" not in page  # explanations only after submitting


def test_catalog_filters_and_search(client, catalog):
    basics, nxt = 'href="/courses/python-basics"', 'href="/courses/python-next"'
    assert nxt in client.get("/?tier=intermediate").text
    assert basics not in client.get("/?tier=intermediate").text
    assert basics in client.get("/?tag=testing").text
    assert nxt not in client.get("/?tag=testing").text
    assert nxt in client.get("/?q=builds").text
    assert basics not in client.get("/?q=builds").text
    assert "No course matches" in client.get("/?q=zzzz").text


def test_course_page_shows_prerequisites_and_whether_met(client, catalog):
    learner = make_user(email="me@example.com")
    login(client, learner.email)
    page = client.get("/courses/python-next").text
    assert "Prerequisites" in page and 'class="missing"' in page
    for slug in ("01-hello", "02-more"):
        services.complete_lesson(learner.id, item(slug))
    services.submit_quiz(learner.id, item("basics"), {"print": [0], "types": [0, 1]})
    services.record_event(
        learner.id, catalog["python-basics"].id, "assignment_graded", item_id=item("add").id, score=5, max_score=5
    )
    db.session.commit()
    assert 'class="met"' in client.get("/courses/python-next").text


def test_instructor_page_counts_enrolments_and_completions(client, catalog):
    teacher = make_user("instructor", email="teacher@example.com")
    done, started = make_user(), make_user()
    course = catalog["python-next"]
    basics = catalog["python-basics"]
    for learner in (done, started):
        services.enroll(learner.id, basics)
        services.enroll(learner.id, course)
    services.complete_lesson(done.id, item("defining-functions"))
    services.submit_quiz(done.id, item("functions"), {"keyword": [0]})
    services.complete_lesson(started.id, item("defining-functions"))
    services.submit_quiz(started.id, item("functions"), {"keyword": [1]})  # failed: not a completion
    db.session.commit()
    login(client, teacher.email)
    page = client.get("/teach/").text
    assert "Python basics" in page and "Python next steps" not in page  # teaches only basics
    from lms.teaching.services import course_stats

    stats = {s.course.slug: s for s in course_stats([course, basics])}
    assert (stats["python-next"].enrolled, stats["python-next"].completed) == (2, 1)
    assert stats["python-next"].completion_rate == 50
    assert (stats["python-basics"].enrolled, stats["python-basics"].completed) == (2, 0)


def test_teaching_page_links_to_gradebooks_and_tools(client, catalog):
    teacher = make_user("instructor", email="teacher@example.com")
    login(client, teacher.email)
    page = client.get("/teach/").text
    assert 'href="/teach/assignments/python-basics/add"' in page
    for path in ("/feedback/teach", "/certificates/manage", "/workshops/teach"):
        assert f'href="{path}"' in page


def test_course_page_links_the_exam_only_when_there_is_one(client, catalog):
    from lms.certification.models import CourseCertification

    learner = make_user(email="me@example.com")
    login(client, learner.email)
    client.post("/courses/python-basics/enroll")
    assert "/courses/python-basics/exam" not in client.get("/courses/python-basics").text
    exam = {"title": "Basics exam", "pass_mark": 75}
    db.session.merge(CourseCertification(course_id=catalog["python-basics"].id, rules={}, exam=exam))
    db.session.commit()
    assert 'href="/courses/python-basics/exam"' in client.get("/courses/python-basics").text
