"""Maintain reports' read model (ReportProgress) from the learning-event log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

from sqlalchemy import Date, Select, and_, bindparam, case, cast, delete, func, insert, literal, select

from lms.catalog.models import Item
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import COMPLETION_KINDS, LearningEvent, LearningEventKind
from lms.learning.services import live_items
from lms.reports.models import ReportActivity, ReportProgress


def _percent(score, max_score):
    return case((max_score > 0, score * 100.0 / max_score))


def _aggregate(*where) -> Select:
    """Per (learner, course): live items done, last activity, best exam %, mean of best assignment %."""
    live = live_items().with_only_columns(Item.id)
    done_item = case(
        (and_(LearningEvent.kind.in_(COMPLETION_KINDS), LearningEvent.item_id.in_(live)), LearningEvent.item_id)
    )
    exam = case(
        (LearningEvent.kind == LearningEventKind.EXAM_SUBMITTED, _percent(LearningEvent.score, LearningEvent.max_score))
    )
    events = (
        select(
            LearningEvent.user_id, LearningEvent.course_id,
            func.count(func.distinct(done_item)).label("done"),
            func.max(LearningEvent.occurred_at).label("last"),
            func.max(exam).label("exam"),
        )
        .where(*where)
        .group_by(LearningEvent.user_id, LearningEvent.course_id)
        .subquery()
    )  # fmt: skip
    per_assignment = (
        select(
            LearningEvent.user_id, LearningEvent.course_id,
            func.max(_percent(LearningEvent.score, LearningEvent.max_score)).label("best"),
        )
        .where(*where, LearningEvent.kind == LearningEventKind.ASSIGNMENT_GRADED, LearningEvent.max_score > 0)
        .group_by(LearningEvent.user_id, LearningEvent.course_id, LearningEvent.item_id)
        .subquery()
    )  # fmt: skip
    assignments = (
        select(
            per_assignment.c.user_id, per_assignment.c.course_id,
            func.avg(per_assignment.c.best).label("best"), func.count().label("graded"),
        )
        .group_by(per_assignment.c.user_id, per_assignment.c.course_id)
        .subquery()
    )  # fmt: skip
    return select(
        events.c.user_id, events.c.course_id, events.c.done, events.c.last, events.c.exam,
        assignments.c.best, func.coalesce(assignments.c.graded, 0),
    ).outerjoin(
        assignments, and_(assignments.c.user_id == events.c.user_id, assignments.c.course_id == events.c.course_id)
    )  # fmt: skip


_COLUMNS = ("user_id", "course_id", "done", "last_activity_at", "exam_best", "assignment_best", "assignments_graded")


@cache
def _refresh_statement() -> Select:
    """Built once: it runs on every recorded learning event."""
    return _aggregate(LearningEvent.user_id == bindparam("user_id"), LearningEvent.course_id == bindparam("course_id"))


def refresh_progress(user_id: int, course_id: int) -> ReportProgress:
    """Recompute one learner's row in one course (a few indexed reads); flushes."""
    row = db.session.execute(_refresh_statement(), {"user_id": user_id, "course_id": course_id}).first()
    values = dict(zip(_COLUMNS, row, strict=True)) if row else {"done": 0, "assignments_graded": 0}
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
    """Rebuild the whole read model from the log in one INSERT ... SELECT; returns its rows."""
    db.session.execute(delete(ReportProgress))
    stmt = _aggregate().add_columns(literal(utcnow(), ReportProgress.refreshed_at.type))
    db.session.execute(insert(ReportProgress).from_select([*_COLUMNS, "refreshed_at"], stmt))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(ReportProgress)) or 0


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
    """Rebuild the weekly-activity read model from the log in one INSERT ... SELECT DISTINCT."""
    db.session.execute(delete(ReportActivity))
    week = _week_of(LearningEvent.occurred_at)
    stmt = select(LearningEvent.user_id, week).distinct()
    db.session.execute(insert(ReportActivity).from_select(["user_id", "week_start"], stmt))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(ReportActivity)) or 0
