"""Instructors: gradebook, CSV, manual marks, extensions, regrade; nobody sees others' work."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, select

from lms.assignments import gradebook, services, worker
from lms.assignments.audit import CLI
from lms.assignments.models import Submission
from lms.extensions import db
from lms.learning import counting
from lms.learning.models import LearningEvent
from lms.learning.services import enroll
from tests.factories import login, make_user
from tests.grading import notebooks as squares
from tests.lms.assignments.helpers import graded_squares, item_of, solve, teacher_and_learners

BOOK = "/teach/assignments/python-basics/squares"


def test_gradebook_manual_marks_late_penalty_and_csv(app, client):
    teacher, learner, other = teacher_and_learners()
    on_time = graded_squares(learner, squares.WRONG)
    late = graded_squares(learner, squares.CORRECT, datetime(2030, 1, 11, 13, tzinfo=UTC))  # 2 days late: -20%
    assert on_time.grade.auto_score == 2 - 2 + 0 + 1 or on_time.grade.auto_score < late.grade.auto_score
    assert late.grade.auto_score == 5 and [c["name"] for c in late.grade.manual_cells] == ["explain"]
    login(client, teacher.email)
    page = client.get(BOOK)
    assert page.status_code == 200 and learner.email in page.text and other.email in page.text
    response = client.post(
        f"/teach/assignments/submissions/{late.id}/manual",
        data={"grade_id": "explain", "points": "1", "comment": "Clear and short."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, late.id).grade.manual == {
        "explain": {"points": 1.0, "comment": "Clear and short."}
    }
    csv = client.get(f"{BOOK}/gradebook.csv").text.splitlines()
    row = next(line for line in csv if line.startswith(learner.email))
    assert row.split(",")[2:7] == ["2", "4.8", "6", "graded", "2"]  # last counts: (5+1) * 0.8
    event = db.session.scalars(
        select(LearningEvent).where(LearningEvent.kind == "assignment_graded").order_by(LearningEvent.id.desc())
    ).first()
    assert event.score == 4.8 and event.user_id == learner.id
    bad = client.post(f"/teach/assignments/submissions/{late.id}/manual", data={"grade_id": "explain", "points": "7"})
    assert bad.status_code == 302 and "between 0 and 1" in client.get(bad.location).text


def test_extension_removes_the_penalty(app, client):
    teacher, learner, _other = teacher_and_learners()
    late = graded_squares(learner, squares.CORRECT, datetime(2030, 1, 11, 13, tzinfo=UTC))
    login(client, teacher.email)
    client.post(f"{BOOK}/extensions", data={"learner_id": learner.id, "due_at": "2030-01-12T00:00"})
    view = services.assignment_page(learner.id, item_of("squares"))
    assert view.late_days(late) == 0 and view.score(late) == 5
    # The learning log follows (issue 15): the attempt that counts is 5, not the 4 graded before the extension.
    counted = counting.counting_attempt(learner.id, item_of("squares"))
    assert (counted.attempt_id, counted.score) == (late.id, view.score(late))
    db.session.expire_all()
    attempts = services.history(learner.id, late.item_id)  # each attempt's grade loads with them, not one by one
    assert attempts and all("grades" not in inspect(s).unloaded for s in attempts)


def test_regrade_one_and_all_start_new_rounds(app, client):
    teacher, learner, _other = teacher_and_learners()
    first = graded_squares(learner)
    login(client, teacher.email)
    client.post(f"/teach/assignments/submissions/{first.id}/regrade")
    db.session.expire_all()
    again = db.session.get(Submission, first.id)
    assert again.run == 2 and again.state == "queued" and again.grade is None and len(again.grades) == 1
    client.post(f"{BOOK}/regrade")
    db.session.expire_all()
    assert db.session.get(Submission, first.id).run == 3
    assert worker.grade_now(first.id, 2) == "taken"  # an old round's task does nothing
    assert worker.grade_now(first.id, 3) == "graded"
    assert gradebook.regrade(item_of("squares"), by=CLI) == [(first.id, 4)]  # (id, new run) from the one UPDATE
    assert gradebook.regrade(item_of("squares"), first, by=CLI) == [(first.id, 5)]


def test_nobody_sees_another_learners_work(app, client):
    teacher, learner, other = teacher_and_learners()
    mine = graded_squares(learner)
    login(client, other.email)
    for url in (
        f"/submissions/{mine.id}/status",
        f"/submissions/{mine.id}/feedback.html",
        f"/submissions/{mine.id}/notebook.ipynb",
    ):
        assert client.get(url).status_code == 404
    assert client.get(BOOK).status_code == 403
    assert client.get(f"/teach/assignments/submissions/{mine.id}").status_code == 403
    outsider = make_user("instructor")  # teaches nothing here
    client.post("/logout")
    login(client, outsider.email)
    assert client.get(BOOK).status_code == 403
    assert client.get(f"/teach/assignments/submissions/{mine.id}").status_code == 404
    assert client.get(f"/submissions/{mine.id}/status").status_code == 404
    client.post("/logout")
    login(client, teacher.email)
    assert client.get(f"/submissions/{mine.id}/feedback.html").status_code == 200
    assert client.get(f"/teach/assignments/submissions/{mine.id}").status_code == 200


def test_cli_grade_json_and_regrade(app, runner, tmp_path):
    import json

    item = item_of("add")
    release = services.engine_release(services.current_release(item.id)).notebook_bytes
    path = tmp_path / "try.ipynb"
    path.write_bytes(solve(release, "add", "def add(a, b):\n    return a + b\n"))
    result = runner.invoke(args=["grading", "grade", "python-basics/add", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["score"] == 5 and data["max_score"] == 5
    assert {t["name"] for t in data["tests"]} == {"test_add", "test_add_more"}
    assert set(data["tests"][0]) >= {"name", "points", "max_points", "passed", "message"}
    assert result.output == json.dumps(data, indent=2) + "\n"
    text = runner.invoke(args=["grading", "grade", "python-basics/add", str(path)]).output
    assert text.endswith("\nscore 5/5\n") and text.count("PASS ") == 2 and "FAIL" not in text
    assert runner.invoke(args=["grading", "grade", "nope/add", str(path)]).exit_code != 0
    assert "0 submission(s)" in runner.invoke(args=["grading", "regrade", "python-basics/add"]).output


def test_gradebook_csv_neutralises_formulas_in_names(app, client):
    teacher = make_user("instructor", email="teacher@example.com")
    learner = make_user(name="=HYPERLINK(1)")
    enroll(learner.id, item_of("squares").course)
    db.session.commit()
    login(client, teacher.email)
    csv = client.get(f"{BOOK}/gradebook.csv").text.splitlines()
    assert next(line for line in csv if line.startswith(learner.email)).split(",")[1] == "'=HYPERLINK(1)"


def test_assignments_index_counts_per_assignment_in_syllabus_order(app):
    teacher, learner, other = teacher_and_learners()
    item = item_of("squares")
    release = services.engine_release(services.current_release(item.id)).notebook_bytes
    for user in (learner, learner, other):  # the second upload of the same bytes is the same submission
        services.submit(user, item, solve(release, "squares", squares.CORRECT), max_bytes=1 << 20)
    db.session.commit()
    [(course, rows)] = services.taught_assignments(teacher)
    assert course.slug == "python-basics"
    assert [(i.slug, submitted, waiting) for i, submitted, waiting in rows] == [("add", 0, 0), ("squares", 2, 2)]
    assert services.taught_assignments(make_user("instructor")) == []  # teaches nothing
