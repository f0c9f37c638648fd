"""Answer-time figures, per course and platform-wide, over a period of UTC days (default: the last
12 weeks, this one included): time to the first answer by anyone but the asker and to the first
staff answer as median and p90, the share of questions with an accepted or staff answer within 24 h
and 72 h, and per week the questions, the answers and the people who posted.

Times come from the thread rows (`created_at`, `first_reply_at`, `first_staff_answer_at`,
`accepted_at`, kept by the services as posts arrive), never from counting posts; the weekly answers
and posters are grouped in SQL. Percentiles are `percentile_cont`'s (linear between the two nearest
ranks): PostgreSQL computes them, SQLite ranks the durations with a window function and the two
ranks around each percentile are interpolated here, so both give the same figures."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Date, Integer, Select, and_, case, cast, func, or_, select

from lms.catalog.models import Course
from lms.community.models import Post, Thread, ThreadKind
from lms.community.services import CommunityError
from lms.community.services.queue import QueueCount, at, queue_counts, seconds_between
from lms.extensions import db

DEFAULT_WEEKS = 12
MAX_DAYS = 731  # the longest period asked for (two years of weekly rows)
WITHIN = (24, 72)  # hours: the shares of questions answered by staff or accepted within each
PERCENTILES = (0.5, 0.9)


class FiguresError(CommunityError):
    """A period that cannot be read: worded for the person who typed it."""


@dataclass(frozen=True)
class Period:
    """Whole UTC days, `start` to `end` included."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def weeks(self) -> list[date]:
        """The Monday of every week the period touches (none if it ends before it starts)."""
        if self.end < self.start:
            return []
        first = self.start - timedelta(days=self.start.weekday())
        return [first + timedelta(weeks=n) for n in range((self.end - first).days // 7 + 1)]


def default_period(now: datetime) -> Period:
    """The last DEFAULT_WEEKS weeks (Monday to Sunday, UTC), the current one included, up to today."""
    today = now.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=DEFAULT_WEEKS - 1), today)


def parse_period(start: str | None, end: str | None, now: datetime) -> Period:
    """A period from two dates as typed (YYYY-MM-DD, either may be left out; the end stops at today);
    FiguresError otherwise."""
    default = default_period(now)
    first, last = _day(start, default.start), min(_day(end, default.end), default.end)  # no later day counts
    if first > last:
        raise FiguresError(_l("The period starts after it ends."))
    if (last - first).days >= MAX_DAYS:
        raise FiguresError(_l("A period covers at most %(days)s days.", days=MAX_DAYS))
    return Period(first, last)


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise FiguresError(_l("“%(value)s” is not a date (YYYY-MM-DD).", value=text[:20])) from None


@dataclass(frozen=True)
class Spread:
    """Median and p90 of a time to answer, in seconds, over the `answered` questions (None: none)."""

    answered: int
    median: float | None
    p90: float | None

    @property
    def median_time(self) -> timedelta | None:
        return None if self.median is None else timedelta(seconds=self.median)

    @property
    def p90_time(self) -> timedelta | None:
        return None if self.p90 is None else timedelta(seconds=self.p90)


@dataclass(frozen=True)
class Share:
    """`within` of the `of` questions asked long enough ago to tell."""

    within: int
    of: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.within / self.of) if self.of else None


@dataclass(frozen=True)
class Week:
    starts: date  # its Monday
    questions: int
    answers: int
    posters: int


@dataclass(frozen=True)
class Figures:
    """A course's figures (`course_id`), or the platform's (None)."""

    course_id: int | None
    period: Period
    questions: int
    first_answer: Spread
    first_staff_answer: Spread
    answered_24h: Share  # an accepted or staff answer within 24 h
    answered_72h: Share
    weeks: list[Week] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values (dates as ISO strings, seconds as numbers)."""
        data = asdict(self)
        data["period"] = {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
        data["weeks"] = [{**asdict(w), "starts": w.starts.isoformat()} for w in self.weeks]
        for name in ("answered_24h", "answered_72h"):
            data[name]["percent"] = getattr(self, name).percent
        return data


def course_figures(course_ids: list[int], period: Period, now: datetime) -> dict[int, Figures]:
    """Each course's figures over the period (a handful of grouped queries for all of them)."""
    if not course_ids:
        return {}
    return _figures([Thread.course_id], Thread.course_id.in_(course_ids), course_ids, period, now)


def platform_figures(period: Period, now: datetime) -> Figures:
    """The figures of every course together."""
    return _figures([], None, [None], period, now)[None]


@dataclass(frozen=True)
class Headline:
    """The programme dashboard's community figures of one period."""

    period: Period
    questions: int
    first_answer: Spread
    answered_24h: Share


def platform_headlines(periods: list[Period], now: datetime) -> list[Headline]:
    """Questions, time to first answer and the 24 h share of each of these contiguous periods (in any
    order), every course together: two queries grouped by period for all of them, where
    platform_figures takes six per period (staff answers and weekly series included)."""
    latest_first = sorted(periods, key=lambda p: p.start, reverse=True)
    which = case(
        *((Thread.created_at >= p.starts_at, n) for n, p in enumerate(latest_first[:-1])), else_=len(periods) - 1
    ).label("period")
    asked = and_(
        Thread.kind == ThreadKind.QUESTION,
        Thread.deleted_at.is_(None),
        Thread.hidden_at.is_(None),
        Thread.duplicate_of_id.is_(None),
        Thread.created_at >= latest_first[-1].starts_at,
        Thread.created_at < latest_first[0].ends_at,
    )
    first = _spreads([which], asked, Thread.first_reply_at)
    shares = _shares([which], asked, now)
    headlines = {
        p.start: Headline(
            p,
            shares.get(n, (0, Share(0, 0), Share(0, 0)))[0],
            first.get(n, Spread(0, None, None)),
            shares.get(n, (0, Share(0, 0), Share(0, 0)))[1],
        )
        for n, p in enumerate(latest_first)
    }
    return [headlines[p.start] for p in periods]


@dataclass(frozen=True)
class StaffPanel:
    """What the instructor's page shows of a course's community (course None: every course)."""

    course: Course | None
    waiting: QueueCount
    figures: Figures


def staff_panels(courses: list[Course], now: datetime, *, platform: bool = False) -> list[StaffPanel]:
    """Each course's queue counts and figures over the default period; first, with `platform`, the
    figures of every course together (for admins)."""
    period = default_period(now)
    counts = queue_counts([c.id for c in courses], now)
    figures = course_figures([c.id for c in courses], period, now)
    panels = [StaffPanel(c, counts[c.id], figures[c.id]) for c in courses]
    if platform:
        total = QueueCount(sum(c.waiting for c in counts.values()), sum(c.overdue for c in counts.values()))
        panels.insert(0, StaffPanel(None, total, platform_figures(period, now)))
    return panels


def _figures(
    keys: list[Any], where: ColumnElement[bool] | None, wanted: list[Any], period: Period, now: datetime
) -> dict[Any, Figures]:
    scope = [where] if where is not None else []
    asked = and_(
        Thread.kind == ThreadKind.QUESTION,
        Thread.deleted_at.is_(None),
        Thread.hidden_at.is_(None),
        Thread.duplicate_of_id.is_(None),
        Thread.created_at >= period.starts_at,
        Thread.created_at < period.ends_at,
        *scope,
    )
    first = _spreads(keys, asked, Thread.first_reply_at)
    staff = _spreads(keys, asked, Thread.first_staff_answer_at)
    shares = _shares(keys, asked, now)
    weeks = _weeks(keys, asked, scope, period)
    return {
        key: Figures(
            course_id=key,
            period=period,
            questions=shares.get(key, (0, Share(0, 0), Share(0, 0)))[0],
            first_answer=first.get(key, Spread(0, None, None)),
            first_staff_answer=staff.get(key, Spread(0, None, None)),
            answered_24h=shares.get(key, (0, Share(0, 0), Share(0, 0)))[1],
            answered_72h=shares.get(key, (0, Share(0, 0), Share(0, 0)))[2],
            weeks=[Week(monday, *weeks.get((key, monday), (0, 0, 0))) for monday in period.weeks],
        )
        for key in wanted
    }


def _key(row: Any, keys: list[Any]) -> tuple[Any, tuple[Any, ...]]:
    """A grouped row's key (None without keys) and the rest of its values."""
    return (row[0], tuple(row[1:])) if keys else (None, tuple(row))


def _spreads(keys: list[Any], asked: ColumnElement[bool], answered_at: Any) -> dict[Any, Spread]:
    """Median and p90 of `answered_at - created_at` per key (one query)."""
    duration = seconds_between(answered_at, Thread.created_at)
    condition = and_(asked, answered_at.is_not(None))
    if db.session.get_bind().dialect.name == "postgresql":
        percentiles = [func.percentile_cont(p).within_group(duration) for p in PERCENTILES]
        statement = select(*keys, func.count(), *percentiles).where(condition).group_by(*keys)
        spreads = {}
        for row in db.session.execute(statement):
            key, (count, median, p90) = _key(row, keys)
            spreads[key] = Spread(count, _seconds(median), _seconds(p90))
        return spreads
    return _ranked_spreads(keys, condition, duration)


def _ranked_spreads(keys: list[Any], condition: ColumnElement[bool], duration: Any) -> dict[Any, Spread]:
    """SQLite: the durations ranked per key; only the two ranks around each percentile are read."""
    ranked = (
        select(
            *keys,
            duration.label("seconds"),
            func.row_number().over(partition_by=keys or None, order_by=duration).label("rank"),
            func.count().over(partition_by=keys or None).label("n"),
        )
        .where(condition)
        .subquery()
    )
    near = [cast((ranked.c.n - 1) * p, Integer) + 1 for p in PERCENTILES]
    wanted = or_(*(ranked.c.rank == rank for rank in near), *(ranked.c.rank == rank + 1 for rank in near))
    key_columns = [ranked.c[k.key] for k in keys]
    statement: Select = select(*key_columns, ranked.c.n, ranked.c.rank, ranked.c.seconds).where(wanted)
    values: dict[Any, tuple[int, dict[int, float]]] = {}
    for row in db.session.execute(statement):
        key, (n, rank, seconds) = _key(row, keys)
        values.setdefault(key, (n, {}))[1][rank] = float(seconds)
    return {
        key: Spread(n, *(_seconds(_interpolate(by_rank, n, p)) for p in PERCENTILES))
        for key, (n, by_rank) in values.items()
    }


def _interpolate(by_rank: dict[int, float], n: int, p: float) -> float:
    """percentile_cont's value from the ranks (1-based) around position p * (n - 1)."""
    position = (n - 1) * p
    low = math.floor(position)
    fraction = position - low
    below = by_rank[low + 1]
    return below if fraction == 0 else below + fraction * (by_rank[low + 2] - below)


def _seconds(value: Any) -> float | None:
    """Whole seconds (SQLite's julianday arithmetic is exact to about 10 microseconds, not more)."""
    return None if value is None else float(round(float(value)))


def _shares(keys: list[Any], asked: ColumnElement[bool], now: datetime) -> dict[Any, tuple[int, Share, Share]]:
    """Per key: the questions, and for each of WITHIN the questions asked at least that long ago
    with an accepted or staff answer within it, of those asked at least that long ago (one query)."""
    columns: list[Any] = [func.count()]
    for hours in WITHIN:
        old_enough = Thread.created_at <= now - timedelta(hours=hours)
        answered = or_(
            seconds_between(Thread.accepted_at, Thread.created_at) <= hours * 3600,
            seconds_between(Thread.first_staff_answer_at, Thread.created_at) <= hours * 3600,
        )
        columns += [
            func.sum(case((and_(old_enough, answered), 1), else_=0)),
            func.sum(case((old_enough, 1), else_=0)),
        ]
    shares = {}
    for row in db.session.execute(select(*keys, *columns).where(asked).group_by(*keys)):
        key, (count, within_24, of_24, within_72, of_72) = _key(row, keys)
        if count:
            shares[key] = (
                count,
                Share(int(within_24 or 0), int(of_24 or 0)),
                Share(int(within_72 or 0), int(of_72 or 0)),
            )
    return shares


def _week_of(column: Any, first: date) -> Any:
    """SQL for the week of a time column: on PostgreSQL its Monday (UTC), on SQLite the number of
    whole weeks since `first` (a Monday), cheaper to compute on every row than date()'s Monday."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", column)), Date)
    since = func.julianday(column) - func.julianday(at(datetime.combine(first, time(), UTC)))
    return cast(since / 7, Integer)  # SQLite keeps UTC text; rows before `first` are filtered out


def _weeks(
    keys: list[Any], asked: ColumnElement[bool], scope: list[ColumnElement[bool]], period: Period
) -> dict[tuple[Any, date], tuple[int, int, int]]:
    """Per key and week: questions asked, answers (replies to a counted question by anyone but its
    asker), and people who posted anything (two grouped queries: the threads, then the posts)."""
    first = period.start - timedelta(days=period.start.weekday())
    counts: dict[tuple[Any, date], list[int]] = {}

    def monday(week: Any) -> date:
        return first + timedelta(weeks=week) if isinstance(week, int) else week

    week = _week_of(Thread.created_at, first)
    for row in db.session.execute(select(*keys, week, func.count()).where(asked).group_by(*keys, week)):
        key, (when, questions) = _key(row, keys)
        counts[(key, monday(when))] = [questions, 0, 0]
    answer = and_(
        Thread.kind == ThreadKind.QUESTION,
        Thread.duplicate_of_id.is_(None),
        Post.position > 1,
        Post.author_id != Thread.author_id,
    )
    week = _week_of(Post.created_at, first)
    posts = (
        select(*keys, week, func.sum(case((answer, 1), else_=0)), func.count(func.distinct(Post.author_id)))
        .select_from(Post)
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Post.created_at >= period.starts_at,
            Post.created_at < period.ends_at,
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
            Thread.deleted_at.is_(None),
            Thread.hidden_at.is_(None),
            *scope,
        )
        .group_by(*keys, week)
    )
    for row in db.session.execute(posts):
        key, (when, answers, posters) = _key(row, keys)
        counts.setdefault((key, monday(when)), [0, 0, 0])[1:] = [int(answers or 0), posters]
    return {key: (q, a, p) for key, (q, a, p) in counts.items()}
