"""The instructor's comment and points adjustment on a whole submission: bounded, audited, the
adjusted score is what counts (gradebook, learning log, certificate rule, the learner's page),
bad input stores nothing, and only the course's instructors reach it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lms.assignments import gradebook, services, worker
from lms.assignments.audit import Actor
from lms.assignments.models import ChangeKind, GradeChange, Submission
from lms.catalog import services as catalog
from lms.certification.rules import course_requirements
from lms.extensions import db
from lms.learning.models import LearningEvent
from tests.factories import login, make_user
from tests.grading import notebooks as squares
from tests.lms.assignments.helpers import graded_squares, item_of, teacher_and_learners

TWO_DAYS_LATE = datetime(2030, 1, 11, 13, tzinfo=UTC)  # squares: -10 % a day, so 5 points become 4 of 6


def _review(client, sub: Submission, adjustment: str = "", comment: str = "", reason: str = ""):
    data = {"adjustment": adjustment, "comment": comment, "reason": reason}
    return client.post(f"/teach/assignments/submissions/{sub.id}/review", data=data)


def _changes(sub_id: int) -> list[GradeChange]:
    db.session.expire_all()
    return list(db.session.scalars(select(GradeChange).where(GradeChange.submission_id == sub_id)))


def _squares_requirement(learner_id: int):
    course = catalog.get_course("python-basics")
    return next(r for r in course_requirements(learner_id, course) if r.kind == "assignment" and r.label == "Squares")


def test_adjustment_counts_everywhere_and_is_audited(app):
    teacher, learner, _other = teacher_and_learners()
    sub = graded_squares(learner, squares.CORRECT, TWO_DAYS_LATE)
    item = item_of("squares")
    assert services.assignment_page(learner.id, item).score(sub) == 4  # 66.7 %: under the 70 % pass mark
    assert not _squares_requirement(learner.id).met

    changed = gradebook.review(sub, "Good *work*", 1.0, by=Actor.of(teacher), reason="Late because of a power cut")
    db.session.commit()

    assert changed == [ChangeKind.ADJUSTMENT, ChangeKind.GENERAL_COMMENT]
    adjustment, comment = _changes(sub.id)
    assert (adjustment.kind, adjustment.field) == ("adjustment", "points")
    assert (adjustment.old_value, adjustment.new_value) == (0, 1)
    assert adjustment.reason == "Late because of a power cut" and adjustment.actor_id == teacher.id
    assert (comment.kind, comment.old_value, comment.new_value) == ("general_comment", None, "Good *work*")
    page = services.assignment_page(learner.id, item)
    assert page.score(sub) == 5 and page.penalized(sub) == 4  # added after the late penalty
    assert "<em>work</em>" in page.comment_html(sub)
    [row] = [r for r in gradebook.gradebook(item) if r.learner.id == learner.id]
    assert row.score == 5
    last = db.session.scalars(
        select(LearningEvent).where(LearningEvent.kind == "assignment_graded").order_by(LearningEvent.id.desc())
    ).first()
    assert (last.user_id, last.score, last.max_score) == (learner.id, 5, 6)
    assert _squares_requirement(learner.id).met  # the certificate rule reads the adjusted score
    assert services.status(sub)["score"] == 5  # and the learner's live status


def test_adjustment_bounds_reason_and_nothing_written_on_refusal(app):
    teacher, learner, _other = teacher_and_learners()
    sub = graded_squares(learner, squares.CORRECT, TWO_DAYS_LATE)  # 4 of 6 after the penalty
    by = Actor.of(teacher)
    events = db.session.scalar(select(db.func.count()).select_from(LearningEvent))
    with pytest.raises(gradebook.GradebookError, match=r"adjust by -4 to \+2 points"):
        gradebook.review(sub, "kept?", 2.5, by=by, reason="too much")
    db.session.rollback()
    with pytest.raises(gradebook.GradebookError, match="adjust by -4"):
        gradebook.review(sub, "", -4.01, by=by, reason="too little")
    db.session.rollback()
    with pytest.raises(gradebook.GradebookError, match="Give a reason"):
        gradebook.review(sub, "a comment", 1, by=by, reason="   ")
    db.session.rollback()
    for typed in ("two", "nan", "inf", "1e400", "--1"):
        with pytest.raises(gradebook.GradebookError, match="as a number of points"):
            gradebook.parse_points(typed)
    assert (gradebook.parse_points(" +2 "), gradebook.parse_points("-1.5"), gradebook.parse_points("")) == (2, -1.5, 0)
    assert _changes(sub.id) == []
    db.session.refresh(sub.grade)
    assert (sub.grade.adjustment, sub.grade.comment) == (0, "")
    assert db.session.scalar(select(db.func.count()).select_from(LearningEvent)) == events

    gradebook.review(sub, "", -4, by=by, reason="plagiarised part")  # the lower bound itself is allowed
    gradebook.review(sub, "", 2 - 4, by=by, reason="second look")
    db.session.commit()
    assert [(c.old_value, c.new_value) for c in _changes(sub.id)] == [(0, -4), (-4, -2)]
    assert gradebook.review(sub, "", -2, by=by) == []  # nothing changed: no row, no reason needed
    assert len(_changes(sub.id)) == 2


def test_adjustment_and_comment_survive_a_regrade_and_stay_in_bounds(app):
    teacher, learner, _other = teacher_and_learners()
    sub = graded_squares(learner, squares.CORRECT)  # on time: 5 of 6
    gradebook.review(sub, "See me", 1, by=Actor.of(teacher), reason="bonus")
    db.session.commit()
    [(sub_id, run)] = gradebook.regrade(item_of("squares"), sub, by=Actor.of(teacher))
    db.session.commit()
    assert worker.grade_now(sub_id, run) == "graded"
    db.session.expire_all()
    regraded = db.session.get(Submission, sub.id)
    assert regraded.run == 2 and (regraded.grade.adjustment, regraded.grade.comment) == (1, "See me")
    assert services.assignment_page(learner.id, item_of("squares")).score(regraded) == 6  # 5 + 1, at most max


def test_review_page_access_bad_input_and_learner_view(app, client):
    teacher, learner, other = teacher_and_learners()
    sub = graded_squares(learner, squares.CORRECT, TWO_DAYS_LATE)
    url = f"/teach/assignments/submissions/{sub.id}"
    stranger = make_user("instructor", email="elsewhere@example.com")  # teaches no course of this one

    # Learners are refused by role before any id is looked up (403 whatever the id); an instructor
    # of another course is told the submission does not exist.
    for who, status in ((learner, 403), (other, 403), (stranger, 404)):
        login(client, who.email)
        assert client.get(url).status_code == status
        assert _review(client, sub, "+2", "mine now", "because").status_code == status
        client.post("/logout")
    assert _changes(sub.id) == []

    login(client, teacher.email)
    page = client.get(url)
    assert page.status_code == 200 and 'id="review"' in page.text and "-4 to +2" in page.text
    bad = _review(client, sub, "two", "Typed with care", "r")
    assert bad.status_code == 200 and "as a number of points" in bad.text  # the page again, as forms here do
    assert "Typed with care" in bad.text  # what was typed comes back, nothing is lost
    out_of_range = _review(client, sub, "+3", "", "r")
    assert out_of_range.status_code == 200 and "must stay between 0 and 6" in out_of_range.text
    no_reason = _review(client, sub, "+2", "Well argued.", "")
    assert no_reason.status_code == 200 and "Give a reason" in no_reason.text
    assert _changes(sub.id) == []

    comment = "**Well argued.** <script>alert(1)</script> [more](javascript:alert(2))"
    saved = _review(client, sub, "+2", comment, "the grader missed a valid answer")
    assert saved.status_code == 302 and saved.location.endswith("#review")
    history = client.get(url).text
    assert "Points adjustment" in history and "the grader missed a valid answer" in history
    csv = client.get("/teach/assignments/python-basics/squares/history.csv").text
    assert ",adjustment,points,0,2,the grader missed a valid answer" in csv and ",general_comment," in csv
    client.post("/logout")

    login(client, learner.email)
    mine = client.get("/courses/python-basics/squares").text
    assert "From your instructor" in mine and "<strong>Well argued.</strong>" in mine
    assert "alert(1)" not in mine and 'href="javascript:' not in mine  # sanitised like lessons
    assert 'class="score-value">6<' in mine and "+2" in mine
