"""The attempt that counts (keep best | last), the pass mark of the item or the course, and what it
makes of ticks and progress: a failed attempt is not done."""

from __future__ import annotations

from lms.extensions import db
from lms.learning import counting, services
from lms.learning.models import LearningEventKind
from tests.factories import item, make_user

FULL = {"print": [0], "types": [0, 1]}  # 3 of 3
TWO_THIRDS = {"print": [1], "types": [0, 1]}  # 2 of 3: 67 %, below the course's 70 %
ONE_THIRD = {"print": [0], "types": [0]}  # 1 of 3


def _set(slug: str, **data) -> None:
    quiz = item(slug)
    quiz.data = {**quiz.data, **data}
    db.session.flush()


def _graded(learner, submission_id: int, score: float, max_score: float = 10, **data) -> None:
    add = item("add")
    services.record_event(
        learner.id,
        add.course_id,
        LearningEventKind.ASSIGNMENT_GRADED,
        item_id=add.id,
        score=score,
        max_score=max_score,
        data={"submission_id": submission_id, "run": 1, **data},
    )


def test_keep_best_counts_the_best_attempt_even_after_a_worse_one(catalog):
    learner = make_user()
    services.enroll(learner.id, catalog["python-basics"])
    first = services.submit_quiz(learner.id, item("basics"), FULL)
    services.submit_quiz(learner.id, item("basics"), ONE_THIRD)
    counted = counting.counting_attempt(learner.id, item("basics"))
    assert (counted.attempt_id, counted.score, counted.attempts, counted.passed) == (first.id, 3, 2, True)
    assert item("basics").id in services.completed_item_ids(learner.id, item("basics").course_id)


def test_keep_last_counts_the_latest_attempt(catalog):
    learner = make_user()
    services.enroll(learner.id, catalog["python-basics"])
    _set("basics", keep="last")
    services.submit_quiz(learner.id, item("basics"), FULL)
    last = services.submit_quiz(learner.id, item("basics"), ONE_THIRD)
    counted = counting.counting_attempt(learner.id, item("basics"))
    assert (counted.attempt_id, counted.score, counted.passed, counted.keep) == (last.id, 1, False, "last")
    assert item("basics").id not in services.completed_item_ids(learner.id, item("basics").course_id)


def test_a_failed_quiz_is_not_done_and_progress_does_not_move(catalog):
    learner = make_user()
    course = catalog["python-basics"]
    services.enroll(learner.id, course)
    services.submit_quiz(learner.id, item("basics"), TWO_THIRDS)
    counted = counting.counting_attempt(learner.id, item("basics"))
    assert (round(counted.percent), counted.pass_mark, counted.passed) == (67, 70, False)
    assert services.progress_for(learner.id, [course.id])[course.id].done == 0
    assert services.dashboard(learner.id)[0].progress.done == 0
    services.submit_quiz(learner.id, item("basics"), FULL)
    assert services.progress_for(learner.id, [course.id])[course.id].done == 1
    assert services.dashboard(learner.id)[0].progress.done == 1


def test_the_items_pass_mark_wins_over_the_courses(catalog):
    learner = make_user()
    course = catalog["python-basics"]
    services.enroll(learner.id, course)
    services.submit_quiz(learner.id, item("basics"), TWO_THIRDS)
    assert not counting.counting_attempt(learner.id, item("basics")).passed  # course: 70 %
    _set("basics", pass_mark=60)
    counted = counting.counting_attempt(learner.id, item("basics"))
    assert (counted.pass_mark, counted.passed) == (60, True)
    assert services.completed_item_ids(learner.id, course.id) == {item("basics").id}


def test_assignment_rounds_replace_their_submissions_score_and_keep_applies(catalog):
    learner = make_user()
    course = catalog["python-basics"]
    services.enroll(learner.id, course)
    _graded(learner, 11, 8)  # submission 11: 80 %
    _graded(learner, 12, 6.2)  # submission 12: 62 %
    counted = counting.counting_attempts(learner.id, course.id)[item("add").id]
    assert (counted.attempt_id, counted.score, counted.attempts, counted.passed) == (11, 8, 2, True)
    _graded(learner, 11, 5)  # a regrade of 11 (a new round) now scores 50 %: 12's 62 % is the best
    counted = counting.counting_attempt(learner.id, item("add"))
    assert (counted.attempt_id, counted.score, counted.passed) == (12, 6.2, False)
    assert item("add").id not in services.completed_item_ids(learner.id, course.id)
    both = counting.course_counting_attempts(course.id)
    assert both[(learner.id, item("add").id)].attempt_id == 12


def test_lessons_are_done_when_read_and_the_exam_counts_its_best(catalog):
    learner = make_user()
    course = catalog["python-basics"]
    services.enroll(learner.id, course)
    services.complete_lesson(learner.id, item("01-hello"))
    assert services.completed_item_ids(learner.id, course.id) == {item("01-hello").id}
    assert counting.counting_exam(learner.id, course.id, 75) is None
    for attempt_id, score in ((1, 9), (2, 4)):
        services.record_event(
            learner.id,
            course.id,
            LearningEventKind.EXAM_SUBMITTED,
            score=score,
            max_score=10,
            data={"attempt_id": attempt_id},
        )
    exam = counting.counting_exam(learner.id, course.id, 75)
    assert (exam.attempt_id, exam.percent, exam.passed, exam.attempts) == (1, 90, True, 2)


def test_rule_of_reads_the_item_then_the_course():
    assert counting.rule_of({"pass_mark": 60, "keep": "last"}, 70) == counting.Rule(60, "last")
    assert counting.rule_of({"pass_mark": None}, 70) == counting.Rule(70, "best")
    assert counting.rule_of(None, 80) == counting.Rule(80, "best")
