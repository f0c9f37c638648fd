"""Content analytics page at 10,000 learners: one command (`python bench/content_analytics.py`).

Builds a fresh SQLite instance with the repository's courses, enrolls N learners in one course and
gives them lesson completions, quiz attempts (one to three per quiz, with their events), exam
attempts and graded notebook submissions (bulk inserts, no signals), then times the page in-process
(Flask test client, the course's instructor signed in): the first request and the median of the next
ones (wall and CPU seconds), with the number of SQL statements a request runs, and the load average beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SLUG = "prompt-engineering"
PASSWORD = "bench-password-123"


def _answers(questions: list[dict], skill: float, rng: random.Random) -> dict[str, list[int]]:
    """Right with a chance that grows with the learner's skill, else a wrong option."""
    out = {}
    for q in questions:
        wrong = [i for i in range(len(q["options"])) if i not in q["correct"]] or q["correct"]
        out[q["id"]] = sorted(q["correct"]) if rng.random() < skill else [rng.choice(wrong)]
    return out


def _score(questions: list[dict], answers: dict[str, list[int]]) -> tuple[float, float]:
    got = sum(q["points"] for q in questions if answers.get(q["id"]) == sorted(q["correct"]))
    return float(got), float(sum(q["points"] for q in questions))


def seed(learners: int, seed_value: int) -> dict:
    """Users, enrolments, events, quiz and exam attempts, submissions and grades for one course."""
    from sqlalchemy import insert, select

    from lms.accounts import services as accounts
    from lms.accounts.models import User
    from lms.assignments.models import AssignmentRelease, Grade, Submission
    from lms.catalog import services as catalog
    from lms.catalog.content import load_courses
    from lms.catalog.models import CourseInstructor
    from lms.catalog.sync import sync_courses
    from lms.certification import exams
    from lms.certification.models import ExamAttempt
    from lms.db import utcnow
    from lms.extensions import db
    from lms.learning.models import Enrollment, LearningEvent, QuizAttempt

    rng = random.Random(seed_value)
    result = load_courses(ROOT / "courses")
    sync_courses(result.courses, archive_missing=True)
    course = catalog.get_course(SLUG)
    steps = [i for _m, items in catalog.syllabus(course) for i in items]
    lessons = [i for i in steps if i.kind == "lesson"]
    quizzes = [i for i in steps if i.kind == "quiz"]
    assignment = next(i for i in steps if i.kind == "assignment")
    release_id = db.session.scalar(select(AssignmentRelease.id).where(AssignmentRelease.item_id == assignment.id))
    exam = exams.exam_of(course)
    teacher = accounts.create_user("bench-teacher@example.com", PASSWORD, "Teacher", role="instructor")
    db.session.merge(CourseInstructor(course_id=course.id, email=teacher.email))
    now = utcnow()
    db.session.execute(
        insert(User),
        [{"email": f"l{n}@bench.test", "password_hash": "!", "display_name": f"Learner {n}"} for n in range(learners)],
    )
    ids = list(db.session.scalars(select(User.id).where(User.email.like("%@bench.test"))))
    db.session.execute(insert(Enrollment), [{"user_id": u, "course_id": course.id} for u in ids])
    events, quiz_rows, exam_rows, counts = [], [], [], {"lesson_events": 0, "quiz_attempts": 0, "exam_attempts": 0}
    skill = {u: rng.random() for u in ids}
    for u in ids:
        reach = rng.randint(0, len(lessons))
        for lesson in lessons[:reach]:
            events.append({"user_id": u, "course_id": course.id, "item_id": lesson.id, "kind": "lesson_completed"})
    counts["lesson_events"] = len(events)
    db.session.execute(insert(LearningEvent), events)
    for quiz in quizzes:
        questions = quiz.data["questions"]
        for u in ids:
            for _ in range(rng.randint(1, 3)):
                answers = _answers(questions, skill[u], rng)
                got, out_of = _score(questions, answers)
                quiz_rows.append(
                    {"user_id": u, "item_id": quiz.id, "answers": answers, "score": got, "max_score": out_of}
                )
    db.session.execute(insert(QuizAttempt), quiz_rows)
    counts["quiz_attempts"] = len(quiz_rows)
    attempts = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.item_id, QuizAttempt.score, QuizAttempt.max_score)
    )
    db.session.execute(
        insert(LearningEvent),
        [
            {
                "user_id": u,
                "course_id": course.id,
                "item_id": item_id,
                "kind": "quiz_submitted",
                "score": got,
                "max_score": out_of,
                "data": {"attempt_id": attempt_id},
            }
            for attempt_id, u, item_id, got, out_of in attempts
        ],
    )
    bank = exam["bank"]
    for u in ids:
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 2)):
                drawn = rng.sample(bank, exam["questions"])
                answers = _answers(drawn, skill[u], rng)
                got, out_of = _score(drawn, answers)
                exam_rows.append(
                    {
                        "user_id": u,
                        "course_id": course.id,
                        "question_ids": [q["id"] for q in drawn],
                        "started_at": now,
                        "deadline_at": now,
                        "submitted_at": now,
                        "answers": answers,
                        "score": got,
                        "max_score": out_of,
                        "passed": got / out_of >= 0.75,
                        "status": "submitted",
                    }
                )
    db.session.execute(insert(ExamAttempt), exam_rows)
    counts["exam_attempts"] = len(exam_rows)
    subs = [
        {"item_id": assignment.id, "user_id": u, "sha256": f"{u:064x}", "content": b"{}", "size": 2, "state": "graded"}
        for u in ids
        if rng.random() < 0.7
    ]
    db.session.execute(insert(Submission), subs)
    sub_ids = db.session.scalars(select(Submission.id).where(Submission.item_id == assignment.id)).all()
    messages = ["AssertionError: expected {a}, got {b}", "NameError: name 'client' is not defined", ""]
    grades = []
    for sid in sub_ids:
        tests = []
        for t in range(4):
            passed = rng.random() < 0.5 + 0.1 * t
            msg = "" if passed else rng.choice(messages).format(a=rng.randint(1, 9), b=rng.randint(1, 9))
            tests.append(
                {"name": f"test_{t}", "points": 1.0 * passed, "max_points": 1.0, "passed": passed, "message": msg}
            )
        grades.append(
            {
                "submission_id": sid,
                "run": 1,
                "release_id": release_id,
                "auto_score": sum(t["points"] for t in tests),
                "max_score": 4.0,
                "tests": tests,
                "manual_cells": [],
                "manual": {},
                "feedback_html": "",
            }
        )
    db.session.execute(insert(Grade), grades)
    counts["graded_submissions"] = len(grades)
    db.session.commit()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=7)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()

    from lms import create_app
    from lms.extensions import db
    from tests.factories import counted_queries

    workdir = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
            "INSTANCE_DIR": workdir / "instance",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "COURSES_DIR": ROOT / "courses",
        }
    )
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        counts = seed(args.learners, args.seed)
        counts["seed_s"] = round(time.perf_counter() - started, 1)
    client = app.test_client()
    client.post("/login", data={"email": "bench-teacher@example.com", "password": PASSWORD})
    url = f"/teach/courses/{SLUG}/analytics"
    timings, cpu = [], []
    for _ in range(args.requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200, response.status_code
    with app.app_context(), counted_queries() as queries:
        assert client.get(url).status_code == 200
    print(
        json.dumps(
            {
                "learners": args.learners,
                **counts,
                "first_request_s": round(timings[0], 3),
                "median_next_s": round(statistics.median(timings[1:]), 3),
                "median_next_cpu_s": round(statistics.median(cpu[1:]), 3),
                "statements_per_request": len(queries),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
