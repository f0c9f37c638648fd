"""The grade audit trail: every change path appends exactly one row per changed value, in the
change's own transaction; refused changes write nothing; rows are never edited; instructors only."""

from __future__ import annotations

import csv
import io
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update

from lms.accounts.models import User
from lms.assignments import audit, gradebook, worker
from lms.assignments.audit import Actor
from lms.assignments.models import (
    AppendOnlyGradeChangeError,
    ChangeKind,
    Extension,
    GradeChange,
    Submission,
    UnauditedGradeChangeError,
)
from lms.catalog import services as catalog
from lms.catalog.models import CourseInstructor
from lms.extensions import db
from lms.learning.models import LearningEvent
from tests.factories import login, make_user
from tests.grading import notebooks as squares
from tests.lms.assignments.helpers import graded_squares, item_of, teacher_and_learners

BOOK = "/teach/assignments/python-basics/squares"


def _rows(**where) -> list[GradeChange]:
    db.session.expire_all()
    stmt = select(GradeChange).filter_by(**where).order_by(GradeChange.id)
    return list(db.session.scalars(stmt))


def _mark(client, sub: Submission, points: str, comment: str = "", reason: str = ""):
    data = {"grade_id": "explain", "points": points, "comment": comment, "reason": reason}
    return client.post(f"/teach/assignments/submissions/{sub.id}/manual", data=data)


def _manual(sub_id: int) -> dict:
    db.session.expire_all()
    return db.session.get(Submission, sub_id).grade.manual


def test_each_manual_change_writes_one_row_with_old_new_actor_and_reason(app, client):
    teacher, learner, _other = teacher_and_learners()
    sub = graded_squares(learner)
    item = item_of("squares")
    login(client, teacher.email)

    _mark(client, sub, "1")  # a first mark: no reason needed
    [mark] = _rows()
    assert (mark.kind, mark.field, mark.old_value, mark.new_value) == ("manual_mark", "explain", None, 1)
    assert mark.reason is None
    assert (mark.actor_id, mark.actor_label, mark.learner_id, mark.submission_id) == (
        teacher.id,
        teacher.email,
        learner.id,
        sub.id,
    )
    assert (mark.item_id, mark.course_id) == (item.id, item.course_id) and mark.at.tzinfo is not None

    _mark(client, sub, "1", "Clear and short.")  # only the comment changes: one comment row
    [comment] = _rows(kind=ChangeKind.COMMENT)
    assert (comment.old_value, comment.new_value, comment.field) == (None, "Clear and short.", "explain")
    assert len(_rows()) == 2

    _mark(client, sub, "1", "Clear and short.")  # nothing changed: nothing written
    assert len(_rows()) == 2

    refused = _mark(client, sub, "0.5", "Clear and short.")  # changing points given needs a reason
    assert "Give a reason" in client.get(refused.location).text
    assert len(_rows()) == 2 and _manual(sub.id)["explain"]["points"] == 1

    _mark(client, sub, "0.5", "Too short.", reason="Re-read against the mark scheme")
    new = _rows()[2:]
    assert [(r.kind, r.old_value, r.new_value) for r in new] == [
        ("manual_mark", 1, 0.5),
        ("comment", "Clear and short.", "Too short."),
    ]
    assert {r.reason for r in new} == {"Re-read against the mark scheme"}
    assert _manual(sub.id) == {"explain": {"points": 0.5, "comment": "Too short."}}


def test_a_refused_or_rolled_back_change_leaves_neither_change_nor_row(app, client):
    teacher, learner, _other = teacher_and_learners()
    sub = graded_squares(learner)
    events = db.session.scalar(select(func.count()).select_from(LearningEvent))
    login(client, teacher.email)
    for points in ("7", "-1", "x"):  # out of range, negative, not a number
        _mark(client, sub, points, "nope")
    client.post(f"/teach/assignments/submissions/{sub.id}/manual", data={"grade_id": "squares", "points": "1"})
    client.post(f"{BOOK}/extensions", data={"learner_id": learner.id, "due_at": "not a date", "reason": "x"})
    assert _rows() == [] and _manual(sub.id) == {}
    assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == events

    with pytest.raises(gradebook.GradebookError):
        gradebook.set_manual(sub.grade, "explain", 2, "", by=Actor.of(teacher))  # max is 1
    gradebook.set_manual(sub.grade, "explain", 1, "", by=Actor.of(teacher))
    gradebook.grant_extension(item_of("squares"), learner, datetime(2030, 2, 1, tzinfo=UTC), by=Actor.of(teacher))
    db.session.rollback()  # the boundary fails after the service ran: row and change go together
    assert _rows() == [] and _manual(sub.id) == {}
    assert db.session.scalar(select(func.count()).select_from(Extension)) == 0


def test_a_change_that_skips_the_service_is_refused(app):
    _teacher, learner, _other = teacher_and_learners()
    sub = graded_squares(learner)
    sub.grade.manual = {"explain": {"points": 1, "comment": ""}}
    with pytest.raises(UnauditedGradeChangeError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Extension(item_id=sub.item_id, user_id=learner.id, due_at=datetime(2030, 2, 1, tzinfo=UTC)))
    with pytest.raises(UnauditedGradeChangeError):
        db.session.commit()
    db.session.rollback()
    assert _manual(sub.id) == {} and _rows() == []


def test_two_instructors_marking_at_once_are_applied_one_after_the_other(app):
    teacher, learner, _other = teacher_and_learners()
    admin = make_user("admin")
    sub = graded_squares(learner)
    gradebook.set_manual(sub.grade, "explain", 1, "", by=Actor.of(teacher))
    db.session.commit()
    holding, waiting, errors = threading.Event(), threading.Event(), []

    def mark(user_id: int, points: float, first: bool) -> None:
        try:
            with app.app_context():
                if not first:
                    holding.wait(10)
                    waiting.set()
                grade = db.session.get(Submission, sub.id).grade
                by = Actor.of(db.session.get(User, user_id))
                gradebook.set_manual(grade, "explain", points, "", by=by, reason=f"to {points:g}")
                if first:  # hold the lock while the other one reads and tries to write
                    holding.set()
                    waiting.wait(10)
                    time.sleep(0.3)  # give it time to block; the outcome must not depend on it
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)

    threads = [
        threading.Thread(target=mark, args=(teacher.id, 0.5, True)),
        threading.Thread(target=mark, args=(admin.id, 0, False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [(r.old_value, r.new_value, r.actor_id) for r in _rows()] == [
        (None, 1, teacher.id),
        (1, 0.5, teacher.id),
        (0.5, 0, admin.id),
    ]
    assert _manual(sub.id)["explain"]["points"] == 0


def test_extensions_write_old_and_new_due_dates(app, client):
    teacher, learner, _other = teacher_and_learners()
    login(client, teacher.email)
    client.post(f"{BOOK}/extensions", data={"learner_id": learner.id, "due_at": "2030-01-12T00:00", "reason": "Ill"})
    client.post(f"{BOOK}/extensions", data={"learner_id": learner.id, "due_at": "2030-01-15T09:30"})
    client.post(f"{BOOK}/extensions", data={"learner_id": learner.id, "due_at": "2030-01-15T09:30"})  # same: no row
    rows = _rows(kind=ChangeKind.EXTENSION_GRANTED)
    assert [(r.old_value, r.new_value, r.reason) for r in rows] == [
        (None, "2030-01-12T00:00:00+00:00", "Ill"),
        ("2030-01-12T00:00:00+00:00", "2030-01-15T09:30:00+00:00", None),
    ]
    assert {(r.submission_id, r.learner_id, r.actor_id, r.field) for r in rows} == {
        (None, learner.id, teacher.id, "due_at")
    }
    assert len(_rows()) == 2


def test_regrades_write_one_row_per_submission_then_the_result(app, client, runner):
    teacher, learner, other = teacher_and_learners()
    mine, theirs = graded_squares(learner, squares.WRONG), graded_squares(other)
    login(client, teacher.email)
    client.post(f"/teach/assignments/submissions/{mine.id}/regrade", data={"reason": "fixed test_partial"})
    [one] = _rows()
    assert (one.kind, one.field, one.old_value, one.new_value) == ("regrade", "run", 1, 2)
    assert (one.actor_id, one.submission_id, one.learner_id, one.reason) == (
        teacher.id,
        mine.id,
        learner.id,
        "fixed test_partial",
    )
    client.post(f"{BOOK}/regrade")  # all: one row each, no reason given
    rows = _rows(kind=ChangeKind.REGRADE)[1:]
    assert sorted((r.submission_id, r.old_value, r.new_value, r.reason) for r in rows) == [
        (mine.id, 2, 3, None),
        (theirs.id, 1, 2, None),
    ]
    result = runner.invoke(args=["grading", "regrade", "python-basics/squares", "--reason", "new release"])
    assert "2 submission(s)" in result.output
    cli = _rows(actor_label="cli")
    assert {(r.submission_id, r.new_value, r.actor_id, r.reason) for r in cli} == {
        (mine.id, 4, None, "new release"),
        (theirs.id, 3, None, "new release"),
    }

    assert worker.grade_now(mine.id, 4) == "graded"  # the round finishes: the score before -> after
    [done] = _rows(kind=ChangeKind.REGRADE_RESULT)
    first, fourth = (g.raw_score for g in db.session.get(Submission, mine.id).grades)
    assert (done.actor_id, done.actor_label, done.field, done.submission_id) == (None, "grader", "score", mine.id)
    assert (done.old_value, done.new_value) == (first, fourth)

    token = worker.claim(theirs.id, 3, lease=30)  # a regrade round that fails: the score is gone, and why
    worker.fail(theirs.id, 3, token, "the grader could not run this notebook")
    db.session.commit()
    failed = _rows(kind=ChangeKind.REGRADE_RESULT, submission_id=theirs.id)
    assert [(r.old_value, r.new_value, r.reason) for r in failed] == [
        (5, None, "the grader could not run this notebook")
    ]


def test_first_grading_is_not_a_change(app):
    _teacher, learner, _other = teacher_and_learners()
    graded_squares(learner)
    assert _rows() == []


def test_history_on_the_submission_page_and_as_csv(app, client):
    teacher, learner, other = teacher_and_learners()
    learner.display_name = "=cmd|' /C calc'!A0"
    sub, elsewhere = graded_squares(learner), graded_squares(other)
    login(client, teacher.email)
    _mark(client, sub, "1", "@SUM(1+1)")
    _mark(client, sub, "0", "@SUM(1+1)", reason="+ plagiarised answer")
    client.post(
        f"{BOOK}/extensions", data={"learner_id": learner.id, "due_at": "2030-01-12T00:00", "reason": "Medical leave"}
    )
    client.post(f"{BOOK}/extensions", data={"learner_id": other.id, "due_at": "2030-01-13T00:00"})
    _mark(client, elsewhere, "1")

    page = client.get(f"/teach/assignments/submissions/{sub.id}").text
    history = page[page.index('id="history"') :]
    assert history.count('class="change ') == 4  # two marks, a comment, this learner's extension: not the other's
    assert "Points for explain" in history and "Comment on explain" in history and "Extension (due date)" in history
    assert teacher.display_name in history and "+ plagiarised answer" in history
    assert history.index("Medical leave") < history.index("plagiarised")  # newest first
    chinese = client.get(f"/teach/assignments/submissions/{sub.id}", headers={"Accept-Language": "zh"}).text
    assert "成绩历史" in chinese and "explain 的分数" in chinese and "修改前" in chinese

    response = client.get(f"{BOOK}/history.csv")
    assert response.headers["Content-Disposition"].endswith('-grade-history.csv"')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["kind"] for r in rows] == [
        "manual_mark",
        "comment",
        "manual_mark",
        "extension_granted",
        "extension_granted",
        "manual_mark",
    ]
    first, comment, remark = rows[:3]
    assert (first["actor"], first["learner_email"]) == (teacher.email, learner.email)
    assert first["submission_id"] == str(sub.id)
    assert (first["old_value"], first["new_value"], first["field"]) == ("", "1", "explain")
    assert first["learner_name"] == "'=cmd|' /C calc'!A0"  # the spreadsheet shows it, never runs it
    assert comment["new_value"] == "'@SUM(1+1)"
    assert (remark["old_value"], remark["new_value"], remark["reason"]) == ("1", "0", "'+ plagiarised answer")
    assert rows[3]["new_value"] == "2030-01-12T00:00:00+00:00" and rows[3]["submission_id"] == ""


def test_only_the_courses_instructors_and_admins_see_the_history(app, client):
    teacher, learner, _other = teacher_and_learners()
    sub = graded_squares(learner)
    page, export = f"/teach/assignments/submissions/{sub.id}", f"{BOOK}/history.csv"
    login(client, teacher.email)
    _mark(client, sub, "1", "secret comment", reason="")
    client.post("/logout")

    login(client, learner.email)  # the learner: not an instructor at all
    assert client.get(page).status_code == 403 and client.get(export).status_code == 403
    client.post("/logout")

    rival = make_user("instructor", email="rival@example.com")  # teaches another course
    db.session.add(CourseInstructor(course_id=catalog.get_course("python-next").id, email=rival.email))
    db.session.commit()
    login(client, rival.email)
    for sub_id in (sub.id, sub.id + 1, 10**6):  # this course's id, a neighbour, a missing one: all alike
        response = client.get(f"/teach/assignments/submissions/{sub_id}")
        assert response.status_code == 404 and b"secret comment" not in response.data
    assert client.get(export).status_code == 403
    client.post("/logout")

    admin = make_user("admin")
    login(client, admin.email)
    assert "secret comment" in client.get(page).text
    assert "secret comment" in client.get(export).text


def test_grade_changes_are_append_only(app):
    teacher, learner, _other = teacher_and_learners()
    sub = graded_squares(learner)
    gradebook.set_manual(sub.grade, "explain", 1, "ok", by=Actor.of(teacher))
    db.session.commit()
    row = _rows()[0]
    row.new_value = 0
    with pytest.raises(AppendOnlyGradeChangeError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(_rows()[0])
    with pytest.raises(AppendOnlyGradeChangeError):
        db.session.flush()
    db.session.rollback()
    for statement in (update(GradeChange).values(reason="edited"), delete(GradeChange)):
        with pytest.raises(AppendOnlyGradeChangeError):
            db.session.execute(statement)
        db.session.rollback()
    assert [(r.kind, r.new_value, r.reason) for r in _rows()] == [("manual_mark", 1, None), ("comment", "ok", None)]

    db.session.execute(delete(User).where(User.id == teacher.id))  # the actor's account goes; the rows stay
    db.session.commit()
    assert [(r.actor_id, r.actor_label) for r in _rows()] == [(None, teacher.email)] * 2
    assert [(e.actor, e.system) for e in audit.submission_history(sub)] == [(teacher.email, False)] * 2
