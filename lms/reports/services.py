"""Team dashboard figures, each from one aggregate query over reports' read model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Case, ColumnElement, case, func, literal_column, null, select
from sqlalchemy.orm import InstrumentedAttribute

from lms.accounts.models import Team, User, team_members
from lms.catalog.models import TIERS, Course
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.reports import panels
from lms.reports.models import ReportActivity, ReportProgress
from lms.reports.progress import week_start
from lms.reports.query import ReportFilter, completion_base, scoped_members
from lms.reports.scope import ReportAccessError, visible_team

MATRIX_PAGE = 50
WEEKS = 12
SCORE_BINS = 10
BANDS = tuple(f"{k * 10}–{k * 10 + 10}" for k in range(SCORE_BINS))  # labels of the score bins, in %


@dataclass
class CourseStat:
    course_id: int
    title: str
    tier: str
    enrolled: int = 0
    completed: int = 0
    in_progress: int = 0
    exam_remaining: int = 0  # every step passed, the exam still to pass: not completed
    exam_avg: float | None = None
    assignment_avg: float | None = None

    @property
    def rate(self) -> float:
        return 100 * self.completed / self.enrolled if self.enrolled else 0.0


@dataclass
class Dashboard:
    team: Team
    members: int
    courses: list[CourseStat]
    tiers: list[CourseStat]
    exam_bins: list[int]
    assignment_bins: list[int]
    weekly_active: list[tuple[date, int]]
    matrix_learners: list[tuple[int, str]]
    matrix_cells: dict[tuple[int, int], tuple[int, str]]
    page: int
    pages: int
    certificates: list[tuple[str, int]] = field(default_factory=list)
    workshops: list[tuple[str, int, int]] = field(default_factory=list)
    satisfaction: panels.Satisfaction | None = None
    overdue: tuple[int, list[panels.Overdue]] = (0, [])

    @property
    def enrolled(self) -> int:
        return sum(c.enrolled for c in self.courses)

    @property
    def completed(self) -> int:
        return sum(c.completed for c in self.courses)

    @property
    def completion_rate(self) -> float:
        return 100 * self.completed / self.enrolled if self.enrolled else 0.0

    @property
    def score_avg(self) -> float | None:
        values = [(c.exam_avg, c.completed) for c in self.courses if c.exam_avg is not None]
        weight = sum(w for _v, w in values)
        return sum(v * w for v, w in values) / weight if weight else None


def team_dashboard(viewer: User, team_id: int, *, page: int = 1, now: datetime | None = None) -> Dashboard:
    """Everything the team page shows; ReportAccessError if the viewer may not read this team."""
    team = visible_team(viewer, team_id)
    if team is None:
        raise ReportAccessError(team_id)
    members = db.session.execute(
        select(func.count()).select_from(team_members).where(team_members.c.team_id == team.id)
    ).scalar_one()
    courses = course_stats(viewer, ReportFilter(team_id=team.id))
    exam_bins, assignment_bins = score_distribution(viewer, ReportFilter(team_id=team.id))
    pages = max(1, -(-members // MATRIX_PAGE))
    page = min(max(page, 1), pages)
    learners, cells = completion_matrix(viewer, team.id, page)
    now = now or datetime.now(UTC)
    return Dashboard(
        team=team,
        members=members,
        courses=courses,
        tiers=tier_stats(courses),
        exam_bins=exam_bins,
        assignment_bins=assignment_bins,
        weekly_active=weekly_active(team.id, now),
        matrix_learners=learners,
        matrix_cells=cells,
        page=page,
        pages=pages,
        certificates=panels.certificates_issued(team.id),
        workshops=panels.workshop_attendance(team.id),
        satisfaction=panels.satisfaction(team.id),
        overdue=panels.overdue_paths(team.id, now),
    )


def course_stats(viewer: User, flt: ReportFilter) -> list[CourseStat]:
    """Per course: enrolled, completed, in progress, exam remaining, mean exam and assignment score (one query)."""
    base, c = completion_base(viewer, flt)
    status = c["status"]
    stmt = (
        base.add_columns(
            Course.id,
            Course.title,
            Course.tier,
            func.count(),
            func.sum(case((status == "completed", 1), else_=0)),
            func.sum(case((status == "in_progress", 1), else_=0)),
            func.sum(case((status == "exam_remaining", 1), else_=0)),
            func.avg(ReportProgress.exam_best),
            func.avg(ReportProgress.assignment_best),
        )
        .group_by(Course.id, Course.title, Course.tier)
        .order_by(Course.title)
    )
    return [
        CourseStat(cid, title, tier, n, int(done or 0), int(going or 0), int(exam_left or 0), exam, assignment)
        for cid, title, tier, n, done, going, exam_left, exam, assignment in db.session.execute(stmt)
    ]


def tier_stats(courses: list[CourseStat]) -> list[CourseStat]:
    """The course figures summed by tier, in tier order."""
    tiers = {tier: CourseStat(0, tier, tier) for tier in TIERS}
    for c in courses:
        t = tiers[c.tier]
        t.enrolled += c.enrolled
        t.completed += c.completed
        t.in_progress += c.in_progress
        t.exam_remaining += c.exam_remaining
    return [t for t in tiers.values() if t.enrolled]


def _bin(column: InstrumentedAttribute[float | None]) -> Case[Any]:
    """The 10-point band of a percentage, as SQL without bind parameters (PostgreSQL must see
    the GROUP BY expression identical to the selected one)."""
    whens: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = [
        (column < literal_column(str((k + 1) * 100 // SCORE_BINS)), literal_column(str(k)))
        for k in range(SCORE_BINS - 1)
    ]
    return case((column.is_(None), null()), *whens, else_=literal_column(str(SCORE_BINS - 1)))


def score_distribution(viewer: User, flt: ReportFilter) -> tuple[list[int], list[int]]:
    """Learners per 10-point band of best exam score and of mean best assignment score."""
    base, _c = completion_base(viewer, flt)
    exam_bin, assignment_bin = _bin(ReportProgress.exam_best), _bin(ReportProgress.assignment_best)
    stmt = (
        base.add_columns(exam_bin.label("e"), assignment_bin.label("a"), func.count())
        .where((ReportProgress.exam_best.is_not(None)) | (ReportProgress.assignment_best.is_not(None)))
        .group_by(exam_bin, assignment_bin)
    )
    exams, assignments = [0] * SCORE_BINS, [0] * SCORE_BINS
    for e, a, n in db.session.execute(stmt):
        if e is not None:
            exams[int(e)] += n
        if a is not None:
            assignments[int(a)] += n
    return exams, assignments


def weekly_active(team_id: int, now: datetime) -> list[tuple[date, int]]:
    """Distinct learners of the team active per week (Monday start, UTC), the last 12 weeks (one query)."""
    this_week = week_start(now)
    starts = [this_week - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    members = select(team_members.c.user_id).where(team_members.c.team_id == team_id)
    rows = db.session.execute(
        select(ReportActivity.week_start, func.count())
        .where(ReportActivity.user_id.in_(members), ReportActivity.week_start >= starts[0])
        .group_by(ReportActivity.week_start)
    )
    counts = dict(rows.all())
    return [(s, int(counts.get(s, 0))) for s in starts]


def completion_matrix(
    viewer: User, team_id: int, page: int
) -> tuple[list[tuple[int, str]], dict[tuple[int, int], tuple[int, str]]]:
    """One page of learners (by name) and their (progress %, status) per course (two queries)."""
    members = scoped_members(viewer, team_id)
    learners = db.session.execute(
        select(User.id, User.display_name)
        .join(members, members.c.user_id == User.id)
        .order_by(User.display_name, User.id)
        .limit(MATRIX_PAGE)
        .offset((page - 1) * MATRIX_PAGE)
    ).all()
    ids = [uid for uid, _name in learners]
    base, col = completion_base(viewer, ReportFilter(team_id=team_id), members)
    stmt = base.add_columns(Enrollment.user_id, Enrollment.course_id, col["done"], col["total"], col["status"])
    rows = db.session.execute(stmt.where(Enrollment.user_id.in_(ids)))
    cells = {(u, c): (min(100, round(100 * d / t)) if t else 0, s) for u, c, d, t, s in rows}
    return [(uid, name) for uid, name in learners], cells
