"""Mastery per learner and skill: evidence from the event log, incremental BKT updates, parameters.

Evidence (documented in README, "Personalized paths"):
- quiz_submitted, assignment_graded, exam_submitted with a score: one graded answer per skill
  of the item's module (an exam without an item: every skill of its course); right when the
  score reaches the quiz's pass mark (else the course's), wrong otherwise.
- lesson_completed: a learning opportunity without evidence (the learner may have learned,
  nothing was tested), so mastery rises a little by `learn` and never to "mastered" alone.
- enrolled, workshop_attended: no evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from lms.catalog.models import Course, Item, Module
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LearningEvent, LearningEventKind
from lms.recommend.models import SkillMastery, SkillParameter

if TYPE_CHECKING:
    from lms.recommend import bkt

GRADED_KINDS = (LearningEventKind.QUIZ_SUBMITTED, LearningEventKind.ASSIGNMENT_GRADED, LearningEventKind.EXAM_SUBMITTED)
OPPORTUNITY_KINDS = (LearningEventKind.LESSON_COMPLETED,)
PLACED = 0.97  # P(known) given to a skill the placement quiz marked as known


@dataclass(frozen=True)
class Evidence:
    """What one event says about a set of skills: None for "studied, not tested"."""

    skills: tuple[str, ...]
    correct: bool | None
    score_pct: float | None = None
    item_id: int | None = None


def pass_fraction(item_data: dict | None, course_pass_mark: int) -> float:
    """The share of points that counts as a pass: the quiz's pass mark, else the course's."""
    mark = (item_data or {}).get("pass_mark")
    return (mark if mark is not None else course_pass_mark) / 100


def evidence_of(event: LearningEvent) -> Evidence | None:
    """Turn a learning event into BKT evidence, or None when it says nothing about skills."""
    graded = event.kind in GRADED_KINDS and event.score is not None and event.max_score
    if not graded and event.kind not in OPPORTUNITY_KINDS:
        return None
    course = db.session.get(Course, event.course_id)
    item = db.session.get(Item, event.item_id) if event.item_id else None
    if item is not None:
        skills = tuple(db.session.get(Module, item.module_id).skills or ())
    else:
        modules = db.session.scalars(select(Module.skills).where(Module.course_id == event.course_id))
        skills = tuple(dict.fromkeys(s for m in modules for s in (m or ())))
    if not skills or course is None:
        return None
    if not graded:
        return Evidence(skills, None, item_id=event.item_id)
    ratio = event.score / event.max_score
    passed = ratio >= pass_fraction(item.data if item else None, course.pass_mark)
    return Evidence(skills, passed, round(100 * ratio, 1), event.item_id)


def parameters(skills: list[str] | tuple[str, ...] | None = None) -> dict[str, bkt.Params]:
    """Fitted parameters of these skills (all if None); a skill without a row gets the defaults."""
    from lms.recommend import bkt  # numpy loads with the first mastery update, not at app start

    stmt = select(SkillParameter)
    if skills is not None:
        stmt = stmt.where(SkillParameter.skill.in_(list(skills)))
    rows = {r.skill: bkt.Params(r.prior, r.learn, r.guess, r.slip, r.forget) for r in db.session.scalars(stmt)}
    return rows if skills is None else {s: rows.get(s, bkt.DEFAULTS) for s in skills}


def apply_event(event: LearningEvent) -> list[SkillMastery]:
    """Update the learner's mastery of the event's skills by one BKT step (no refit); returns the rows flushed."""
    from lms.recommend import bkt

    evidence = evidence_of(event)
    if evidence is None:
        return []
    params = parameters(evidence.skills)
    rows = {
        r.skill: r
        for r in db.session.scalars(
            select(SkillMastery).where(SkillMastery.user_id == event.user_id, SkillMastery.skill.in_(evidence.skills))
        )
    }
    updated = []
    for skill in evidence.skills:
        row = rows.get(skill)
        if row is None:
            row = SkillMastery(
                user_id=event.user_id, skill=skill, p_known=params[skill].prior, observations=0, correct=0
            )
            db.session.add(row)
        elif row.last_event_id is not None and row.last_event_id >= event.id:
            continue  # already counted (a refit ran after this event)
        row.p_known = bkt.step(row.p_known, params[skill], evidence.correct)
        if evidence.correct is not None:
            row.observations += 1
            row.correct += int(evidence.correct)
            row.last_item_id, row.last_score_pct, row.last_passed = (
                evidence.item_id,
                evidence.score_pct,
                evidence.correct,
            )
        row.last_event_id = event.id
        row.updated_at = utcnow()
        updated.append(row)
    db.session.flush()
    return updated


def mark_known(user_id: int, skills: list[str]) -> None:
    """Set these skills to PLACED (from the placement quiz), keeping any higher estimate."""
    rows = {
        r.skill: r
        for r in db.session.scalars(
            select(SkillMastery).where(SkillMastery.user_id == user_id, SkillMastery.skill.in_(skills))
        )
    }
    for skill in skills:
        row = rows.get(skill) or SkillMastery(user_id=user_id, skill=skill, p_known=0.0, observations=0, correct=0)
        db.session.add(row)
        row.p_known, row.placed, row.updated_at = max(row.p_known, PLACED), True, utcnow()
    db.session.flush()


def mastery_of(user_id: int) -> dict[str, SkillMastery]:
    """The learner's mastery rows by skill."""
    return {r.skill: r for r in db.session.scalars(select(SkillMastery).where(SkillMastery.user_id == user_id))}
