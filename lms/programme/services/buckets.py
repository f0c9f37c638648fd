"""The read model's daily buckets: kept current by `record_event` (a receiver of
learning_event_recorded, same transaction, flush only) and rebuilt from the log by `rebuild()`.

A course counts as completed on the day its last live item was first done (lesson read, quiz
submitted, assignment graded), its time to complete runs from the first enrolment. Counters are
written with INSERT ... ON CONFLICT, so two requests starting the same day do not collide."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from lms.catalog.models import Item
from lms.community.services.queue import seconds_between
from lms.developers.models import SegmentMember
from lms.extensions import db
from lms.learning.models import COMPLETION_KINDS, PROGRESS_KINDS, Enrollment, LearningEvent, LearningEventKind
from lms.learning.services import live_items
from lms.programme.models import ProgrammeActivity, ProgrammeCompletion, ProgrammeDaily, ProgrammeSegmentDaily

ACTIVE, ENROLMENTS, COMPLETIONS = "active", "enrolments", "completions"
ACTIVE_7D = "active_7d"  # distinct learners active in the 7 days ending that day
DAILY_METRICS = (ACTIVE, ENROLMENTS, COMPLETIONS, ACTIVE_7D)
WEEK = timedelta(days=7)
_PROGRESS = sorted(PROGRESS_KINDS)
_COMPLETING = sorted(COMPLETION_KINDS)


def day_of(column: Any) -> Any:
    """SQL for the UTC day of a time column: PostgreSQL keeps timestamptz, SQLite UTC text
    ('YYYY-MM-DD HH:MM:SS.ffffff'), whose first ten characters are the day (cheaper than date())."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return type_coerce(func.substr(column, 1, 10), Date)


def utc_day(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


def _insert(table: Any) -> Any:
    """The dialect's INSERT, which has on_conflict_do_*."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _bump(user_id: int, day: date, metric: str) -> None:
    """Add one to the day's platform counter and to the counter of each segment the learner is in."""
    table = ProgrammeDaily.__table__
    stmt = _insert(table).values(day=day, metric=metric, value=1)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["day", "metric"], set_={"value": table.c.value + 1}))
    per_segment = ProgrammeSegmentDaily.__table__
    segments = select(SegmentMember.segment_id, literal(day, Date), literal(metric), literal(1)).where(
        SegmentMember.user_id == user_id
    )
    stmt = _insert(per_segment).from_select(["segment_id", "day", "metric", "value"], segments)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["segment_id", "day", "metric"], set_={"value": per_segment.c.value + 1}
        )
    )


def _completed(where: list[Any]) -> Select:
    """Per (learner, course) with every live item done: the moment the last one was first done,
    and the first enrolment (NULL without one)."""
    live = live_items().with_only_columns(Item.id)
    firsts = (
        select(
            LearningEvent.user_id,
            LearningEvent.course_id,
            func.min(LearningEvent.occurred_at).label("first_at"),
        )
        .where(LearningEvent.kind.in_(_COMPLETING), LearningEvent.item_id.in_(live), *where)
        .group_by(LearningEvent.user_id, LearningEvent.course_id, LearningEvent.item_id)
        .subquery()
    )
    done = (
        select(
            firsts.c.user_id, firsts.c.course_id, func.max(firsts.c.first_at).label("done_at"), func.count().label("n")
        )
        .group_by(firsts.c.user_id, firsts.c.course_id)
        .subquery()
    )
    totals = (
        live_items().with_only_columns(Item.course_id, func.count().label("total")).group_by(Item.course_id).subquery()
    )
    enrolled = (
        select(Enrollment.user_id, Enrollment.course_id, func.min(Enrollment.enrolled_at).label("enrolled_at"))
        .group_by(Enrollment.user_id, Enrollment.course_id)
        .subquery()
    )
    return (
        select(
            done.c.user_id,
            done.c.course_id,
            day_of(enrolled.c.enrolled_at).label("enrolled_on"),
            day_of(done.c.done_at).label("completed_on"),
            cast(func.round(seconds_between(done.c.done_at, enrolled.c.enrolled_at)), Integer).label("seconds"),
        )
        .join(totals, and_(totals.c.course_id == done.c.course_id, totals.c.total == done.c.n))
        .outerjoin(enrolled, and_(enrolled.c.user_id == done.c.user_id, enrolled.c.course_id == done.c.course_id))
    )


def record_event(event: LearningEvent) -> None:
    """Note a progress event in the buckets: the learner's day, an enrolment, a course completed."""
    if event.kind not in PROGRESS_KINDS:
        return
    day = utc_day(event.occurred_at)
    activity = ProgrammeActivity.__table__
    new = _insert(activity).values(user_id=event.user_id, day=day, enrolments=0, completions=0)
    if db.session.execute(new.on_conflict_do_nothing().returning(activity.c.user_id)).first() is not None:
        _bump(event.user_id, day, ACTIVE)
        _note_week(event.user_id, day)
    if event.kind == LearningEventKind.ENROLLED:
        _count(event.user_id, day, ENROLMENTS)
    elif event.kind in COMPLETION_KINDS and event.item_id is not None:
        _note_completion(event.user_id, event.course_id)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _note_week(user_id: int, day: date) -> None:
    """A learner's new active day: the 7-day counts of the days it newly covers, those not already
    covered by their active day before it (up to 6 days earlier) or after it (within 6 days)."""
    a = ProgrammeActivity
    before = db.session.scalar(select(func.max(a.day)).where(a.user_id == user_id, a.day < day))
    after = db.session.scalar(select(func.min(a.day)).where(a.user_id == user_id, a.day > day))
    first = day if before is None else max(day, _as_date(before) + WEEK)
    last = day + WEEK - timedelta(days=1) if after is None else min(day + WEEK, _as_date(after)) - timedelta(days=1)
    while first <= last:
        _bump(user_id, first, ACTIVE_7D)
        first += timedelta(days=1)


def _count(user_id: int, day: date, metric: str) -> None:
    column = ProgrammeActivity.__table__.c[metric]
    db.session.execute(
        update(ProgrammeActivity)
        .where(ProgrammeActivity.user_id == user_id, ProgrammeActivity.day == day)
        .values({column: column + 1})
    )
    _bump(user_id, day, metric)


def _note_completion(user_id: int, course_id: int) -> None:
    """A completion row the first time every live item of the course is done (a few indexed reads)."""
    if db.session.get(ProgrammeCompletion, (user_id, course_id)) is not None:
        return
    where = [LearningEvent.user_id == user_id, LearningEvent.course_id == course_id]
    row = db.session.execute(_completed(where)).first()
    if row is None:
        return
    db.session.add(ProgrammeCompletion(**row._asdict()))
    db.session.flush()
    _count(user_id, row.completed_on, COMPLETIONS)


def rebuild() -> dict[str, int]:
    """Rebuild every bucket from the log and the enrolments: DELETE, then one INSERT ... SELECT per
    table (completions first, since each day's row carries its completions). Returns row counts."""
    for model in (ProgrammeSegmentDaily, ProgrammeDaily, ProgrammeActivity, ProgrammeCompletion):
        db.session.execute(delete(model))
    columns = ["user_id", "course_id", "enrolled_on", "completed_on", "seconds"]
    db.session.execute(insert(ProgrammeCompletion).from_select(columns, _completed([])))
    day = day_of(LearningEvent.occurred_at)
    events = (
        select(
            LearningEvent.user_id.label("user_id"),
            day.label("day"),
            func.sum(case((LearningEvent.kind == LearningEventKind.ENROLLED, 1), else_=0)).label("enrolments"),
        )
        .where(LearningEvent.kind.in_(_PROGRESS))
        .group_by(LearningEvent.user_id, day)
        .subquery()
    )
    done = (
        select(ProgrammeCompletion.user_id, ProgrammeCompletion.completed_on, func.count().label("n"))
        .group_by(ProgrammeCompletion.user_id, ProgrammeCompletion.completed_on)
        .subquery()
    )
    rows = select(events.c.user_id, events.c.day, events.c.enrolments, func.coalesce(done.c.n, 0)).outerjoin(
        done, and_(done.c.user_id == events.c.user_id, done.c.completed_on == events.c.day)
    )
    db.session.execute(insert(ProgrammeActivity).from_select(["user_id", "day", "enrolments", "completions"], rows))
    a = ProgrammeActivity
    for metric, value in (
        (ACTIVE, func.count()),
        (ENROLMENTS, func.sum(a.enrolments)),
        (COMPLETIONS, func.sum(a.completions)),
    ):
        per_day = select(a.day, literal(metric), value).group_by(a.day).having(value > 0)
        db.session.execute(insert(ProgrammeDaily).from_select(["day", "metric", "value"], per_day))
    covered = _covered()
    db.session.execute(
        insert(ProgrammeDaily).from_select(
            ["day", "metric", "value"], select(covered.c.day, literal(ACTIVE_7D), func.count()).group_by(covered.c.day)
        )
    )
    _insert_segment_counters(None)
    db.session.flush()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (ProgrammeActivity, ProgrammeCompletion, ProgrammeDaily, ProgrammeSegmentDaily)
    }


def _insert_segment_counters(segment_id: int | None) -> None:
    """Per segment (or one) and day: its members' active count, enrolments, completions, 7-day actives."""
    a, m = ProgrammeActivity, SegmentMember
    scope = [] if segment_id is None else [m.segment_id == segment_id]
    for metric, value in (
        (ACTIVE, func.count()),
        (ENROLMENTS, func.sum(a.enrolments)),
        (COMPLETIONS, func.sum(a.completions)),
    ):
        per_day = (
            select(m.segment_id, a.day, literal(metric), value)
            .select_from(a)
            .join(m, m.user_id == a.user_id)
            .where(*scope)
            .group_by(m.segment_id, a.day)
            .having(value > 0)
        )
        db.session.execute(insert(ProgrammeSegmentDaily).from_select(["segment_id", "day", "metric", "value"], per_day))
    covered = _covered()
    per_week = (
        select(m.segment_id, covered.c.day, literal(ACTIVE_7D), func.count())
        .select_from(covered)
        .join(m, m.user_id == covered.c.user_id)
        .where(*scope)
        .group_by(m.segment_id, covered.c.day)
    )
    db.session.execute(insert(ProgrammeSegmentDaily).from_select(["segment_id", "day", "metric", "value"], per_week))


def _plus_days(day: Any, days: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return day + days
    return type_coerce(func.date(day, func.printf("+%d days", days)), Date)


def _covered(user_ids: Collection[int] | None = None) -> Any:
    """(user_id, day) for every day a learner's 7-day window holds an active day: each active day
    covers itself and the next 6, from the 7th day after the learner's previous active day on.
    Only these learners' when `user_ids` is given."""
    a = ProgrammeActivity
    scope = [] if user_ids is None else [a.user_id.in_(user_ids)]
    rows = (
        select(a.user_id, a.day, func.lag(a.day).over(partition_by=a.user_id, order_by=a.day).label("before"))
        .where(*scope)
        .subquery()
    )
    offsets = union_all(*(select(literal(k).label("k")) for k in range(7))).subquery()
    day = _plus_days(rows.c.day, offsets.c.k)
    return (
        select(rows.c.user_id, day.label("day"))
        .select_from(rows.join(offsets, literal(True)))
        .where(or_(rows.c.before.is_(None), day >= _plus_days(rows.c.before, 7)))
        .subquery()
    )


SHIFT_LIMIT = 100  # more people joined or left at once: the segment's counters are rebuilt instead


def segment_changed(segment_id: int, user_ids: Collection[int]) -> None:
    """Its membership changed for these people. A few (one saved profile moves its owner): their
    rows are added to or taken from the segment's counters, so a save does not rebuild a segment
    of 50,000 members; many (a recompute): the segment is rebuilt. Flushes."""
    if len(user_ids) > SHIFT_LIMIT:
        rebuild_segment(segment_id)
        return
    members = set(
        db.session.scalars(
            select(SegmentMember.user_id).where(
                SegmentMember.segment_id == segment_id, SegmentMember.user_id.in_(user_ids)
            )
        )
    )
    deltas: dict[tuple[date, str], int] = defaultdict(int)
    a = ProgrammeActivity
    for user_id, day, enrolments, completions in db.session.execute(
        select(a.user_id, a.day, a.enrolments, a.completions).where(a.user_id.in_(user_ids))
    ):
        sign = 1 if user_id in members else -1
        deltas[(day, ACTIVE)] += sign
        deltas[(day, ENROLMENTS)] += sign * enrolments
        deltas[(day, COMPLETIONS)] += sign * completions
    covered = _covered(user_ids)
    for user_id, day in db.session.execute(select(covered.c.user_id, covered.c.day)):
        deltas[(_as_date(day), ACTIVE_7D)] += 1 if user_id in members else -1
    _shift_segment(segment_id, {key: delta for key, delta in deltas.items() if delta})


def _shift_segment(segment_id: int, deltas: dict[tuple[date, str], int]) -> None:
    """Add each delta to the segment's counter of that day and metric; a counter at 0 is no row
    (as the rebuild leaves it)."""
    if not deltas:
        return
    s = ProgrammeSegmentDaily
    days = {day for day, _metric in deltas}
    rows = {
        (row.day, row.metric): row
        for row in db.session.scalars(select(s).where(s.segment_id == segment_id, s.day.in_(days)))
    }
    for (day, metric), delta in deltas.items():
        row = rows.get((day, metric))
        value = (row.value if row is not None else 0) + delta
        if row is None and value > 0:
            db.session.add(ProgrammeSegmentDaily(segment_id=segment_id, day=day, metric=metric, value=value))
        elif row is not None and value > 0:
            row.value = value
        elif row is not None:
            db.session.delete(row)
    db.session.flush()


def rebuild_segment(segment_id: int) -> None:
    """A segment's counters again from its members' rows (its membership changed); flushes."""
    db.session.execute(delete(ProgrammeSegmentDaily).where(ProgrammeSegmentDaily.segment_id == segment_id))
    _insert_segment_counters(segment_id)
    db.session.flush()
