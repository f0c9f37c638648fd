"""The completion report: one SQL statement, learner x course, scoped to the viewer's teams."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Numeric, Select, String, and_, case, cast, func, literal, or_, select

from lms.accounts.models import Team, User, team_members
from lms.catalog.models import TIERS, Course, Item
from lms.certification.models import Certificate
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.learning.services import CourseStatus, live_items
from lms.reports.models import ReportProgress
from lms.reports.scope import ReportAccessError, visible_team_ids
from lms.spreadsheets import FORMULA_PREFIXES

STATUSES = tuple(s.value for s in CourseStatus)  # not_started, in_progress, exam_remaining, completed


@dataclass(frozen=True)
class ReportFilter:
    """What a manager narrows the report to; every field is optional."""

    team_id: int | None = None
    course_id: int | None = None
    tier: str | None = None
    status: str | None = None
    enrolled_from: date | None = None
    enrolled_to: date | None = None

    def __post_init__(self) -> None:
        if self.tier is not None and self.tier not in TIERS:
            raise ValueError(f"unknown tier {self.tier!r}")
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")

    def as_params(self) -> dict[str, str]:
        """The filter as query-string parameters (links to exports and next pages)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return out


@dataclass(frozen=True)
class CompletionRow:
    team_id: int
    team: str
    learner_id: int
    learner: str
    email: str
    course_id: int
    course: str
    tier: str
    enrolled_at: datetime
    progress: int
    status: str
    assignment_best: float | None
    assignments_graded: int
    exam_best: float | None
    exam_passed: bool | None
    certificate_id: str | None
    certificate_issued_at: datetime | None
    last_activity: datetime | None


def live_item_totals() -> Select:
    """Live items per course (the denominator of progress)."""
    return live_items().with_only_columns(Item.course_id, func.count().label("total")).group_by(Item.course_id)


def not_completed(stmt: Select) -> Select:
    """`stmt` (which joins User and Course) narrowed to the courses its users have not completed:
    items left (or none counted), or an exam still to pass without a live course certificate. One
    definition for the team page's overdue panel and the path reminders, so both agree."""
    stmt, done, total = with_progress(stmt, User.id, Course.id)
    return stmt.where(
        or_(total == 0, done < total, and_(ReportProgress.exam_pending.is_(True), Certificate.id.is_(None)))
    )


def with_progress(stmt: Select, user_id: Any, course_id: Any) -> tuple[Select, Any, Any]:
    """`stmt` outer-joined to what a learner's completion of a course is read from: the course's live
    item total, reports' progress row and the learner's live course certificate (certification's
    table, read only); with the steps done and the total (0 for none). Shared by the completion
    report and not_completed, so the report's status and the reminders read the same rows."""
    totals = live_item_totals().subquery()
    stmt = (
        stmt.outerjoin(totals, totals.c.course_id == course_id)
        .outerjoin(ReportProgress, and_(ReportProgress.user_id == user_id, ReportProgress.course_id == course_id))
        .outerjoin(
            Certificate,
            and_(
                Certificate.user_id == user_id,
                Certificate.course_id == course_id,
                Certificate.kind == "course",
                Certificate.revoked_at.is_(None),
            ),
        )
    )
    return stmt, func.coalesce(ReportProgress.done, 0), func.coalesce(totals.c.total, 0)


def scoped_members(viewer: User, team_id: int | None = None):
    """(team_id, user_id) of the members of the teams the viewer may read (one team if given)."""
    members = select(team_members.c.team_id, team_members.c.user_id).where(
        team_members.c.team_id.in_(visible_team_ids(viewer))
    )
    if team_id is not None:
        members = members.where(team_members.c.team_id == team_id)
    return members.subquery()


def status_expression(done, total):
    """learning's Progress.status as SQL over reports' read model, joined to the live certificate:
    "completed" only when every step is passed and the exam is not needed, passed or covered by a
    certificate held; "in_progress" from the first lesson read or attempt, even at 0 % passed."""
    steps_done = and_(total > 0, done >= total)
    return case(
        (
            and_(steps_done, ReportProgress.exam_pending.is_(True), Certificate.id.is_(None)),
            CourseStatus.EXAM_REMAINING.value,
        ),
        (steps_done, CourseStatus.COMPLETED.value),
        (or_(done > 0, ReportProgress.started.is_(True)), CourseStatus.IN_PROGRESS.value),
        else_=CourseStatus.NOT_STARTED.value,
    )


def completion_base(viewer: User, flt: ReportFilter, members=None) -> tuple[Select, dict]:
    """Enrollments of the viewer's team members joined to progress and to their live course certificate,
    filtered; and its key columns."""
    members = members if members is not None else scoped_members(viewer, flt.team_id)
    stmt, done, total = with_progress(
        select()
        .select_from(Enrollment)
        .join(members, members.c.user_id == Enrollment.user_id)
        .join(Course, Course.id == Enrollment.course_id),
        Enrollment.user_id,
        Enrollment.course_id,
    )
    status = status_expression(done, total)
    stmt = stmt.where(Course.archived_at.is_(None))
    if flt.course_id is not None:
        stmt = stmt.where(Enrollment.course_id == flt.course_id)
    if flt.tier is not None:
        stmt = stmt.where(Course.tier == flt.tier)
    if flt.status is not None:
        stmt = stmt.where(status == flt.status)
    if flt.enrolled_from is not None:
        stmt = stmt.where(Enrollment.enrolled_at >= datetime.combine(flt.enrolled_from, time(), UTC))
    if flt.enrolled_to is not None:
        stmt = stmt.where(Enrollment.enrolled_at < datetime.combine(flt.enrolled_to + timedelta(days=1), time(), UTC))
    return stmt, {"members": members, "done": done, "total": total, "status": status}


def completion_statement(viewer: User, flt: ReportFilter) -> Select:
    """Rows of the report, ordered by team, learner and course; only the viewer's teams."""
    stmt, c = completion_base(viewer, flt)
    members = c["members"]
    return (
        stmt.add_columns(
            Team.id.label("team_id"),
            Team.name.label("team"),
            User.id.label("learner_id"),
            User.display_name.label("learner"),
            User.email,
            Course.id.label("course_id"),
            Course.title.label("course"),
            Course.tier,
            Course.pass_mark,
            Enrollment.enrolled_at,
            c["done"].label("done"),
            c["total"].label("total"),
            c["status"].label("status"),
            ReportProgress.assignment_best,
            func.coalesce(ReportProgress.assignments_graded, 0).label("graded"),
            ReportProgress.exam_best,
            Certificate.public_id.label("certificate_id"),
            Certificate.issued_at.label("certificate_issued_at"),
            ReportProgress.last_activity_at.label("last_activity"),
        )
        .join(Team, Team.id == members.c.team_id)
        .join(User, User.id == Enrollment.user_id)
        .order_by(Team.name, Team.id, User.display_name, User.id, Course.title, Course.id)
    )


def _neutralized(column):
    """SQL for text a spreadsheet would run as a formula, with an apostrophe in front (both dialects)."""
    return case((func.substr(column, 1, 1).in_(FORMULA_PREFIXES), literal("'") + column), else_=column)


def _utc_text(column, dialect: str):
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS")
    return func.substr(column, 1, 19)  # SQLite stores UTC as 'YYYY-MM-DD HH:MM:SS.ffffff'


def csv_statement(viewer: User, flt: ReportFilter, dialect: str) -> Select:
    """The report's rows already formatted for CSV by the database, in EXPORT_COLUMNS order.

    Neutralising, rounding and date formatting happen in SQL, so the export loop only writes
    what the cursor returns (the cost of a CSV over the bare query is then the writing itself).
    """
    stmt, c = completion_base(viewer, flt)
    done, total = c["done"], c["total"]
    progress = case((total == 0, 0), (done >= total, 100), else_=(done * 200 + total) // (total * 2))  # half up
    exam = ReportProgress.exam_best
    return (
        stmt.add_columns(
            _neutralized(Team.name),
            _neutralized(User.display_name),
            _neutralized(User.email),
            _neutralized(Course.title),
            Course.tier,
            _utc_text(Enrollment.enrolled_at, dialect),
            progress,
            c["status"],
            func.round(cast(ReportProgress.assignment_best, Numeric), 1),
            func.coalesce(ReportProgress.assignments_graded, 0),
            func.round(cast(exam, Numeric), 1),
            case((exam >= Course.pass_mark, "yes"), (exam < Course.pass_mark, "no")),
            Certificate.public_id,
            _utc_text(Certificate.issued_at, dialect),
            _utc_text(ReportProgress.last_activity_at, dialect),
        )
        .join(Team, Team.id == c["members"].c.team_id)
        .join(User, User.id == Enrollment.user_id)
        .order_by(Team.name, Team.id, User.display_name, User.id, Course.title, Course.id)
    )


NUMBER_COLUMNS = (6, 8, 9, 10)
PLAIN_COLUMNS = (4, 5, 7, 11, 13, 14)  # tier, status, yes/no and UTC dates: never a comma or a quote


def csv_line_statement(viewer: User, flt: ReportFilter, dialect: str) -> Select:
    """Each report row as one finished CSV line, built by the database (text quoted, quotes doubled).

    The same idea as PostgreSQL's COPY ... WITH (FORMAT csv), in SQL both dialects run: the
    export then only joins lines, which keeps a 200,000-row CSV close to the bare query's cost.
    """
    stmt = csv_statement(viewer, flt, dialect)
    parts = []
    for index, column in enumerate(stmt.selected_columns):
        if index in NUMBER_COLUMNS:
            parts.append(func.coalesce(cast(column, String), ""))
        elif index in PLAIN_COLUMNS:
            parts.append(func.coalesce(column, ""))
        else:
            quoted = literal('"') + func.replace(cast(column, String), '"', '""') + '"'
            parts.append(func.coalesce(quoted, ""))
    line = parts[0]
    for part in parts[1:]:
        line = line + "," + part
    return stmt.with_only_columns(line.label("line"), maintain_column_froms=True)


def check_filter(viewer: User, flt: ReportFilter) -> None:
    """A team named in the filter must be one the viewer may read (the query scopes anyway)."""
    if flt.team_id is not None:
        allowed = db.session.scalar(
            select(Team.id).where(Team.id == flt.team_id, Team.id.in_(visible_team_ids(viewer)))
        )
        if allowed is None:
            raise ReportAccessError(flt.team_id)


def percent(done: int, total: int) -> int:
    """Whole percent of items done, rounded half up as the SQL exports do, at most 100."""
    return 0 if not total else 100 if done >= total else (done * 200 + total) // (2 * total)


def to_row(r) -> CompletionRow:
    """A result row as a report row: progress as a whole percent, exam verdict by the pass mark."""
    exam = None if r.exam_best is None else round(r.exam_best, 1)
    return CompletionRow(
        r.team_id,
        r.team,
        r.learner_id,
        r.learner,
        r.email,
        r.course_id,
        r.course,
        r.tier,
        r.enrolled_at,
        percent(r.done, r.total),
        r.status,
        None if r.assignment_best is None else round(r.assignment_best, 1),
        r.graded,
        exam,
        None if exam is None else exam >= r.pass_mark,
        r.certificate_id,
        r.certificate_issued_at,
        r.last_activity,
    )


def completion_rows(
    viewer: User, flt: ReportFilter, *, limit: int | None = None, offset: int = 0
) -> Iterator[CompletionRow]:
    """Stream the report's rows (server-side cursor on PostgreSQL); a page when `limit` is given."""
    check_filter(viewer, flt)
    stmt = completion_statement(viewer, flt)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    result = db.session.execute(stmt.execution_options(yield_per=2000))
    return (to_row(r) for r in result)


EXPORT_COLUMNS = (
    ("team", "Team"),
    ("learner", "Learner"),
    ("email", "E-mail"),
    ("course", "Course"),
    ("tier", "Tier"),
    ("enrolled_at", "Enrolled at (UTC)"),
    ("progress", "Progress %"),
    ("status", "Status"),
    ("assignment_best", "Best assignment score %"),
    ("assignments_graded", "Assignments graded"),
    ("exam_best", "Exam score %"),
    ("exam_passed", "Exam passed"),
    ("certificate_id", "Certificate id"),
    ("certificate_issued_at", "Certificate issued (UTC)"),
    ("last_activity", "Last activity (UTC)"),
)
TEXT_COLUMNS = (0, 1, 2, 3)
DATE_COLUMNS = (5, 13, 14)


def export_rows(viewer: User, flt: ReportFilter) -> Iterator[tuple]:
    """The report as plain tuples in EXPORT_COLUMNS order, streamed through Core (no ORM per row).

    Dates come as datetimes on PostgreSQL and as stored ISO text on SQLite (parsing 400,000
    of them is what an export would otherwise spend its time on); callers format either.
    """
    check_filter(viewer, flt)
    stmt = completion_statement(viewer, flt)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        stmt = _dates_as_text(stmt)
    result = connection.execute(stmt.execution_options(yield_per=5000, stream_results=True))
    return _export_tuples(result)


def _export_tuples(result) -> Iterator[tuple]:
    pct = round
    for (
        _team_id,
        team,
        _learner_id,
        learner,
        email,
        _course_id,
        course,
        tier,
        pass_mark,
        enrolled_at,
        done,
        total,
        status,
        assignment_best,
        graded,
        exam,
        certificate_id,
        certificate_issued_at,
        last_activity,
    ) in (row for chunk in result.partitions() for row in chunk):
        yield (
            team,
            learner,
            email,
            course,
            tier,
            enrolled_at,
            percent(done, total),
            status,
            None if assignment_best is None else pct(assignment_best, 1),
            graded,
            None if exam is None else pct(exam, 1),
            None if exam is None else exam >= pass_mark,
            certificate_id,
            certificate_issued_at,
            last_activity,
        )


def _dates_as_text(stmt: Select) -> Select:
    from sqlalchemy import String, type_coerce

    replaced = []
    for col in stmt.selected_columns:
        if col.key in ("enrolled_at", "certificate_issued_at", "last_activity"):
            replaced.append(type_coerce(col, String).label(col.key))
        else:
            replaced.append(col)
    return stmt.with_only_columns(*replaced, maintain_column_froms=True)
