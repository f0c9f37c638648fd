"""The course gradebook grid: learners by graded items and the exam, each cell the attempt that
counts (keep: policy, late penalty, manual adjustments), totals and averages, its CSV, and who may see it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from lms.assignments import gradebook
from lms.assignments.audit import Actor
from lms.catalog import services as catalog
from lms.certification import exams
from lms.extensions import db
from lms.learning import services as learning
from lms.teaching import grid
from tests.factories import load_fixture_courses, login, make_user
from tests.grading import notebooks as squares
from tests.lms.assignments.helpers import graded_squares, grading_app, item_of, teacher_and_learners
from tests.lms.certification.conftest import COURSES as CERT_COURSES
from tests.lms.certification.conftest import right_answers

GRID = "/teach/courses/python-basics/grades"
EVIL = '=HYPERLINK("http://evil.test","x")'


@pytest.fixture
def app(make_app, courses_dir):
    with grading_app(make_app, courses_dir) as app:
        yield app


def _quiz(user, right: set[str]) -> None:
    """The basics quiz (print: 1 point, types: 2 points) with the named questions right, the others wrong."""
    quiz = item_of("basics")
    answers = {}
    for q in quiz.data["questions"]:
        wrong = [i for i in range(len(q["options"])) if i not in q["correct"]][:1]
        answers[q["id"]] = q["correct"] if q["id"] in right else wrong
    learning.submit_quiz(user.id, quiz, answers)
    db.session.commit()


def _column(g: grid.Grid, title: str) -> int:
    return next(i for i, c in enumerate(g.columns) if c.title == title)


def test_cells_are_the_counting_attempts_with_penalty_and_adjustment(app):
    teacher, learner, other = teacher_and_learners()
    _quiz(learner, {"print", "types"})  # 3 of 3, then a worse attempt: keep best keeps the first
    _quiz(learner, {"print"})
    late = graded_squares(learner, squares.CORRECT, datetime(2030, 1, 11, 13, tzinfo=UTC))  # 5 -20 %: 4 of 6
    gradebook.review(late, "", 2, by=Actor.of(teacher), reason="missed valid answer")
    db.session.commit()
    _quiz(other, {"types"})  # 2 of 3: under the 70 % pass mark

    g = grid.course_grid(catalog.get_course("python-basics"))

    assert [c.kind for c in g.columns] == ["quiz", "assignment", "assignment"]  # syllabus order; no exam here
    assert sorted(r.learner.id for r in g.rows) == sorted([learner.id, other.id])  # the enrolled learners
    mine = next(r for r in g.rows if r.learner.id == learner.id)
    theirs = next(r for r in g.rows if r.learner.id == other.id)
    quiz, add, sq = _column(g, "Basics check"), _column(g, "Add two numbers"), _column(g, "Squares")
    assert (mine.cells[quiz].score, mine.cells[quiz].max_score, mine.cells[quiz].attempts) == (3, 3, 2)
    assert mine.cells[quiz].passed and mine.cells[quiz].submission_id is None
    assert (mine.cells[sq].score, mine.cells[sq].max_score) == (6, 6)  # 4 after penalty, +2 by hand
    assert mine.cells[sq].submission_id == late.id and mine.cells[add] is None
    assert (theirs.cells[quiz].score, theirs.cells[quiz].passed) == (2, False)
    add_max = g.columns[add].max_score
    assert (mine.total, mine.possible) == (9, 3 + add_max + 6)  # an item not attempted: 0 of its points
    assert g.average(quiz) == pytest.approx((100 + 200 / 3) / 2) and g.average(add) is None


def test_grid_page_links_cells_and_csv_guards_formulas(app, client):
    teacher, learner, other = teacher_and_learners()
    learner.display_name = EVIL
    db.session.commit()
    sub = graded_squares(learner, squares.CORRECT)  # on time: 5 of 6
    _quiz(other, {"print"})
    login(client, teacher.email)

    teaching = client.get("/teach/")
    assert f'href="{GRID}"' in teaching.text
    page = client.get(GRID)
    assert page.status_code == 200
    assert f'href="/teach/assignments/submissions/{sub.id}"' in page.text  # a cell opens its submission
    assert 'class="table grade-grid"' in page.text and "Average" in page.text
    assert 'href="/teach/" aria-current="page"' in page.text  # the nav marks Teaching

    response = client.get(GRID + ".csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:2] == ["email", "name"] and rows[0][-3:] == ["total", "possible", "percent"]
    assert rows[0][2].startswith("Basics check (quiz") and len(rows[0]) == 2 + 3 + 3
    assert len(rows) == 1 + 2  # one line per enrolled learner
    by_email = {r[0]: r for r in rows[1:]}
    assert by_email[learner.email][1] == "'" + EVIL  # the spreadsheet shows it, never runs it
    assert by_email[learner.email][2:5] == ["", "", "5"] and by_email[other.email][2] == "1"


def test_only_the_courses_instructors_see_the_grid(app, client):
    _teacher, learner, _other = teacher_and_learners()
    stranger = make_user("instructor", email="elsewhere@example.com")
    admin = make_user("admin")
    login(client, learner.email)
    assert client.get(GRID).status_code == 403 and client.get(GRID + ".csv").status_code == 403
    client.post("/logout")
    login(client, stranger.email)
    assert client.get(GRID).status_code == 404 and client.get(GRID + ".csv").status_code == 404
    assert client.get("/teach/courses/no-such-course/grades").status_code == 404
    client.post("/logout")
    login(client, admin.email)
    assert client.get(GRID).status_code == 200


def test_the_exam_is_a_column_with_the_best_attempt(app):
    courses = load_fixture_courses(CERT_COURSES)
    course = courses["cert-basics"]
    learner, absent = make_user(), make_user()
    for user in (learner, absent):
        learning.enroll(user.id, course)
    attempt = exams.start(learner.id, course)
    exams.submit(attempt, right_answers(attempt))
    db.session.commit()

    g = grid.course_grid(course)

    exam = g.columns[-1]
    assert exam.kind == "exam" and exam.item is None and exam.pass_mark == 60
    mine = next(r for r in g.rows if r.learner.id == learner.id)
    assert mine.cells[-1].score == mine.cells[-1].max_score == attempt.max_score and mine.cells[-1].passed
    assert next(r for r in g.rows if r.learner.id == absent.id).cells[-1] is None
    assert g.average(len(g.columns) - 1) == 100
