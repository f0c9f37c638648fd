"""Feedback test helpers: a copy of the fixture courses whose python-basics has a survey, and finishing it."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from lms.catalog.models import Course, Item
from lms.extensions import db
from lms.learning import services as learning
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses

SURVEY = """survey:
  anonymous: {anonymous}
  questions:
    - id: pace
      type: choice
      prompt: How was the pace?
      options: [Too slow, About right, Too fast]
      required: true
    - id: depth
      type: scale
      prompt: How deep did it go?
    - id: wish
      type: text
      prompt: What should we add?
"""


def courses_with_survey(tmp_path: Path, *, anonymous: bool = False) -> Path:
    """Fixture courses, python-basics with a `survey:` key; returns the courses folder."""
    root = tmp_path / "courses"
    shutil.copytree(FIXTURES / "courses", root)
    manifest = root / "python-basics" / "course.yml"
    manifest.write_text(manifest.read_text() + SURVEY.format(anonymous=str(anonymous).lower()))
    load_fixture_courses(root)
    return root


def course(slug: str = "python-basics") -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def complete_course(user_id: int, slug: str = "python-basics") -> None:
    """Enroll and complete every item of the fixture course (through the learning services)."""
    c = course(slug)
    learning.enroll(user_id, c)
    for item in db.session.scalars(select(Item).where(Item.course_id == c.id)):
        if item.kind == "lesson":
            learning.complete_lesson(user_id, item)
        elif item.kind == "quiz":
            learning.submit_quiz(user_id, item, {"print": [0], "types": [0, 1]})
        else:
            learning.record_event(user_id, c.id, "assignment_graded", item_id=item.id, score=1, max_score=1)
    db.session.commit()
