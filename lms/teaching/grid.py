"""The course gradebook grid: every learner by every graded item (quizzes, notebook assignments, the
exam), each cell the attempt that counts under the item's `keep:` (an assignment's score after late
penalty with manual marks and adjustments, as its `assignment_graded` events carry it), with row
totals, column averages and a CSV of the same grid.

Teaching owns the page; the scores come from the learning-event log (`lms.learning.counting`) and the
exam's settings from certification, so this module sits above both."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course, Item
from lms.certification.rules import certification_of
from lms.extensions import db
from lms.learning import counting
from lms.learning.models import Enrollment, LearningEvent, LearningEventKind
from lms.spreadsheets import neutralize

GRADED = ("quiz", "assignment")


@dataclass(frozen=True)
class Column:
    """One graded item; `item` is None for the course exam."""

    item: Item | None
    kind: str  # quiz, assignment, exam
    title: str
    max_score: float  # the points an attempt is out of (the exam: its usual draw)
    pass_mark: int


@dataclass(frozen=True)
class Cell:
    """A learner's attempt that counts at one column."""

    score: float
    max_score: float
    attempts: int
    passed: bool
    submission_id: int | None  # assignments: the submission to open

    @property
    def percent(self) -> float:
        return 100 * self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class Row:
    """One learner: a cell (or None: not attempted) per column, and the totals."""

    learner: User
    cells: list[Cell | None]
    total: float  # points of the counting attempts
    possible: float  # what every column is out of (a column not attempted counts its points, none earned)

    @property
    def percent(self) -> float:
        return 100 * self.total / self.possible if self.possible else 0.0


@dataclass(frozen=True)
class Grid:
    course: Course
    columns: list[Column]
    rows: list[Row]

    def average(self, index: int) -> float | None:
        """The column's mean percentage over the learners who attempted it (None: nobody did)."""
        cells = [r.cells[index] for r in self.rows if r.cells[index] is not None]
        return sum(c.percent for c in cells if c) / len(cells) if cells else None

    @property
    def average_percent(self) -> float | None:
        return sum(r.percent for r in self.rows) / len(self.rows) if self.rows else None


def _item_max(item: Item) -> float:
    if item.kind == "assignment":
        return float(item.data.get("max_points") or 0)
    return float(sum(q.get("points", 1) for q in item.data.get("questions") or []))


def _columns(course: Course) -> list[Column]:
    """Graded items in syllabus order, then the exam if the course has one."""
    columns = []
    for _module, items in catalog.syllabus(course):
        for item in items:
            if item.kind in GRADED:
                rule = counting.rule_of(item.data, course.pass_mark)
                columns.append(Column(item, item.kind, item.title, _item_max(item), rule.pass_mark))
    stored = certification_of(course)
    if stored and stored.exam:
        exam = stored.exam
        bank = exam.get("bank") or []
        per_question = sum(q.get("points", 1) for q in bank) / len(bank) if bank else 1.0
        drawn = min(int(exam.get("questions") or len(bank)), len(bank)) or len(bank)
        title = exam.get("title") or str(_l("Course exam"))
        columns.append(Column(None, "exam", title, round(drawn * per_question, 4), exam["pass_mark"]))
    return columns


def _exam_cells(course: Course, pass_mark: int) -> dict[int, counting.Counted]:
    """Each learner's best exam attempt, from one query of the log."""
    rows = db.session.execute(
        select(
            LearningEvent.user_id,
            LearningEvent.id,
            LearningEvent.score,
            LearningEvent.max_score,
            LearningEvent.data,
            LearningEvent.occurred_at,
        )
        .where(LearningEvent.course_id == course.id, LearningEvent.kind == LearningEventKind.EXAM_SUBMITTED)
        .order_by(LearningEvent.user_id, LearningEvent.id)
    )
    by_user: dict[int, list[tuple]] = defaultdict(list)
    for user_id, *event in rows:
        by_user[user_id].append(tuple(event))
    rule = counting.Rule(pass_mark, "best")
    best = {uid: counting.choose(None, events, rule) for uid, events in by_user.items()}
    return {uid: c for uid, c in best.items() if c is not None}


def _cell(counted: counting.Counted | None, column: Column) -> Cell | None:
    if counted is None:
        return None
    submission = counted.attempt_id if column.kind == "assignment" else None
    return Cell(counted.score, counted.max_score, counted.attempts, counted.passed, submission)


def course_grid(course: Course) -> Grid:
    """The grid of a course: its enrolled learners by name, one cell per graded item and the exam."""
    columns = _columns(course)
    learners = list(
        db.session.scalars(
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course.id)
            .order_by(User.display_name, User.id)
        )
    )
    counted = counting.course_counting_attempts(course.id, [u.id for u in learners]) if learners else {}
    exam = next((c for c in columns if c.kind == "exam"), None)
    exams = _exam_cells(course, exam.pass_mark) if exam else {}
    rows = []
    for learner in learners:
        cells = [
            _cell(exams.get(learner.id) if c.item is None else counted.get((learner.id, c.item.id)), c) for c in columns
        ]
        total = sum(cell.score for cell in cells if cell)
        possible = sum(cell.max_score if cell else c.max_score for cell, c in zip(cells, columns, strict=True))
        rows.append(Row(learner, cells, round(total, 4), round(possible, 4)))
    return Grid(course, columns, rows)


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def grid_csv(grid: Grid) -> str:
    """The grid as CSV, one line per learner: each column's counting score (empty: not attempted),
    then the total, what it is out of and the percentage. Titles and names cannot run as formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    titles = [neutralize(f"{c.title} ({c.kind}, /{_points(c.max_score)})") for c in grid.columns]
    writer.writerow(["email", "name", *titles, "total", "possible", "percent"])
    for row in grid.rows:
        scores = ["" if cell is None else _points(cell.score) for cell in row.cells]
        writer.writerow(
            [
                neutralize(row.learner.email),
                neutralize(row.learner.display_name),
                *scores,
                _points(row.total),
                _points(row.possible),
                f"{row.percent:.1f}",
            ]
        )
    return out.getvalue()
