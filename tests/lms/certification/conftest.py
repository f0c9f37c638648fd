"""Certification fixtures: two small courses with an exam and a track, and helpers to earn them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.models import Course, Item
from lms.certification import exams
from lms.extensions import db
from lms.learning import services as learning
from tests.factories import load_fixture_courses

COURSES = Path(__file__).resolve().parent / "fixtures" / "courses"


@pytest.fixture
def catalog(app):
    """The certification fixture courses, loaded and committed."""
    return load_fixture_courses(COURSES)


def item(course: Course, slug: str) -> Item:
    return db.session.scalar(select(Item).where(Item.course_id == course.id, Item.slug == slug))


def right_answers(attempt) -> dict[str, list[int]]:
    """The correct options of every question drawn for an attempt."""
    return {q["id"]: q["correct"] for q in exams.questions_of(attempt, reveal=True)}


def graded(user, course: Course, submission_id: int, score: float) -> None:
    """A grade for one round of cert-basics' assignment (out of 5), as the grading receiver logs it."""
    learning.record_event(
        user.id,
        course.id,
        "assignment_graded",
        item_id=item(course, "add").id,
        score=score,
        max_score=5,
        data={"submission_id": submission_id},
    )


def complete_basics(user, course: Course, *, score: float = 4, exam: bool = True) -> None:
    """Do everything cert-basics asks: the lesson, the assignment (score of 5) and the exam."""
    learning.enroll(user.id, course)
    learning.complete_lesson(user.id, item(course, "01-hello"))
    learning.record_event(
        user.id, course.id, "assignment_graded", item_id=item(course, "add").id, score=score, max_score=5
    )
    if exam:
        attempt = exams.start(user.id, course)
        exams.submit(attempt, right_answers(attempt))
