"""The attempt that counts: for a learner and a graded item, the one attempt the item's `keep:` keeps.

Read from the learning-event log, the record that ticks, progress, certificates, reports and advice
all derive from: every quiz attempt appends `quiz_submitted` and every graded assignment round (or
changed manual mark) appends `assignment_graded` with the score after late penalty, so the latest
event of an attempt is its score now. `keep: best` (the default) keeps the highest percentage, the
earliest attempt on a tie, as `lms.assignments.policy.Policy.counting` does; `keep: last` keeps the
latest attempt. An item is passed when its counting attempt reaches the item's pass mark, else the
course's; lessons are done once read; the course exam counts its best attempt.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from lms.catalog.models import Course, Item, Module
from lms.extensions import db
from lms.learning.models import LearningEvent, LearningEventKind

GRADED_KINDS = (LearningEventKind.QUIZ_SUBMITTED, LearningEventKind.ASSIGNMENT_GRADED)
KEEP_POLICIES = ("best", "last")


@dataclass(frozen=True)
class Rule:
    """How a graded item is judged: its pass mark (percent) and which attempt counts."""

    pass_mark: int
    keep: str = "best"


def rule_of(item_data: dict[str, Any] | None, course_pass_mark: int) -> Rule:
    """The item's pass mark, else the course's; its `keep:`, else best."""
    data = item_data or {}
    mark = data.get("pass_mark")
    keep = data.get("keep") if data.get("keep") in KEEP_POLICIES else "best"
    return Rule(int(mark) if mark is not None else course_pass_mark, str(keep))


@dataclass(frozen=True)
class Counted:
    """The attempt that counts at one item (item_id None: the course exam) for one learner."""

    item_id: int | None
    attempt_id: int  # QuizAttempt.id, Submission.id or ExamAttempt.id (the event's id if it names none)
    score: float  # an assignment's after late penalty, manual marks included
    max_score: float
    pass_mark: int
    attempts: int  # how many attempts were made (graded ones, for assignments)
    at: datetime  # when this attempt's current score was recorded
    keep: str = "best"

    @property
    def percent(self) -> float:
        return 100 * self.score / self.max_score if self.max_score else 0.0

    @property
    def passed(self) -> bool:
        """At or above the pass mark (compared without rounding: 69.6 % does not pass 70 %)."""
        return self.max_score > 0 and self.score * 100 >= self.pass_mark * self.max_score - 1e-9


@dataclass(frozen=True)
class _Attempt:
    key: int
    score: float
    max_score: float
    at: datetime


def _attempt_key(event_id: int, data: dict[str, Any] | None) -> int:
    """The attempt an event scores: a quiz attempt, a submission (any of its rounds), else the event."""
    data = data or {}
    key = data.get("attempt_id") or data.get("submission_id")
    return int(key) if key else -event_id  # negative: never equal to a real attempt id


def choose(
    item_id: int | None, events: Iterable[tuple[int, float, float, dict | None, datetime]], rule: Rule
) -> Counted | None:
    """Fold one learner's events at one item, oldest first, (event id, score, max score, data, time),
    into the attempt that counts under `rule`; None when nothing was scored."""
    attempts: dict[int, _Attempt] = {}
    for event_id, score, max_score, data, at in events:
        if score is None or not max_score:
            continue
        key = _attempt_key(event_id, data)
        attempts[key] = _Attempt(key, float(score), float(max_score), at)  # a later round replaces
    if not attempts:
        return None
    ordered = sorted(attempts.values(), key=lambda a: (a.key < 0, abs(a.key)))
    # max() keeps the first of equal percentages: the earliest attempt
    kept = ordered[-1] if rule.keep == "last" else max(ordered, key=lambda a: a.score / a.max_score)
    return Counted(
        item_id, abs(kept.key), kept.score, kept.max_score, rule.pass_mark, len(attempts), kept.at, rule.keep
    )


def _graded_rows(*where: Any) -> Select[Any]:
    """Graded events of live-or-archived items with each item's rule, in log order."""
    return (
        select(
            LearningEvent.user_id,
            LearningEvent.item_id,
            LearningEvent.id,
            LearningEvent.score,
            LearningEvent.max_score,
            LearningEvent.data,
            LearningEvent.occurred_at,
            Item.data["pass_mark"].as_integer(),
            Item.data["keep"].as_string(),
            Course.pass_mark,
        )
        .join(Item, Item.id == LearningEvent.item_id)
        .join(Course, Course.id == Item.course_id)
        .where(LearningEvent.kind.in_(GRADED_KINDS), *where)
        .order_by(LearningEvent.user_id, LearningEvent.item_id, LearningEvent.id)
    )


def _fold_rows(rows: Iterable[Any]) -> Iterator[tuple[int, Counted]]:
    """(user id, counted) per (learner, item) from `_graded_rows` rows."""
    group: list[Any] = []
    for row in rows:
        if group and (row[0], row[1]) != (group[0][0], group[0][1]):
            yield from _counted(group)
            group = []
        group.append(row)
    if group:
        yield from _counted(group)


def _counted(group: list[Any]) -> Iterator[tuple[int, Counted]]:
    first = group[0]
    rule = rule_of({"pass_mark": first[7], "keep": first[8]}, first[9])
    counted = choose(first[1], ((r[2], r[3], r[4], r[5], r[6]) for r in group), rule)
    if counted is not None:
        yield first[0], counted


def counting_attempt(user_id: int, item: Item) -> Counted | None:
    """The learner's attempt that counts at one quiz or assignment (None before any is scored)."""
    rows = db.session.execute(_graded_rows(LearningEvent.user_id == user_id, LearningEvent.item_id == item.id))
    return next((c for _uid, c in _fold_rows(rows)), None)


def counting_attempts(user_id: int, course_id: int) -> dict[int, Counted]:
    """Item id -> the learner's attempt that counts, for every graded item of a course they attempted."""
    rows = db.session.execute(_graded_rows(LearningEvent.user_id == user_id, LearningEvent.course_id == course_id))
    return {c.item_id: c for _uid, c in _fold_rows(rows) if c.item_id is not None}


def course_counting_attempts(course_id: int, user_ids: Iterable[int] | None = None) -> dict[tuple[int, int], Counted]:
    """(learner id, item id) -> the attempt that counts, for every learner (or these) of a course:
    one query, for gradebooks and reports."""
    where = [LearningEvent.course_id == course_id]
    if user_ids is not None:
        where.append(LearningEvent.user_id.in_(list(user_ids)))
    rows = db.session.execute(_graded_rows(*where))
    return {(uid, c.item_id): c for uid, c in _fold_rows(rows) if c.item_id is not None}


def counting_exam(user_id: int, course_id: int, pass_mark: int) -> Counted | None:
    """The learner's exam attempt that counts: the best one (exams keep the best; a passed attempt is kept)."""
    rows = db.session.execute(
        select(
            LearningEvent.id,
            LearningEvent.score,
            LearningEvent.max_score,
            LearningEvent.data,
            LearningEvent.occurred_at,
        )
        .where(
            LearningEvent.user_id == user_id,
            LearningEvent.course_id == course_id,
            LearningEvent.kind == LearningEventKind.EXAM_SUBMITTED,
        )
        .order_by(LearningEvent.id)
    )
    return choose(None, rows, Rule(pass_mark, "best"))


def passed_item_ids(user_id: int, course_ids: Iterable[int]) -> dict[int, set[int]]:
    """Course id -> the live items this learner has done: lessons read, quizzes and assignments whose
    counting attempt reaches the pass mark (two queries for any number of courses)."""
    course_ids = list(course_ids)
    done: dict[int, set[int]] = {cid: set() for cid in course_ids}
    if not course_ids:
        return done
    live = (Item.archived_at.is_(None), Module.archived_at.is_(None))
    lessons = db.session.execute(
        select(LearningEvent.course_id, LearningEvent.item_id)
        .join(Item, Item.id == LearningEvent.item_id)
        .join(Module, Module.id == Item.module_id)
        .where(
            LearningEvent.user_id == user_id,
            LearningEvent.course_id.in_(course_ids),
            LearningEvent.kind == LearningEventKind.LESSON_COMPLETED,
            *live,
        )
    )
    for course_id, item_id in lessons:
        done[course_id].add(item_id)
    graded = (
        _graded_rows(LearningEvent.user_id == user_id, LearningEvent.course_id.in_(course_ids), *live)
        .join(Module, Module.id == Item.module_id)
        .add_columns(LearningEvent.course_id)
    )
    course_of: dict[int, int] = {}
    rows = list(db.session.execute(graded))
    for row in rows:
        course_of[row[1]] = row[-1]
    for _uid, counted in _fold_rows(r[:-1] for r in rows):
        if counted.passed and counted.item_id is not None:
            done[course_of[counted.item_id]].add(counted.item_id)
    return done
