"""Maintain reports' read model (ReportProgress) from the learning-event log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from sqlalchemy import (
    Date,
    Select,
    and_,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    update,
)

from lms.catalog.models import Course, Item
from lms.certification import rules
from lms.certification.models import ExamAttempt
from lms.db import utcnow
from lms.extensions import db
from lms.learning import counting
from lms.learning.models import PROGRESS_KINDS, LearningEvent, LearningEventKind
from lms.learning.services import STARTED_KINDS, live_items
from lms.reports.models import ReportActivity, ReportProgress

_PROGRESS = sorted(PROGRESS_KINDS)  # a list, so the cached statements' SQL is the same in every process


def _percent(score, max_score):
    return case((max_score > 0, score * 100.0 / max_score))


def _aggregate(*where) -> Select:
    """Per (learner, course): live lessons read, last activity, best exam %, whether started, from
    progress events only (community events are not progress: a question asked today is no "last
    activity", and a course's instructor answering in it gets no row). Graded items' figures depend
    on each item's rule and come from `_graded_figures`; `exam_pending` from certification's rules
    (`_exam_pending`)."""
    live = live_items().with_only_columns(Item.id)
    lesson_read = case(
        (
            and_(LearningEvent.kind == LearningEventKind.LESSON_COMPLETED, LearningEvent.item_id.in_(live)),
            LearningEvent.item_id,
        )
    )
    exam = case(
        (LearningEvent.kind == LearningEventKind.EXAM_SUBMITTED, _percent(LearningEvent.score, LearningEvent.max_score))
    )
    return (
        select(
            LearningEvent.user_id,
            LearningEvent.course_id,
            func.count(func.distinct(lesson_read)).label("done"),
            func.max(LearningEvent.occurred_at).label("last"),
            func.max(exam).label("exam"),
            cast(null(), ReportProgress.assignment_best.type).label("best"),
            literal_column("0").label("graded"),
            (func.count(case((LearningEvent.kind.in_(STARTED_KINDS), 1))) > 0).label("started"),
            false().label("exam_pending"),
        )
        .where(LearningEvent.kind.in_(_PROGRESS), *where)
        .group_by(LearningEvent.user_id, LearningEvent.course_id)
    )


_COLUMNS = (
    "user_id",
    "course_id",
    "done",
    "last_activity_at",
    "exam_best",
    "assignment_best",
    "assignments_graded",
    "started",
    "exam_pending",
)


@dataclass(frozen=True)
class GradedFigures:
    """One learner's graded items in one course, by the attempt that counts."""

    passed: int  # live quizzes and assignments at or above their pass mark
    assignment_mean: float | None  # mean of the counting assignment scores, %
    assignments: int  # assignments with a counting attempt


def _graded_figures(course_id: int, user_ids: list[int] | None = None) -> dict[int, GradedFigures]:
    """Learner id -> their graded figures in a course (two queries for the whole course)."""
    kinds = dict(
        db.session.execute(live_items().with_only_columns(Item.id, Item.kind).where(Item.course_id == course_id)).all()
    )
    passed: dict[int, int] = defaultdict(int)
    percents: dict[int, list[float]] = defaultdict(list)
    for (user_id, item_id), counted in counting.course_counting_attempts(course_id, user_ids).items():
        if item_id in kinds and counted.passed:
            passed[user_id] += 1
        if kinds.get(item_id) == "assignment":
            percents[user_id].append(counted.percent)
    return {
        uid: GradedFigures(
            passed[uid], sum(percents[uid]) / len(percents[uid]) if percents[uid] else None, len(percents[uid])
        )
        for uid in set(passed) | set(percents)
    }


@cache
def _refresh_statement() -> Select:
    """Built once: it runs on every recorded learning event."""
    return _aggregate(LearningEvent.user_id == bindparam("user_id"), LearningEvent.course_id == bindparam("course_id"))


def refresh_progress(user_id: int, course_id: int) -> ReportProgress:
    """Recompute one learner's row in one course (a few indexed reads); flushes."""
    row = db.session.execute(_refresh_statement(), {"user_id": user_id, "course_id": course_id}).first()
    values = dict(zip(_COLUMNS, row, strict=True)) if row else {"done": 0, "assignments_graded": 0, "started": False}
    values["started"] = bool(values["started"])
    values["exam_pending"] = course_id in rules.courses_needing_exam([course_id]) and not rules.exam_passed(
        user_id, course_id
    )
    graded = _graded_figures(course_id, [user_id]).get(user_id)
    if graded is not None:
        values["done"] = (values.get("done") or 0) + graded.passed
        values["assignment_best"], values["assignments_graded"] = graded.assignment_mean, graded.assignments
    progress = db.session.get(ReportProgress, (user_id, course_id))
    if progress is None:
        progress = ReportProgress(user_id=user_id, course_id=course_id)
        db.session.add(progress)
    for key in _COLUMNS[2:]:
        setattr(progress, key, values.get(key))
    progress.refreshed_at = utcnow()
    db.session.flush()
    return progress


def rebuild_progress() -> int:
    """Rebuild the whole read model from the log: one INSERT ... SELECT for lessons, activity and
    exams, then each course's graded items by the attempt that counts; returns its rows."""
    db.session.execute(delete(ReportProgress))
    stmt = _aggregate().add_columns(literal(utcnow(), ReportProgress.refreshed_at.type))
    db.session.execute(insert(ReportProgress).from_select([*_COLUMNS, "refreshed_at"], stmt))
    table = ReportProgress.__table__
    for course_id in db.session.scalars(select(Course.id)):
        figures = _graded_figures(course_id)
        if figures:
            db.session.execute(
                update(table)
                .where(table.c.user_id == bindparam("uid"), table.c.course_id == course_id)
                .values(
                    done=table.c.done + bindparam("passed"),
                    assignment_best=bindparam("mean"),
                    assignments_graded=bindparam("graded"),
                ),
                [
                    {"uid": u, "passed": f.passed, "mean": f.assignment_mean, "graded": f.assignments}
                    for u, f in figures.items()
                ],
            )
    _exam_pending()
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(ReportProgress)) or 0


def _exam_pending() -> None:
    """Mark, in one UPDATE, the rows of courses whose certificate needs the exam where no attempt passed."""
    courses = list(rules.courses_needing_exam())
    if not courses:
        return
    table = ReportProgress.__table__
    passed = (
        select(ExamAttempt.id)
        .where(
            ExamAttempt.user_id == table.c.user_id,
            ExamAttempt.course_id == table.c.course_id,
            ExamAttempt.passed.is_(True),
        )
        .exists()
    )
    db.session.execute(update(table).where(table.c.course_id.in_(courses)).values(exam_pending=~passed))


def week_start(when: datetime) -> date:
    """The Monday (UTC) of the week this moment falls in."""
    day = when.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def note_activity(user_id: int, when: datetime) -> None:
    """Record that the learner was active in the week of `when` (once per week); flushes."""
    key = (user_id, week_start(when))
    if db.session.get(ReportActivity, key) is None:
        db.session.add(ReportActivity(user_id=key[0], week_start=key[1]))
        db.session.flush()


def _week_of(column):
    """SQL for the Monday (UTC) of a timestamp column, per dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", column)), Date)
    return func.date(column, "-6 days", "weekday 1")  # SQLite: stored as UTC text


def rebuild_activity() -> int:
    """Rebuild the weekly-activity read model from the log in one INSERT ... SELECT DISTINCT: weeks
    with progress events, as receivers.on_learning_event notes them (community posts are not learning)."""
    db.session.execute(delete(ReportActivity))
    week = _week_of(LearningEvent.occurred_at)
    stmt = select(LearningEvent.user_id, week).where(LearningEvent.kind.in_(_PROGRESS)).distinct()
    db.session.execute(insert(ReportActivity).from_select(["user_id", "week_start"], stmt))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(ReportActivity)) or 0
