"""What instructors see: their courses with enrolments and completions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor, Item, Module
from lms.extensions import db
from lms.learning import counting
from lms.learning.models import Enrollment, LearningEvent, LearningEventKind
from lms.learning.services import item_totals, live_items


@dataclass(frozen=True)
class CourseStats:
    course: Course
    enrolled: int
    completed: int

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0


def taught_courses(user: User) -> list[Course]:
    """Courses the user teaches (all live courses for admins)."""
    stmt = select(Course).where(Course.archived_at.is_(None)).order_by(Course.title)
    if user.role != "admin":
        stmt = stmt.join(CourseInstructor).where(CourseInstructor.email == user.email)
    return list(db.session.scalars(stmt))


def teaches(user: User, course_id: int) -> bool:
    """Admins, and instructors named in the course file (the rule taught_courses queries)."""
    if user.role == "admin":
        return True
    return user.has_role("instructor") and db.session.get(CourseInstructor, (course_id, user.email)) is not None


def course_stats(courses: list[Course], exam_cleared: dict[int, set[int]] | None = None) -> list[CourseStats]:
    """Enrolments and completions per course: every step passed and, for the courses `exam_cleared` names
    (certification's exam_cleared_by), the exam too, as each learner's status counts it. Without it, steps
    only: who may answer the course-end survey."""
    ids = [c.id for c in courses]
    if not ids:
        return []
    enrolled = dict(
        db.session.execute(
            select(Enrollment.course_id, func.count())
            .where(Enrollment.course_id.in_(ids))
            .group_by(Enrollment.course_id)
        ).all()
    )
    totals = item_totals(ids)
    live = live_items().subquery()
    lessons_read = db.session.execute(
        select(LearningEvent.course_id, LearningEvent.user_id, func.count(func.distinct(LearningEvent.item_id)))
        .join(live, live.c.id == LearningEvent.item_id)
        .where(LearningEvent.course_id.in_(ids), LearningEvent.kind == LearningEventKind.LESSON_COMPLETED)
        .group_by(LearningEvent.course_id, LearningEvent.user_id)
    )
    done: dict[tuple[int, int], int] = {(cid, uid): n for cid, uid, n in lessons_read}
    live_ids = set(db.session.scalars(select(live.c.id)))
    for course_id in ids:  # quizzes and assignments count once passed by the attempt that counts
        for (user_id, item_id), counted in counting.course_counting_attempts(course_id).items():
            if counted.passed and item_id in live_ids:
                done[(course_id, user_id)] = done.get((course_id, user_id), 0) + 1
    exam_cleared = exam_cleared or {}
    completed: dict[int, int] = {}
    for (course_id, user_id), n in done.items():
        if totals.get(course_id) and n >= totals[course_id] and user_id in exam_cleared.get(course_id, {user_id}):
            completed[course_id] = completed.get(course_id, 0) + 1
    return [CourseStats(c, enrolled.get(c.id, 0), completed.get(c.id, 0)) for c in courses]


def assignments_by_course(courses: list[Course]) -> dict[int, list[Item]]:
    """Live assignments of each course, in syllabus order, for the gradebook links."""
    rows = db.session.scalars(
        select(Item)
        .join(Module, Module.id == Item.module_id)
        .where(
            Item.course_id.in_([c.id for c in courses]),
            Item.kind == "assignment",
            Item.archived_at.is_(None),
            Module.archived_at.is_(None),
        )
        .order_by(Module.position, Item.position)
    )
    grouped: dict[int, list[Item]] = {}
    for item in rows:
        grouped.setdefault(item.course_id, []).append(item)
    return grouped
