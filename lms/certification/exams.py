"""Timed certification exams: a random draw per attempt, server-side deadline, attempts and cool-down."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certification.models import ExamAttempt
from lms.certification.rules import certification_of
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import LearningEventKind
from lms.localtime import Moment

GRACE = timedelta(seconds=5)  # network latency between the browser's deadline and ours
_draw = random.SystemRandom()


class ExamError(UserError):
    """An exam action that cannot be accepted; the message is for people."""


@dataclass(frozen=True)
class ExamStatus:
    """Where a learner stands with a course exam."""

    exam: dict[str, Any]
    attempts: list[ExamAttempt]
    open_attempt: ExamAttempt | None
    passed: bool
    attempts_left: int
    next_start_at: datetime | None  # cool-down end, when it has not passed yet

    @property
    def can_start(self) -> bool:
        return not self.passed and self.open_attempt is None and self.attempts_left > 0 and self.next_start_at is None


def exam_of(course: Course) -> dict[str, Any] | None:
    """The course exam (settings and bank) from course files, or None."""
    stored = certification_of(course)
    return stored.exam if stored else None


def _attempts(user_id: int, course_id: int) -> list[ExamAttempt]:
    stmt = select(ExamAttempt).where(ExamAttempt.user_id == user_id, ExamAttempt.course_id == course_id)
    return list(db.session.scalars(stmt.order_by(ExamAttempt.id)))


def _expire(attempt: ExamAttempt, now: datetime) -> None:
    """Close an attempt whose time ran out: no answers kept, it counts as a failed attempt."""
    attempt.status, attempt.submitted_at, attempt.passed = "expired", now, False
    attempt.score, attempt.max_score = 0.0, _max_score(exam_of(attempt.course) or {"bank": []}, attempt)
    db.session.flush()
    learning.record_event(
        attempt.user_id,
        attempt.course_id,
        LearningEventKind.EXAM_SUBMITTED,
        score=0.0,
        max_score=attempt.max_score,
        data={"attempt_id": attempt.id, "passed": False, "expired": True},
    )


def status(user_id: int, course: Course, now: datetime | None = None) -> ExamStatus | None:
    """The learner's attempts, open attempt, attempts left and cool-down (expiring overdue attempts)."""
    exam = exam_of(course)
    if exam is None:
        return None
    now = now or utcnow()
    attempts = _attempts(user_id, course.id)
    for attempt in attempts:
        if attempt.status == "open" and now > attempt.deadline_at + GRACE:
            _expire(attempt, now)
    open_attempt = next((a for a in attempts if a.status == "open"), None)
    closed = [a for a in attempts if a.status != "open"]
    next_start = None
    if closed and exam["cooldown_hours"]:
        cooldown_end = max(a.submitted_at for a in closed) + timedelta(hours=exam["cooldown_hours"])
        next_start = cooldown_end if cooldown_end > now else None
    left = max(0, exam["attempts"] - len(attempts))
    return ExamStatus(exam, attempts, open_attempt, any(a.passed for a in attempts), left, next_start)


def start(user_id: int, course: Course, now: datetime | None = None) -> ExamAttempt:
    """Start an attempt (or return the open one): draw N questions at random, set the deadline."""
    now = now or utcnow()
    if learning.get_enrollment(user_id, course.id) is None:
        raise ExamError(_l("Enroll in the course to take its exam."))
    state = status(user_id, course, now)
    if state is None:
        raise ExamError(_l("This course has no exam."))
    if state.open_attempt is not None:
        return state.open_attempt
    if state.passed:
        raise ExamError(_l("You have already passed this exam."))
    if state.attempts_left == 0:
        raise ExamError(_l("You have used all %(n)s attempts at this exam.", n=state.exam["attempts"]))
    if state.next_start_at is not None:
        raise ExamError(
            _l(
                "You can try again after the cool-down, from %(when)s.",
                when=Moment(state.next_start_at),
            )
        )
    exam = state.exam
    drawn = _draw.sample([q["id"] for q in exam["bank"]], exam["questions"])
    attempt = ExamAttempt(
        user_id=user_id,
        course_id=course.id,
        question_ids=drawn,
        started_at=now,
        deadline_at=now + timedelta(minutes=exam["time_limit_minutes"]),
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def visible_attempt(user: User, attempt_id: int) -> ExamAttempt | None:
    """An attempt of this learner (None for anyone else's)."""
    attempt = db.session.get(ExamAttempt, attempt_id)
    return attempt if attempt is not None and attempt.user_id == user.id else None


def questions_of(attempt: ExamAttempt, *, reveal: bool = False) -> list[dict[str, Any]]:
    """The drawn questions in order; before submission without correct answers or explanations."""
    bank = {q["id"]: q for q in (exam_of(attempt.course) or {"bank": []})["bank"]}
    hidden = () if reveal else ("correct", "explanation_html")
    return [{k: v for k, v in bank[qid].items() if k not in hidden} for qid in attempt.question_ids if qid in bank]


def _max_score(exam: dict[str, Any], attempt: ExamAttempt) -> float:
    points = {q["id"]: q["points"] for q in exam["bank"]}
    return float(sum(points.get(qid, 0) for qid in attempt.question_ids))


def submit(attempt: ExamAttempt, answers: dict[str, list[int]], now: datetime | None = None) -> ExamAttempt:
    """Score an attempt within its time; after the deadline the answers are refused (ExamError)."""
    now = now or utcnow()
    if attempt.status != "open":
        raise ExamError(_l("This attempt is already closed."))
    if now > attempt.deadline_at + GRACE:
        _expire(attempt, now)
        raise ExamError(_l("Time was up before you submitted: the answers were refused and the attempt counts."))
    exam = exam_of(attempt.course)
    questions = questions_of(attempt, reveal=True)
    clean: dict[str, list[int]] = {}
    for q in questions:
        chosen = sorted(set(answers.get(q["id"], [])))
        if any(not 0 <= i < len(q["options"]) for i in chosen) or (q["type"] == "single" and len(chosen) > 1):
            raise ExamError(_l("One of the answers is not an option of its question."))
        clean[q["id"]] = chosen
    score = sum(q["points"] for q in questions if clean[q["id"]] == sorted(q["correct"]))
    attempt.answers, attempt.submitted_at, attempt.status = clean, now, "submitted"
    attempt.score, attempt.max_score = float(score), _max_score(exam, attempt)
    attempt.passed = bool(attempt.max_score) and 100 * attempt.score / attempt.max_score >= exam["pass_mark"]
    db.session.flush()
    learning.record_event(
        attempt.user_id,
        attempt.course_id,
        LearningEventKind.EXAM_SUBMITTED,
        score=attempt.score,
        max_score=attempt.max_score,
        data={"attempt_id": attempt.id, "passed": attempt.passed},
    )
    return attempt


def verdicts(attempt: ExamAttempt) -> dict[str, bool]:
    """Which drawn questions a submitted attempt got right (the options themselves stay hidden)."""
    if attempt.status != "submitted" or attempt.answers is None:
        return {}
    return {q["id"]: attempt.answers.get(q["id"]) == sorted(q["correct"]) for q in questions_of(attempt, reveal=True)}
