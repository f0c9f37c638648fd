"""Content analytics: a class of ten learners whose answers are chosen here, so that each share,
upper and lower group and discrimination is computed by hand; lesson reach and drop-off; assignment
test failures over current grades; a fixed number of queries; who may read the page."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from datetime import timedelta
from pathlib import Path

import pytest

from lms.assignments import services as assignments
from lms.assignments.models import Grade, Submission
from lms.catalog import services as catalog
from lms.certification import exams
from lms.db import utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import LearningEventKind
from lms.teaching.analytics import course_analytics
from lms.teaching.item_analysis import Flag, error_line
from tests.factories import counted_queries, load_fixture_courses, login, make_user

COURSES = Path(__file__).resolve().parent / "fixtures" / "courses"
PAGE = "/teach/courses/item-analysis/analytics"
EVIL = '=HYPERLINK("http://evil.test","x")'

# Each learner's verdicts on q1..q6 of the quiz (1 right). Totals 5 5 4 | 3 3 3 3 | 2 2 2: with ten
# learners the upper and lower groups hold round(0.27 x 10) = 3, and no tie crosses a group's edge.
QUIZ = [
    "110111",
    "110111",
    "110011",
    "100011",
    "110001",
    "101001",
    "010011",
    "001001",
    "001001",
    "100001",
]
_sha = itertools.count()


@pytest.fixture
def course(app):
    return load_fixture_courses(COURSES)["item-analysis"]


def _item(course, slug):
    return catalog.get_item(course, slug)


def _answers(questions, verdicts: str) -> dict[str, list[int]]:
    """Option 0 is the right one in the fixture: "1" picks it, "0" the wrong option."""
    return {q["id"]: [0 if v == "1" else 1] for q, v in zip(questions, verdicts, strict=True)}


def _sit_exam(user, course, verdicts: str) -> None:
    """An attempt at the exam (all three questions, drawn in any order) with e1, e2, e3 right as `verdicts` says."""
    attempt = exams.start(user.id, course)
    exams.submit(attempt, {q: [0 if verdicts[int(q[1]) - 1] == "1" else 1] for q in attempt.question_ids})


def _test(name: str, passed: bool, message: str = "") -> dict:
    return {"name": name, "points": 1.0 if passed else 0.0, "max_points": 1.0, "passed": passed, "message": message}


def _submission(user, item, rounds: list[list[dict]], error: str | None = None) -> None:
    """A submission graded `len(rounds)` times (a regrade starts a new round), as the worker stores grades."""
    release = assignments.current_release(item.id)
    sub = Submission(
        item_id=item.id,
        user_id=user.id,
        sha256=hashlib.sha256(str(next(_sha)).encode()).hexdigest(),
        content=b"{}",
        size=2,
        state="graded" if rounds else "queued",
        run=max(len(rounds), 1),
    )
    db.session.add(sub)
    db.session.flush()
    for run, tests in enumerate(rounds, start=1):
        db.session.add(
            Grade(
                submission_id=sub.id,
                run=run,
                release_id=release.id,
                auto_score=sum(t["points"] for t in tests),
                max_score=2,
                tests=tests,
                manual_cells=[],
                error=error,
                feedback_html="",
            )
        )
    db.session.flush()


def _class(course) -> list:
    """Ten learners answering the quiz as QUIZ says, four of them sitting the exam, lessons read by
    fewer and fewer, five submissions of the assignment; plus two enrolled who did nothing."""
    quiz = _item(course, "check")
    questions = quiz.data["questions"]
    learners = [make_user() for _ in QUIZ]
    for user in [*learners, make_user(), make_user()]:
        learning.enroll(user.id, course)
    for user, verdicts in zip(learners, QUIZ, strict=True):
        if user is learners[9]:  # a worse first attempt: keep best counts the second
            learning.submit_quiz(user.id, quiz, _answers(questions, "000000"))
        learning.submit_quiz(user.id, quiz, _answers(questions, verdicts))
        if user is learners[0]:  # a worse later attempt does not count
            learning.submit_quiz(user.id, quiz, _answers(questions, "000000"))
    for n, slug in ((9, "01-step"), (6, "02-step"), (3, "03-step")):
        for user in learners[:n]:
            learning.complete_lesson(user.id, _item(course, slug))
    learning.record_event(
        learners[0].id, course.id, LearningEventKind.LESSON_COMPLETED, item_id=_item(course, "01-step").id
    )  # a repeated event counts the learner once

    _sit_exam(learners[0], course, "000")  # best: the second attempt, all right
    _sit_exam(learners[0], course, "111")
    _sit_exam(learners[1], course, "110")  # best: the first (the latest is all wrong)
    _sit_exam(learners[1], course, "000")
    _sit_exam(learners[2], course, "100")
    _sit_exam(learners[4], course, "000")
    long_ago = utcnow() - timedelta(hours=2)  # ran out of time: no answers, left out
    exams.start(learners[3].id, course, now=long_ago)
    exams.status(learners[3].id, course)

    add = _item(course, "add")
    _submission(learners[0], add, [[_test("small", True), _test("big", False, "AssertionError: expected 5, got 3")]])
    _submission(
        learners[1],
        add,
        [
            [_test("small", True), _test("big", False, "AssertionError: an old round, regraded since")],
            [_test("small", False, "----> 2 return a + c\nNameError: name 'c' is not defined"), _test("big", True)],
        ],
    )
    _submission(
        learners[2], add, [[_test("small", True), _test("big", False, "AssertionError: expected 7, got 4\n  detail")]]
    )
    _submission(learners[3], add, [[]], error="The kernel died")
    _submission(learners[4], add, [])  # still queued: no grade yet
    db.session.commit()
    return learners


def test_shares_discrimination_reach_and_failures_computed_by_hand(course):
    _class(course)

    with counted_queries() as queries:
        report = course_analytics(course)

    quiz, exam = report.assessments
    assert quiz.title == "Check" and quiz.learners == 10
    by_id = {q.id: q for q in quiz.questions}
    expected = {  # correct, upper group share, lower group share (L0-L2 upper, L7-L9 lower)
        "q1": (7, 1, 1 / 3),
        "q2": (5, 1, 0),
        "q3": (3, 0, 2 / 3),
        "q4": (2, 2 / 3, 0),
        "q5": (5, 1, 0),
        "q6": (10, 1, 1),
    }
    for qid, (correct, upper, lower) in expected.items():
        q = by_id[qid]
        assert (q.answered, q.correct) == (10, correct), qid
        assert q.upper == pytest.approx(upper) and q.lower == pytest.approx(lower), qid
        assert q.discrimination == pytest.approx(upper - lower), qid
    assert by_id["q3"].discrimination == pytest.approx(-2 / 3)
    assert {qid: q.flags for qid, q in by_id.items()} == {
        "q1": [],
        "q2": [],
        "q3": [Flag.LOW_DISCRIMINATION],  # weaker learners do better
        "q4": [Flag.VERY_HARD],  # 20 %
        "q5": [],
        "q6": [Flag.VERY_EASY, Flag.LOW_DISCRIMINATION],  # everyone: D = 0
    }
    assert by_id["q1"].label == "Question q1?"

    # Exam: best submitted attempt per learner; four learners: counts, no discrimination
    assert exam.item is None and exam.title == "Final exam" and exam.learners == 4
    assert [(q.id, q.answered, q.correct) for q in exam.questions] == [("e1", 4, 3), ("e2", 4, 2), ("e3", 4, 1)]
    assert all(q.discrimination is None and q.upper is None and q.flags == [] for q in exam.questions)

    assert report.enrolled == 12
    assert [(r.item.slug, r.learners, r.reach, r.lost) for r in report.lessons] == [
        ("01-step", 9, 0.75, 3),
        ("02-step", 6, 0.5, 3),
        ("03-step", 3, 0.25, 3),
    ]
    assert [r.drop for r in report.lessons] == [pytest.approx(0.25), pytest.approx(1 / 3), pytest.approx(0.5)]

    (add,) = report.assignments
    assert (add.graded, add.broken) == (4, 1)
    small, big = add.tests
    assert (small.name, small.graded, small.failed) == ("small", 3, 1)
    assert (small.error_line, small.error_count) == ("NameError: name 'c' is not defined", 1)
    assert (big.name, big.graded, big.failed, big.failure_rate) == ("big", 3, 2, pytest.approx(2 / 3))
    assert (big.error_line, big.error_count) == ("AssertionError: expected #, got #", 2)  # the old round is gone

    # as many statements for 30 learners as for 10
    more = [make_user() for _ in range(20)]
    quiz_item = _item(course, "check")
    for user in more:
        learning.enroll(user.id, course)
        learning.submit_quiz(user.id, quiz_item, _answers(quiz_item.data["questions"], "111000"))
        learning.complete_lesson(user.id, _item(course, "01-step"))
        _sit_exam(user, course, "101")
        _submission(user, _item(course, "add"), [[_test("small", True), _test("big", True)]])
    db.session.commit()
    with counted_queries() as again:
        bigger = course_analytics(course)
    assert bigger.assessments[0].learners == 30 and bigger.assessments[1].learners == 24
    assert len(again) == len(queries) <= 12


def test_error_lines_group_by_their_error():
    assert error_line("AssertionError: expected 5, got 3.5") == "AssertionError: expected #, got #"
    assert error_line("Traceback\n  x1 = f()\nKeyError: 'x1'") == "KeyError: 'x1'"  # names keep their digits
    hidden = "the hidden test failed with ZeroDivisionError"
    assert error_line(hidden) == hidden
    assert error_line("") == error_line(None) == ""


def test_only_the_courses_instructors_admins_and_analysts_read_it(course, client):
    teacher = make_user("instructor", email="teacher@example.com")
    learner, stranger = make_user(), make_user("instructor", email="elsewhere@example.com")
    learning.enroll(learner.id, course)
    quiz = _item(course, "check")
    learning.submit_quiz(learner.id, quiz, _answers(quiz.data["questions"], "111111"))
    _submission(learner, _item(course, "add"), [[_test("=cmd()", False, EVIL)]])
    db.session.commit()

    login(client, learner.email)
    assert client.get(PAGE).status_code == 403 and client.get(PAGE + ".csv").status_code == 403
    client.post("/logout")
    login(client, stranger.email)
    assert client.get(PAGE).status_code == 404 and client.get(PAGE + ".csv").status_code == 404
    client.post("/logout")
    for user in (make_user("analyst"), make_user("admin")):
        login(client, user.email)
        assert client.get(PAGE).status_code == 200 and client.get(PAGE + ".csv").status_code == 200
        client.post("/logout")
    login(client, teacher.email)
    assert client.get("/teach/courses/no-such-course/analytics").status_code == 404
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Discrimination" in page.text and "Check" in page.text and "Final exam" in page.text
    assert "Is &lt;b&gt; a tag?" in page.text  # the prompt as text, escaped
    assert 'class="chart"' in page.text  # the lesson reach bars
    assert f'href="{PAGE}.csv"' in page.text
    sheet = client.get(PAGE + ".csv")
    assert sheet.mimetype == "text/csv" and "attachment" in sheet.headers["Content-Disposition"]
    rows = {(r[0], r[2]): r for r in csv.reader(io.StringIO(sheet.text))}
    assert rows[("quiz question", "Question q1?")][3:6] == ["1", "1", "1.0000"]  # 1 of 1 right, no D
    assert rows[("quiz question", "Question q1?")][8] == ""
    assert rows[("lesson", "Step 1")][3:6] == ["1", "0", "0.0000"]
    # a test name and an error line (which may quote a learner's output) never run as formulas
    assert rows[("test", "'=cmd()")][11:13] == ["'" + EVIL, "1"]
    assert f'href="{PAGE}"' in client.get("/teach/").text
    assert f'href="{PAGE}"' in client.get("/teach/courses/item-analysis/grades").text
