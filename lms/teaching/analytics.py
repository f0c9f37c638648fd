"""Content analytics of one course for its instructors: which questions, lessons and tests work.

A fixed handful of queries whatever the number of learners: counts are grouped in SQL; quiz and
exam answers and grading results are JSON, decoded here once per counted attempt or current grade.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Text, and_, cast, func, select

from lms.assignments.models import Grade, Submission
from lms.catalog import services as catalog
from lms.catalog.models import Course, Item, Module
from lms.certification import exams
from lms.certification.models import ExamAttempt
from lms.extensions import db
from lms.learning import counting
from lms.learning.models import Enrollment, LearningEvent, LearningEventKind, QuizAttempt
from lms.spreadsheets import neutralize
from lms.teaching.item_analysis import QuestionStats, Scored, analyse, error_line, marker


@dataclass(frozen=True)
class Assessment:
    """A quiz (item set) or the course exam (item None), one counted attempt per learner."""

    title: str
    item: Item | None
    learners: int
    questions: list[QuestionStats]


@dataclass(frozen=True)
class LessonReach:
    module: Module
    item: Item
    learners: int  # enrolled learners who completed it
    reach: float  # of the enrolled
    previous: int  # learners at the step before (the enrolled, for the first lesson)

    @property
    def lost(self) -> int:
        return self.previous - self.learners

    @property
    def drop(self) -> float | None:
        """Share of the previous step's learners not found at this one (negative: more came)."""
        return self.lost / self.previous if self.previous else None


@dataclass(frozen=True)
class TestStats:
    name: str
    graded: int  # current grades that ran this test
    failed: int
    error_line: str  # the most common error line of its failures ("" if they had no message)
    error_count: int

    @property
    def failure_rate(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class AssignmentTests:
    item: Item
    graded: int  # submissions whose current grading round is done
    broken: int  # of which the whole run failed (no test results)
    tests: list[TestStats]


@dataclass(frozen=True)
class ContentAnalytics:
    course: Course
    enrolled: int
    lessons: list[LessonReach]
    assessments: list[Assessment]
    assignments: list[AssignmentTests]


def course_analytics(course: Course) -> ContentAnalytics:
    """Per question share correct and discrimination, per lesson reach and drop-off, per assignment
    test failure rate and commonest error: the course's live content in syllabus order."""
    steps = [(module, item) for module, items in catalog.syllabus(course) for item in items]
    enrolled = db.session.scalar(select(func.count()).where(Enrollment.course_id == course.id)) or 0
    quizzes = [item for _m, item in steps if item.kind == "quiz"]
    assessments = _quizzes(course, quizzes)
    exam = _exam(course)
    if exam is not None:
        assessments.append(exam)
    return ContentAnalytics(
        course,
        enrolled,
        _lessons(course, [(m, i) for m, i in steps if i.kind == "lesson"], enrolled),
        assessments,
        _assignments([item for _m, item in steps if item.kind == "assignment"]),
    )


def _lessons(course: Course, lessons: list[tuple[Module, Item]], enrolled: int) -> list[LessonReach]:
    """Enrolled learners who completed each lesson, and how many of the step before are missing."""
    counts = dict(
        db.session.execute(
            select(LearningEvent.item_id, func.count(func.distinct(LearningEvent.user_id)))
            .join(
                Enrollment,
                and_(Enrollment.user_id == LearningEvent.user_id, Enrollment.course_id == LearningEvent.course_id),
            )
            .where(LearningEvent.course_id == course.id, LearningEvent.kind == LearningEventKind.LESSON_COMPLETED)
            .group_by(LearningEvent.item_id)
        ).all()
    )
    rows, previous = [], enrolled
    for module, item in lessons:
        learners = counts.get(item.id, 0)
        rows.append(LessonReach(module, item, learners, learners / enrolled if enrolled else 0.0, previous))
        previous = learners
    return rows


def _quizzes(course: Course, quizzes: list[Item]) -> list[Assessment]:
    """Each quiz over the attempt that counts of each learner (the quiz's keep: policy, chosen by
    counting.choose from the quiz_submitted events); only those attempts' answers are decoded."""
    if not quizzes:
        return []
    ids = [q.id for q in quizzes]
    rules = {q.id: counting.rule_of(q.data, course.pass_mark) for q in quizzes}
    events = db.session.execute(
        select(
            LearningEvent.user_id,
            LearningEvent.item_id,
            LearningEvent.id,
            LearningEvent.score,
            LearningEvent.max_score,
            LearningEvent.data["attempt_id"].as_integer(),  # not the whole JSON: all a choice needs
            LearningEvent.occurred_at,
        )
        .where(LearningEvent.kind == LearningEventKind.QUIZ_SUBMITTED, LearningEvent.item_id.in_(ids))
        .order_by(LearningEvent.user_id, LearningEvent.item_id, LearningEvent.id)
    )
    counted = set()
    for (user_id, item_id), group in groupby(events, key=lambda row: (row[0], row[1])):
        rows = [(r[2], r[3], r[4], {"attempt_id": r[5]}, r[6]) for r in group]
        kept = counting.choose(item_id, rows, rules[item_id])
        # an event naming no attempt (choose then keys it by its own id) has no answers to read
        if kept is not None and any(data["attempt_id"] == kept.attempt_id for *_, data, _at in rows):
            counted.add((user_id, item_id, kept.attempt_id))
    attempts = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.item_id, cast(QuizAttempt.answers, Text))
        .where(QuizAttempt.item_id.in_(ids))
        .order_by(QuizAttempt.id)
    )
    questions = {q.id: q.data["questions"] for q in quizzes}
    asked = {q.id: [question["id"] for question in q.data["questions"]] for q in quizzes}
    marks = {q.id: marker(q.data["questions"]) for q in quizzes}
    scored: dict[int, list[Scored]] = {q.id: [] for q in quizzes}
    for attempt_id, user_id, item_id, answers in attempts:
        if (user_id, item_id, attempt_id) in counted:
            marked = marks[item_id](asked[item_id], _decoded(answers))
            if marked is not None:
                scored[item_id].append(marked)
    return [Assessment(q.title, q, len(scored[q.id]), analyse(questions[q.id], scored[q.id])) for q in quizzes]


def _exam(course: Course) -> Assessment | None:
    """The course exam over each learner's best submitted attempt (the one certificates count;
    the earliest of equal scores); attempts that ran out of time have no answers and are left out."""
    exam = exams.exam_of(course)
    if exam is None:
        return None
    rows = db.session.execute(
        select(ExamAttempt.user_id, ExamAttempt.score, ExamAttempt.max_score)
        .add_columns(cast(ExamAttempt.question_ids, Text), cast(ExamAttempt.answers, Text))
        .where(ExamAttempt.course_id == course.id, ExamAttempt.status == "submitted")
        .order_by(ExamAttempt.id)
    )
    best: dict[int, tuple[float, str, str]] = {}
    for user_id, got, out_of, asked, answers in rows:
        percent = (got or 0) / out_of if out_of else 0.0
        if user_id not in best or percent > best[user_id][0]:
            best[user_id] = (percent, asked, answers)
    mark = marker(exam["bank"])
    scored = [
        marked
        for _p, asked, answers in best.values()
        if (marked := mark(_decoded(asked) or [], _decoded(answers))) is not None
    ]
    return Assessment(exam.get("title") or "", None, len(scored), analyse(exam["bank"], scored))


def _decoded(text: str | None) -> Any:
    """A JSON column read as text (decoded only for the attempts kept)."""
    return json.loads(text) if text else None


def _assignments(items: list[Item]) -> list[AssignmentTests]:
    """Failure rate of each test over the current grade of every submission (a regraded submission
    counts its newest round only), with the commonest error line of its failures."""
    if not items:
        return []
    rows = db.session.execute(
        select(Submission.item_id, Grade.tests, Grade.error)
        .join(Grade, and_(Grade.submission_id == Submission.id, Grade.run == Submission.run))
        .where(Submission.item_id.in_([i.id for i in items]))
        .order_by(Submission.id)
    )
    graded: Counter[int] = Counter()
    broken: Counter[int] = Counter()
    ran: dict[int, Counter[str]] = {i.id: Counter() for i in items}  # test names in first-seen order
    failed: dict[int, Counter[str]] = {i.id: Counter() for i in items}
    lines: dict[tuple[int, str], Counter[str]] = {}
    for item_id, tests, error in rows:
        graded[item_id] += 1
        if error or not tests:
            broken[item_id] += 1
            continue
        for test in tests:
            name = str(test.get("name", ""))
            ran[item_id][name] += 1
            if not test.get("passed"):
                failed[item_id][name] += 1
                line = error_line(test.get("message"))
                if line:
                    lines.setdefault((item_id, name), Counter())[line] += 1
    out = []
    for item in items:
        stats = []
        for name, n in ran[item.id].items():
            common = lines.get((item.id, name), Counter()).most_common(1)
            line, count = common[0] if common else ("", 0)
            stats.append(TestStats(name, n, failed[item.id][name], line, count))
        out.append(AssignmentTests(item, graded[item.id], broken[item.id], stats))
    return out


CSV_HEADER = [
    "section",
    "item",
    "entry",
    "out_of",
    "count",
    "share",
    "upper",
    "lower",
    "discrimination",
    "flags",
    "drop_off",
    "error_line",
    "error_count",
]


def analytics_csv(report: ContentAnalytics) -> str:
    """The page's tables in one sheet, a line per question, lesson and test: `count` of `out_of` is
    correct of answered, completed of enrolled, failed of graded. Content and error text cannot run
    as formulas (an error line may quote what a learner's code printed)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for a in report.assessments:
        kind = "quiz question" if a.item else "exam question"
        for q in a.questions:
            writer.writerow(
                [kind, neutralize(a.title), neutralize(q.label), q.answered, q.correct]
                + [_ratio(v) for v in (q.share, q.upper, q.lower, q.discrimination)]
                + [" ".join(q.flags), "", "", ""]
            )
    for r in report.lessons:
        writer.writerow(
            ["lesson", neutralize(r.module.title), neutralize(r.item.title), report.enrolled, r.learners]
            + [_ratio(r.reach), "", "", "", "", _ratio(r.drop), "", ""]
        )
    for t in report.assignments:
        for test in t.tests:
            writer.writerow(
                ["test", neutralize(t.item.title), neutralize(test.name), test.graded, test.failed]
                + [_ratio(test.failure_rate), "", "", "", "", ""]
                + [neutralize(test.error_line), test.error_count or ""]
            )
    return out.getvalue()


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
