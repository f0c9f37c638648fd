"""The programme's figures for one window (a period and the one before it), platform-wide or for
one segment's members. One function per figure group, each a few grouped queries over the span of
both periods, returning its figures and its per-day columns (`Part`); `dashboard()` puts them together.

Learning figures read the daily counters (`programme_daily`, a segment's `programme_segment_daily`;
weekly actives: each day's `active_7d`, distinct learners over the 7 days ending that day);
the other sources are small and read as they are (certificates by their `issued_at` index, survey
responses, workshop registrations, feedback items, community threads).

Definitions: *weekly active learners* = distinct learners with a progress event in the last 7 days
of the period; *completion rate* = courses completed (so far) of the enrolments made in the period;
*time to complete* and the feedback times are medians; *CSAT* = share of 4-5 answers, *NPS* = % 9-10
minus % 0-6; *attendance* = registrations made in the period that were attended; *resolution rate*
= items filed in the period resolved since."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select

from lms.accounts.models import User
from lms.certification.models import Certificate
from lms.community.services import figures as community_figures
from lms.community.services.figures import Period
from lms.community.services.queue import seconds_between
from lms.developers.models import MIN_SEGMENT_SIZE, Segment, SegmentMember
from lms.extensions import db
from lms.feedback.models import FEEDBACK_CATEGORIES, FeedbackItem, SurveyResponse
from lms.programme.models import ProgrammeCompletion, ProgrammeDaily, ProgrammeSegmentDaily
from lms.programme.services.buckets import ACTIVE, ACTIVE_7D, COMPLETIONS, ENROLMENTS, day_of
from lms.programme.services.periods import Window
from lms.workshops.models import Registration

DAILY_COLUMNS = (
    "new_developers",
    "active_learners",
    "enrolments",
    "completions",
    "certificates",
    "survey_responses",
    "csat_answers",
    "csat_satisfied",
    "nps_answers",
    "nps_promoters",
    "nps_detractors",
    "workshop_registrations",
    "workshop_attended",
    "feedback_filed",
    "feedback_resolved",
)


@dataclass(frozen=True)
class Figure:
    """One figure over the period beside the previous period; `unit`: count, percent, seconds, score."""

    key: str
    label: Any  # a lazy string, translated when shown
    value: float | None
    previous: float | None
    unit: str = "count"

    @classmethod
    def of(cls, key: str, label: Any, values: Sequence[float | None], unit: str = "count") -> Figure:
        """From (value, previous)."""
        return cls(key, label, values[0], values[1], unit)

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": str(self.label),
            "unit": self.unit,
            "value": self.value,
            "previous": self.previous,
            "change": self.change,
        }


@dataclass
class Part:
    """A figure group's figures and its per-day columns (day -> value, missing days are 0)."""

    figures: list[Figure] = field(default_factory=list)
    daily: dict[str, dict[date, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Category:
    category: str
    value: int
    previous: int


@dataclass
class Dashboard:
    window: Window
    segment: Segment | None
    hidden: str | None  # why a segment shows no figures
    figures: list[Figure] = field(default_factory=list)
    daily: dict[str, dict[date, int]] = field(default_factory=dict)
    categories: list[Category] = field(default_factory=list)
    community: list[Figure] = field(default_factory=list)
    _days: list[tuple[date, dict[str, int]]] | None = field(default=None, init=False, repr=False)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def days(self) -> list[tuple[date, dict[str, int]]]:
        """Every day of the current period with each column's value (built once: the page, its
        tables and the exports read them several times)."""
        if self._days is None:
            period = self.window.current
            series = [(c, self.daily.get(c, {})) for c in DAILY_COLUMNS]
            self._days = []
            for n in range((period.end - period.start).days + 1):
                day = period.start + timedelta(days=n)
                self._days.append((day, {c: values.get(day, 0) for c, values in series}))
        return self._days


def _members(segment_id: int) -> Select:
    return select(SegmentMember.user_id).where(SegmentMember.segment_id == segment_id)


def _within(column: Any, period: Period) -> ColumnElement[bool]:
    """A time column inside the period's UTC days."""
    return and_(column >= period.starts_at, column < period.ends_at)


def _days_within(column: Any, period: Period) -> ColumnElement[bool]:
    """A date column inside the period."""
    return column.between(period.start, period.end)


def _scoped(user_column: Any, segment_id: int | None) -> list[ColumnElement[bool]]:
    """The rows of the segment's members: EXISTS probes segment_members' primary key per row, cheaper
    than building the list of a large segment's members for the few rows of a small table."""
    if segment_id is None:
        return []
    member = select(SegmentMember.user_id).where(
        SegmentMember.segment_id == segment_id, SegmentMember.user_id == user_column
    )
    return [member.exists()]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _per_day(
    column: Any, w: Window, aggregates: Sequence[Any], where: Sequence[Any], *, indexed: bool = False
) -> tuple[dict[date, tuple[int, ...]], tuple[int, ...]]:
    """The aggregates per day of the current period and over the previous period, in one grouped query:
    only the current period's days are charted, so the previous period's rows are not bucketed by day
    (its rows fall in one group, day NULL). SQLite sorts to group: there, when `column` leads an index
    that `where` keeps to, each day is counted on its own instead (`_per_day_sqlite`)."""
    if indexed and db.session.get_bind().dialect.name == "sqlite":
        return _per_day_sqlite(column, w, aggregates, where)
    day = case((column >= w.current.starts_at, day_of(column)))
    daily: dict[date, tuple[int, ...]] = {}
    previous = tuple(0 for _ in aggregates)
    for row in db.session.execute(select(day, *aggregates).where(_within(column, w.span), *where).group_by(day)):
        values = tuple(int(v or 0) for v in row[1:])
        if row[0] is None:
            previous = values
        else:
            daily[_as_date(row[0])] = values
    return daily, previous


def _per_day_sqlite(
    column: Any, w: Window, aggregates: Sequence[Any], where: Sequence[Any]
) -> tuple[dict[date, tuple[int, ...]], tuple[int, ...]]:
    """`_per_day` on SQLite: the period's days (a recursive CTE) each with one subquery per aggregate
    over its index range (the stored UTC text sorts by time: '2026-01-05 10:00:00' lies between
    '2026-01-05' and '2026-01-06'), then the previous period in one statement. A year of 80,000 rows
    takes a third of the CPU of grouping by day, which sorts every row."""
    start = select(literal(w.current.start.isoformat()).label("day")).cte("days", recursive=True)
    days = start.union_all(select(func.date(start.c.day, "+1 day")).where(start.c.day < w.current.end.isoformat()))
    within = [column >= days.c.day, column < func.date(days.c.day, "+1 day"), *where]
    counts = [select(aggregate).where(*within).scalar_subquery() for aggregate in aggregates]
    daily: dict[date, tuple[int, ...]] = {}
    for row in db.session.execute(select(days.c.day, *counts)):
        values = tuple(int(v or 0) for v in row[1:])
        if any(values):
            daily[date.fromisoformat(row[0])] = values
    before = db.session.execute(select(*aggregates).where(_within(column, w.previous), *where)).one()
    return daily, tuple(int(v or 0) for v in before)


def _totals(daily: dict[date, tuple[int, ...]], previous: tuple[int, ...]) -> list[tuple[int, int]]:
    """Per aggregate of `_per_day`: (current period, previous period)."""
    return [(sum(values[n] for values in daily.values()), previous[n]) for n in range(len(previous))]


def _column(daily: dict[date, tuple[int, ...]], n: int) -> dict[date, int]:
    """One aggregate's days (the days it is 0 left out, as a day without rows)."""
    return {d: values[n] for d, values in daily.items() if values[n]}


def _split(w: Window, series: dict[date, int]) -> tuple[int, int]:
    """A read-model series' sums over the current and the previous period."""
    return tuple(sum(v for d, v in series.items() if p.start <= d <= p.end) for p in (w.current, w.previous))  # type: ignore[return-value]


def _medians(
    current: ColumnElement[bool],
    value: Any,
    exact: Sequence[Any],
    of: Callable[..., float],
    where: Sequence[Any],
    counts: Sequence[int] | None = None,
) -> list[float | None]:
    """Median of `value` over the rows of `where` in the current period (`current`) and the previous
    one, in SQL: PostgreSQL's percentile_cont; on SQLite each period's rows counted, then only its one
    or two middle rows read (ORDER BY value LIMIT/OFFSET: half the sort of a window function; `counts`,
    the rows of (current, previous), when the caller has them), whose
    `exact` columns give the value in Python (`of`), so that both databases give statistics.median's
    figure."""
    period = case((current, 0), else_=1)
    if db.session.get_bind().dialect.name == "postgresql":
        statement = select(period, func.percentile_cont(0.5).within_group(value)).where(*where).group_by(period)
        found = {p: _median([m]) for p, m in db.session.execute(statement)}
        return [found.get(0), found.get(1)]
    if counts is None:
        counted: dict[int, int] = dict(
            db.session.execute(select(period, func.count()).where(*where).group_by(period)).tuples().all()
        )
        counts = [counted.get(0, 0), counted.get(1, 0)]
    medians: dict[int, float | None] = {}
    for p, in_period in ((0, current), (1, ~current)):
        n = counts[p]
        middle = select(*exact).where(*where, in_period).order_by(value).limit(2 - n % 2).offset((n - 1) // 2)
        medians[p] = _median([of(*row) for row in db.session.execute(middle)]) if n else None
    return [medians[0], medians[1]]


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _median(values: Sequence[float | None]) -> float | None:
    numbers = [float(v) for v in values if v is not None]
    return float(round(statistics.median(numbers))) if numbers else None


def new_developers(w: Window, segment_id: int | None) -> Part:
    """Accounts created per day (`users.created_at`)."""
    # Over more than a month a segment's members are looked up by primary key (IN its list: 16,000
    # lookups for a segment of 16,000) rather than each account of the window probing segment_members
    # (a year: 49 -> 22 ms on SQLite); over a week or a month the window's few accounts probe.
    if segment_id is None:
        scope: list[ColumnElement[bool]] = []
    elif w.days > 31:
        scope = [User.id.in_(_members(segment_id))]
    else:
        scope = _scoped(User.id, segment_id)
    daily, previous = _per_day(User.created_at, w, [func.count()], scope, indexed=segment_id is None)
    (counts,) = _totals(daily, previous)
    label = _l("New developers")
    return Part([Figure.of("new_developers", label, counts)], {"new_developers": _column(daily, 0)})


def learning(w: Window, segment_id: int | None) -> Part:
    """Enrolments, completions and completion rate; per day also the learners active that day."""
    if segment_id is None:
        rows = db.session.execute(
            select(ProgrammeDaily.day, ProgrammeDaily.metric, ProgrammeDaily.value).where(
                _days_within(ProgrammeDaily.day, w.span)
            )
        )
    else:
        rows = db.session.execute(
            select(ProgrammeSegmentDaily.day, ProgrammeSegmentDaily.metric, ProgrammeSegmentDaily.value).where(
                ProgrammeSegmentDaily.segment_id == segment_id, _days_within(ProgrammeSegmentDaily.day, w.span)
            )
        )
    daily: dict[str, dict[date, int]] = {ACTIVE: {}, ENROLMENTS: {}, COMPLETIONS: {}}
    for day, metric, value in rows:
        if metric in daily:
            daily[metric][_as_date(day)] = value
    c = ProgrammeCompletion
    of_enrolments = db.session.execute(
        select(
            func.sum(case((_days_within(c.enrolled_on, w.current), 1), else_=0)),
            func.sum(case((_days_within(c.enrolled_on, w.previous), 1), else_=0)),
        ).where(_days_within(c.enrolled_on, w.span), *_scoped(c.user_id, segment_id))
    ).one()
    enrolments, completions = _split(w, daily[ENROLMENTS]), _split(w, daily[COMPLETIONS])
    rates = [_percent(int(done or 0), whole) for done, whole in zip(of_enrolments, enrolments, strict=True)]
    return Part(
        [
            Figure.of("enrolments", _l("Enrolments"), enrolments),
            Figure.of("completions", _l("Completions"), completions),
            Figure.of("completion_rate", _l("Completion rate (of the period's enrolments)"), rates, unit="percent"),
        ],
        {"active_learners": daily[ACTIVE], "enrolments": daily[ENROLMENTS], "completions": daily[COMPLETIONS]},
    )


def weekly_active_learners(w: Window, segment_id: int | None) -> Part:
    """Distinct learners active in the last 7 days of each period: the `active_7d` counter of each
    period's last day (one query; the receivers keep it, see buckets._note_week)."""
    ends = (w.current.end, w.previous.end)
    if segment_id is None:
        statement = select(ProgrammeDaily.day, ProgrammeDaily.value).where(
            ProgrammeDaily.metric == ACTIVE_7D, ProgrammeDaily.day.in_(ends)
        )
    else:
        s = ProgrammeSegmentDaily
        statement = select(s.day, s.value).where(s.segment_id == segment_id, s.metric == ACTIVE_7D, s.day.in_(ends))
    values = {_as_date(day): value for day, value in db.session.execute(statement)}
    label = _l("Weekly active learners (last 7 days of the period)")
    return Part([Figure("weekly_active_learners", label, values.get(ends[0], 0), values.get(ends[1], 0))])


def time_to_complete(w: Window, segment_id: int | None) -> Part:
    """Median time from enrolment to completion of the courses completed in each period."""
    c = ProgrammeCompletion
    where = [_days_within(c.completed_on, w.span), c.seconds.is_not(None), *_scoped(c.user_id, segment_id)]
    medians = _medians(c.completed_on >= w.current.start, c.seconds, [c.seconds], float, where)
    label = _l("Time to complete (median)")
    return Part([Figure.of("time_to_complete", label, medians, unit="seconds")])


def certificates(w: Window, segment_id: int | None) -> Part:
    """Certificates issued per day (revoked ones left out)."""
    where = [Certificate.revoked_at.is_(None), *_scoped(Certificate.user_id, segment_id)]
    daily, previous = _per_day(Certificate.issued_at, w, [func.count()], where, indexed=segment_id is None)
    (counts,) = _totals(daily, previous)
    label = _l("Certificates issued")
    return Part([Figure.of("certificates", label, counts)], {"certificates": _column(daily, 0)})


def satisfaction(w: Window, segment_id: int | None) -> Part:
    """Survey responses, CSAT and NPS per day. Anonymous responses have no user: a segment leaves them out."""
    r = SurveyResponse
    aggregates = [
        func.count(),
        func.count(r.csat),
        func.sum(case((r.csat >= 4, 1), else_=0)),
        func.count(r.nps),
        func.sum(case((r.nps >= 9, 1), else_=0)),
        func.sum(case((r.nps <= 6, 1), else_=0)),
    ]
    rows, previous = _per_day(r.submitted_at, w, aggregates, _scoped(r.user_id, segment_id))
    names = ("survey_responses", "csat_answers", "csat_satisfied", "nps_answers", "nps_promoters", "nps_detractors")
    daily = {name: _column(rows, n) for n, name in enumerate(names)}
    totals = dict(zip(names, _totals(rows, previous), strict=True))
    csat = [_percent(totals["csat_satisfied"][i], totals["csat_answers"][i]) for i in (0, 1)]
    nps = [nps_of(totals["nps_promoters"][i], totals["nps_detractors"][i], totals["nps_answers"][i]) for i in (0, 1)]
    return Part(
        [
            Figure.of("survey_responses", _l("Survey responses"), totals["survey_responses"]),
            Figure.of("csat", _l("CSAT (share of 4-5 answers)"), csat, unit="percent"),
            Figure.of("nps", _l("NPS"), nps, unit="score"),
        ],
        daily,
    )


def nps_of(promoters: int, detractors: int, answers: int) -> float | None:
    return round(100 * (promoters - detractors) / answers) if answers else None


def workshops(w: Window, segment_id: int | None) -> Part:
    """Workshop registrations per day (cancelled ones too: they registered) and how many were attended."""
    g = Registration
    rows, previous = _per_day(
        g.registered_at,
        w,
        [func.count(), func.count(g.attended_at)],
        _scoped(g.user_id, segment_id),
        indexed=segment_id is None,
    )
    registered, attended = _column(rows, 0), _column(rows, 1)
    regs, att = _totals(rows, previous)
    rate = [_percent(att[i], regs[i]) for i in (0, 1)]
    return Part(
        [
            Figure.of("workshop_registrations", _l("Workshop registrations"), regs),
            Figure.of("workshop_attended", _l("Of those, attended"), att),
            Figure.of("workshop_attendance", _l("Attendance rate"), rate, unit="percent"),
        ],
        {"workshop_registrations": registered, "workshop_attended": attended},
    )


def feedback(w: Window, segment_id: int | None) -> tuple[Part, list[Category]]:
    """Feedback filed per day and by category, median time to first response and to resolution,
    resolution rate (filed in the period, resolved since). A segment counts its members' items."""
    f = FeedbackItem
    where = [_within(f.created_at, w.span), *_scoped(f.reporter_id, segment_id)]
    day = case((f.created_at >= w.current.starts_at, day_of(f.created_at)))
    aggregates = [func.count(), func.count(f.resolved_at), func.count(f.first_response_at)]
    rows: dict[date, list[int]] = {}
    by_category: list[Counter[str]] = [Counter(), Counter()]
    totals = [[0, 0, 0], [0, 0, 0]]  # filed, resolved, responded: current, previous
    for when, category, *values in db.session.execute(
        select(day, f.category, *aggregates).where(*where).group_by(day, f.category)
    ):
        i = 1 if when is None else 0
        by_category[i][category] += values[0]
        totals[i] = [t + v for t, v in zip(totals[i], values, strict=True)]
        if when is not None:
            counted = rows.setdefault(_as_date(when), [0, 0])
            counted[0] += values[0]
            counted[1] += values[1]
    filed = {d: v[0] for d, v in rows.items()}
    resolved = {d: v[1] for d, v in rows.items() if v[1]}
    counts, resolved_counts, responded_counts = ((totals[0][n], totals[1][n]) for n in range(3))
    current = f.created_at >= w.current.starts_at

    def seconds(later: datetime, earlier: datetime) -> float:
        return (later - earlier).total_seconds()

    response, resolution = (
        _medians(current, seconds_between(at, f.created_at), [at, f.created_at], seconds, [*where, at.is_not(None)], n)
        for at, n in ((f.first_response_at, responded_counts), (f.resolved_at, resolved_counts))
    )
    rate = [_percent(resolved_counts[i], counts[i]) for i in (0, 1)]
    part = Part(
        [
            Figure.of("feedback_filed", _l("Feedback filed"), counts),
            Figure.of("first_response", _l("Time to first response (median)"), response, unit="seconds"),
            Figure.of("resolution_rate", _l("Resolution rate"), rate, unit="percent"),
            Figure.of("resolution_time", _l("Time to resolution (median)"), resolution, unit="seconds"),
        ],
        {"feedback_filed": filed, "feedback_resolved": resolved},
    )
    categories = [Category(c, by_category[0][c], by_category[1][c]) for c in FEEDBACK_CATEGORIES]
    return part, categories


def community(w: Window, now: datetime) -> list[Figure]:
    """The community's answer-time figures (lms.community.services.figures), platform-wide."""
    current, previous = community_figures.platform_headlines([w.current, w.previous], now)
    return [
        Figure("questions", _l("Questions asked"), current.questions, previous.questions),
        Figure(
            "first_answer",
            _l("Time to first answer (median)"),
            current.first_answer.median,
            previous.first_answer.median,
            unit="seconds",
        ),
        Figure(
            "answered_24h",
            _l("Answered by staff or accepted within 24 h"),
            current.answered_24h.percent,
            previous.answered_24h.percent,
            unit="percent",
        ),
    ]


PARTS = (new_developers, weekly_active_learners, learning, time_to_complete, certificates, satisfaction, workshops)


def hidden_reason(segment: Segment | None) -> str | None:
    if segment is not None and segment.member_count < MIN_SEGMENT_SIZE:
        return str(
            _l(
                "This segment has %(count)s members: figures are shown for %(minimum)s or more, so that no "
                "one can be picked out.",
                count=segment.member_count,
                minimum=MIN_SEGMENT_SIZE,
            )
        )
    return None


def dashboard(w: Window, segment: Segment | None, now: datetime) -> Dashboard:
    """Every figure for the window, platform-wide or for the segment's members (none for a small segment)."""
    board = Dashboard(w, segment, hidden_reason(segment))
    if board.hidden:
        return board
    segment_id = segment.id if segment is not None else None
    parts: Iterable[Part] = [part(w, segment_id) for part in PARTS]
    feedback_part, board.categories = feedback(w, segment_id)
    for part in (*parts, feedback_part):
        board.figures += part.figures
        board.daily.update(part.daily)
    if segment is None:
        board.community = community(w, now)
    return board
