"""nbgrader's feedback page: rendered on first view from the notebook stored with the grade,
kept, the same for everyone who asks at once, and per grading round."""

from __future__ import annotations

from sqlalchemy import update

from lms.assignments import gradebook, services, worker
from lms.assignments.audit import CLI
from lms.assignments.models import Grade, Submission
from lms.extensions import db
from tests.factories import login
from tests.grading import notebooks as squares
from tests.lms.assignments.helpers import graded_squares, item_of, teacher_and_learners


def _stored(grade_id: int) -> Grade:
    db.session.expire_all()
    return db.session.get(Grade, grade_id)


def test_first_view_renders_and_keeps_the_page(app, client):
    _teacher, learner, _other = teacher_and_learners()
    submission = graded_squares(learner, squares.HALF)
    grade = submission.grade
    assert grade.feedback_html == "" and grade.feedback_notebook  # the worker did not render it
    login(client, learner.email)
    first = client.get(f"/submissions/{submission.id}/feedback.html")
    assert first.status_code == 200 and "Score: 1.0 / 6.0" in first.text and "squares(10)" not in first.text
    assert _stored(grade.id).feedback_html == first.text
    assert client.get(f"/submissions/{submission.id}/feedback.html").text == first.text  # served as stored


def test_a_second_first_view_stores_nothing_over_the_first(app):
    _teacher, learner, _other = teacher_and_learners()
    grade = graded_squares(learner).grade
    stale = _stored(grade.id)
    assert stale.feedback_html == ""  # read before another view stored its page
    other = update(Grade).where(Grade.id == grade.id).values(feedback_html="<html>first</html>")
    db.session.execute(other.execution_options(synchronize_session=False))
    html = services.feedback_page(stale)  # renders the page itself ...
    db.session.commit()
    assert "<html" in html and html != "<html>first</html>"
    assert _stored(grade.id).feedback_html == "<html>first</html>"  # ... and stores nothing over the first


def test_each_round_has_its_own_page_and_unreadable_notebooks_say_so(app, client):
    _teacher, learner, _other = teacher_and_learners()
    submission = graded_squares(learner, squares.WRONG)
    login(client, learner.email)
    before = client.get(f"/submissions/{submission.id}/feedback.html").text
    first = submission.grade.id
    assert gradebook.regrade(item_of("squares"), submission, by=CLI) == [(submission.id, 2)]
    db.session.commit()
    assert worker.grade_now(submission.id, 2) == "graded"
    after = client.get(f"/submissions/{submission.id}/feedback.html")
    assert after.status_code == 200 and _stored(first).feedback_html == before
    again = db.session.get(Submission, submission.id).grade
    assert again.run == 2 and again.id != first and again.feedback_html == after.text
    db.session.execute(update(Grade).where(Grade.id == again.id).values(feedback_html="", feedback_notebook=None))
    db.session.commit()
    missing = client.get(f"/submissions/{submission.id}/feedback.html")
    assert missing.status_code == 404 and "no detailed feedback" in missing.text
