"""Enrolling, completing lessons, scoring quizzes, and progress derived from the event log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import BindParameter, Label, Select, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from lms.catalog import services as catalog
from lms.catalog.models import Course, Item, Module
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.learning import counting
from lms.learning.models import PROGRESS_KINDS, Enrollment, LearningEvent, LearningEventKind, QuizAttempt
from lms.signals import learning_event_recorded

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PROGRESS = sorted(PROGRESS_KINDS)  # a list, so the cached statements' SQL is the same in every process


class LearningError(UserError):
    """A learner action that cannot be accepted; the message is for people."""


class CourseStatus(StrEnum):
    """Where a learner stands in a course, as its label says on every page that shows one."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    EXAM_REMAINING = "exam_remaining"  # every step passed, the course's exam not yet
    COMPLETED = "completed"


# Activity that means the learner has begun, passed or not (enrolling alone is not starting).
STARTED_KINDS = (
    LearningEventKind.LESSON_COMPLETED,
    LearningEventKind.QUIZ_SUBMITTED,
    LearningEventKind.ASSIGNMENT_GRADED,
    LearningEventKind.EXAM_SUBMITTED,
)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    last_activity: datetime | None = None
    started: bool = False  # any lesson read or attempt scored, even one below the pass mark
    exam_remaining: bool = False  # the course's exam, which the learner has not passed, is still needed

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def steps_done(self) -> bool:
        """Every live step passed (lessons read), whatever the exam."""
        return bool(self.total) and self.done >= self.total

    @property
    def status(self) -> CourseStatus:
        """The one place that decides the label: "Completed" only when nothing remains, the exam included;
        "In progress" from the first lesson read or attempt, even at 0 % passed."""
        if self.steps_done:
            return CourseStatus.EXAM_REMAINING if self.exam_remaining else CourseStatus.COMPLETED
        return CourseStatus.IN_PROGRESS if self.done or self.started else CourseStatus.NOT_STARTED


ExamsRemaining = Callable[[int, list[int]], set[int]]


def register_exams_remaining(app: Flask, check: ExamsRemaining) -> None:
    """Let the domain that owns exams say which courses still need one from a learner:
    `check(user_id, course_ids)` returns those course ids (learning cannot import that domain)."""
    app.extensions["exams_remaining"] = check


def _exams_remaining(user_id: int, course_ids: list[int]) -> set[int]:
    """Which of these courses (every step passed) still need their exam; none when no domain says."""
    check: ExamsRemaining | None = current_app.extensions.get("exams_remaining")
    return check(user_id, course_ids) if check and course_ids else set()


def _progress(user_id: int, rows: Sequence[Any]) -> dict[int, Progress]:
    """Progress per course from `_progress_columns` rows: graded items passed counted here, and the exam
    asked about only where every step is passed (most rows, none)."""
    passed = counting.passed_graded_items(user_id, [r.id for r in rows])
    steps = {r.id: (r.lessons + len(passed[r.id]), r.total) for r in rows}
    pending = _exams_remaining(user_id, [cid for cid, (done, total) in steps.items() if total and done >= total])
    return {r.id: Progress(steps[r.id][0], r.total, r.last, bool(r.started), r.id in pending) for r in rows}


def record_event(
    user_id: int, course_id: int, kind: LearningEventKind, *, item_id: int | None = None, **fields: Any
) -> LearningEvent:
    """Append one event to the log (the only way progress changes)."""
    event = LearningEvent(user_id=user_id, course_id=course_id, kind=kind, item_id=item_id, **fields)
    db.session.add(event)
    db.session.flush()
    learning_event_recorded.send(event)
    return event


def get_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    """The learner's enrollment in a course, if any."""
    return db.session.scalar(select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id))


def enroll(user_id: int, course: Course) -> Enrollment:
    """Enroll once; enrolling again returns the existing enrollment (back in, if they had left)."""
    existing = get_enrollment(user_id, course.id)
    if existing:
        existing.left_at = None
        return existing
    enrollment = Enrollment(user_id=user_id, course_id=course.id)
    try:
        with db.session.begin_nested():
            db.session.add(enrollment)
    except IntegrityError:  # a double click raced us
        winner = get_enrollment(user_id, course.id)
        assert winner is not None  # the unique (user, course) row that refused ours
        return winner
    record_event(user_id, course.id, LearningEventKind.ENROLLED)
    return enrollment


def leave(user_id: int, course: Course) -> Enrollment | None:
    """The learner leaves the course: their work and its record stay; the course's community they
    still read but no longer write in. Enrolling again brings them back. None if never enrolled."""
    enrollment = get_enrollment(user_id, course.id)
    if enrollment is not None and enrollment.left_at is None:
        enrollment.left_at = utcnow()
        db.session.flush()
    return enrollment


def complete_lesson(user_id: int, item: Item) -> bool:
    """Mark a lesson done; returns False if it already was (no duplicate event)."""
    if item.kind != "lesson":
        raise LearningError(_l("Only lessons are marked complete by hand."))
    if completed_item_ids(user_id, item.course_id) & {item.id}:
        return False
    record_event(user_id, item.course_id, LearningEventKind.LESSON_COMPLETED, item_id=item.id)
    return True


def score_quiz(item: Item, answers: dict[str, list[int]]) -> tuple[float, float, dict[str, bool]]:
    """Score answers {question id: chosen option indexes}: all-or-nothing per question."""
    score = max_score = 0.0
    verdicts: dict[str, bool] = {}
    for question in item.data["questions"]:
        max_score += question["points"]
        chosen = sorted(set(answers.get(question["id"], [])))
        verdicts[question["id"]] = chosen == sorted(question["correct"])
        score += question["points"] if verdicts[question["id"]] else 0
    return score, max_score, verdicts


def submit_quiz(user_id: int, item: Item, answers: dict[str, list[int]]) -> QuizAttempt:
    """Store an attempt and its event; every question must be answered."""
    questions = item.data["questions"]
    unanswered = [q["id"] for q in questions if not answers.get(q["id"])]
    if unanswered:
        raise LearningError(_l("Answer every question before submitting."))
    for q in questions:
        if any(not 0 <= i < len(q["options"]) for i in answers[q["id"]]) or (
            q["type"] == "single" and len(answers[q["id"]]) != 1
        ):
            raise LearningError(_l("One of the answers is not an option of its question."))
    clean = {q["id"]: sorted(set(answers[q["id"]])) for q in questions}
    score, max_score, _ = score_quiz(item, clean)
    attempt = QuizAttempt(user_id=user_id, item_id=item.id, answers=clean, score=score, max_score=max_score)
    db.session.add(attempt)
    db.session.flush()
    record_event(
        user_id,
        item.course_id,
        LearningEventKind.QUIZ_SUBMITTED,
        item_id=item.id,
        score=score,
        max_score=max_score,
        data={"attempt_id": attempt.id},
    )
    return attempt


def latest_attempt(user_id: int, item_id: int) -> QuizAttempt | None:
    """The learner's most recent attempt at a quiz."""
    return db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.item_id == item_id)
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )


def live_items() -> Select[int, int]:
    """Items that learners see: neither the item nor its module is archived."""
    return (
        select(Item.id, Item.course_id)
        .join(Module, Module.id == Item.module_id)
        .where(Item.archived_at.is_(None), Module.archived_at.is_(None))
    )


def completed_item_ids(user_id: int, course_id: int) -> set[int]:
    """Live items of a course this learner has done: lessons read, graded items passed (the ticks)."""
    return counting.passed_item_ids(user_id, [course_id])[course_id]


def item_totals(course_ids: Iterable[int]) -> dict[int, int]:
    """Number of live items per course."""
    live = live_items().where(Item.course_id.in_(list(course_ids))).subquery()
    rows = db.session.execute(select(live.c.course_id, func.count()).group_by(live.c.course_id))
    return dict(rows.all())


@cache
def _progress_columns() -> tuple[Label[int], Label[int], Label[datetime], Label[bool]]:
    """Correlated subqueries giving, per course row, live items, live lessons read, last activity and
    whether the learner has started (graded items done come from `counting.passed_graded_items`:
    passing depends on each item's rule).

    Built once with a `user_id` bind parameter: composing these clauses per request cost more
    than running them.
    """
    user_id: BindParameter[int] = bindparam("user_id")
    live_item = and_(Item.course_id == Course.id, Item.archived_at.is_(None), Module.archived_at.is_(None))
    total = select(func.count()).select_from(Item).join(Module, Module.id == Item.module_id).where(live_item)
    lessons = (
        select(func.count(func.distinct(LearningEvent.item_id)))
        .select_from(LearningEvent)
        .join(Item, Item.id == LearningEvent.item_id)
        .join(Module, Module.id == Item.module_id)
        .where(
            LearningEvent.user_id == user_id,
            LearningEvent.course_id == Course.id,
            LearningEvent.kind == LearningEventKind.LESSON_COMPLETED,
            live_item,
        )
    )
    last = select(func.max(LearningEvent.occurred_at)).where(  # progress only: a community post is no study
        LearningEvent.user_id == user_id, LearningEvent.course_id == Course.id, LearningEvent.kind.in_(_PROGRESS)
    )
    started = (
        select(LearningEvent.id)
        .where(
            LearningEvent.user_id == user_id,
            LearningEvent.course_id == Course.id,
            LearningEvent.kind.in_(STARTED_KINDS),
        )
        .correlate(Course)
        .exists()
    )
    return (
        total.correlate(Course).scalar_subquery().label("total"),
        lessons.correlate(Course).scalar_subquery().label("lessons"),
        last.correlate(Course).scalar_subquery().label("last"),
        started.label("started"),
    )


@cache
def _progress_statement() -> Select[*tuple[Any, ...]]:
    return select(Course.id, *_progress_columns()).where(Course.id.in_(bindparam("course_ids", expanding=True)))


@cache
def _dashboard_statement() -> Select[*tuple[Any, ...]]:
    return (
        select(Course.id, Course.slug, Course.title, Course.tier, *_progress_columns())
        .join(Enrollment, Enrollment.course_id == Course.id)
        .where(Enrollment.user_id == bindparam("user_id"), Course.archived_at.is_(None))
    )


def progress_for(user_id: int, course_ids: Iterable[int]) -> dict[int, Progress]:
    """Progress per course for one learner: live items completed over live items (one query)."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    rows = db.session.execute(_progress_statement(), {"user_id": user_id, "course_ids": course_ids}).all()
    return _progress(user_id, rows)


@dataclass(frozen=True)
class DashboardRow:
    slug: str
    title: str
    tier: str
    progress: Progress


def dashboard(user_id: int) -> list[DashboardRow]:
    """The learner's courses with progress, unfinished and most recently active first (one query)."""
    rows = db.session.execute(_dashboard_statement(), {"user_id": user_id}).all()
    progress = _progress(user_id, rows)
    result = [DashboardRow(r.slug, r.title, r.tier, progress[r.id]) for r in rows]
    result.sort(key=lambda r: (r.progress.status == "completed", -(r.progress.last_activity or _EPOCH).timestamp()))
    return result


def completed_course_ids(user_id: int, course_ids: Iterable[int]) -> set[int]:
    """Which of these courses the learner has passed every step of (prerequisites: the exam is not asked)."""
    return {cid for cid, p in progress_for(user_id, course_ids).items() if p.steps_done}


def next_item(course: Course, syllabus: list[tuple[Module, list[Item]]], done: set[int]) -> Item | None:
    """The first item of the syllabus not yet completed."""
    for _module, items in syllabus:
        for item in items:
            if item.id not in done:
                return item
    return None


def item_after(syllabus: list[tuple[Module, list[Item]]], current: Item) -> Item | None:
    """The item that follows `current` in the syllabus, across modules."""
    flat = [i for _m, items in syllabus for i in items]
    index = next((n for n, i in enumerate(flat) if i.id == current.id), -1)
    return flat[index + 1] if 0 <= index < len(flat) - 1 else None


@dataclass(frozen=True)
class Outline:
    """An item's place in its course: the reader's side column and its "Next" link, on every item page."""

    syllabus: list[tuple[Module, list[Item]]]
    done: set[int]
    next_up: Item | None


def outline(user_id: int, course: Course, item: Item) -> Outline:
    """The outline around `item` for this learner; pages of other domains' items show it too."""
    syllabus = catalog.syllabus(course)
    return Outline(syllabus, completed_item_ids(user_id, course.id), item_after(syllabus, item))


def enrolled_course_ids(user_id: int) -> list[int]:
    """Ids of the courses the learner is enrolled in."""
    return list(db.session.scalars(select(Enrollment.course_id).where(Enrollment.user_id == user_id)))
