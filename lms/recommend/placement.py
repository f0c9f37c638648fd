"""The placement quiz (courses/placement.yml): a few questions per course; a course answered
entirely right is marked known (its skills set to mastered), so recommendations skip it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l
from pydantic import Field, ValidationError
from sqlalchemy import select

from lms.catalog.models import TIERS, Course, Module
from lms.catalog.schema import QuizQuestion, Slug, Title, _Strict
from lms.errors import UserError
from lms.extensions import db
from lms.recommend.mastery import mark_known
from lms.recommend.models import LearningGoal, PlacementResult

_cache: dict[Path, tuple[float, PlacementFile]] = {}


class PlacementQuestion(QuizQuestion):
    module: Slug  # the module of the section's course this question checks


class PlacementSection(_Strict):
    course: Slug
    questions: list[PlacementQuestion] = Field(min_length=1, max_length=10)


class PlacementFile(_Strict):
    title: Title
    intro: str = Field(default="", max_length=2000)
    sections: list[PlacementSection] = Field(min_length=1)


class PlacementError(UserError):
    """The placement file is missing or invalid, or the answers are incomplete."""


def load_placement(courses_dir: Path) -> PlacementFile:
    """Parse and check courses/placement.yml (re-read when the file changes)."""
    path = Path(courses_dir) / "placement.yml"
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise PlacementError(_l("There is no placement quiz on this site.")) from exc
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        parsed = PlacementFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise PlacementError(f"{path.name}: {exc}") from exc
    _cache[path] = (mtime, parsed)
    return parsed


def check_against_catalog(quiz: PlacementFile) -> list[str]:
    """Problems with course and module slugs that the catalog does not have."""
    known = {(c, m) for c, m in db.session.execute(select(Course.slug, Module.slug).join(Module))}
    courses = {c for c, _ in known}
    problems = []
    for section in quiz.sections:
        if section.course not in courses:
            problems.append(f"placement.yml: unknown course {section.course}")
        problems += [
            f"placement.yml: {section.course} has no module {q.module}"
            for q in section.questions
            if section.course in courses and (section.course, q.module) not in known
        ]
    return problems


@dataclass(frozen=True)
class Placement:
    result: PlacementResult
    known_courses: list[str]
    unanswered: list[int]  # question numbers (1-based, as the form shows them) left blank


def take_placement(user_id: int, quiz: PlacementFile, answers: dict[str, list[int]]) -> Placement:
    """Grade the answers, mark the skills of every course answered entirely right, suggest a goal tier.
    Unanswered questions count as wrong, so a course with one skipped is not marked known."""
    questions = [f"{s.course}/{q.id}" for s in quiz.sections for q in s.questions]
    # Skipping is allowed ("answer what you know"): a skipped question counts as not known.
    unanswered = [number for number, key in enumerate(questions, 1) if not answers.get(key)]
    score = max_score = 0.0
    known_courses, known_modules, skills = [], [], []
    for section in quiz.sections:
        right = True  # every question of the section answered right
        for q in section.questions:
            max_score += q.points
            chosen = sorted(set(answers.get(f"{section.course}/{q.id}") or ()))
            if chosen == sorted(i for i, o in enumerate(q.options) if o.correct):
                score += q.points
            else:
                right = False
        course = db.session.scalar(select(Course).where(Course.slug == section.course))
        if right and course is not None:
            known_courses.append(course.slug)
            for module in course.modules:
                if module.archived_at is None:
                    known_modules.append(f"{course.slug}/{module.slug}")
                    skills += list(module.skills or ())
    if skills:
        mark_known(user_id, list(dict.fromkeys(skills)))
    tier = _suggested_tier(quiz, known_courses)
    result = PlacementResult(
        user_id=user_id,
        score=score,
        max_score=max_score,
        answers=answers,
        known_modules=known_modules,
        suggested_tier=tier,
    )
    db.session.add(result)
    if db.session.get(LearningGoal, user_id) is None:
        db.session.add(LearningGoal(user_id=user_id, tier=tier))
    db.session.flush()
    return Placement(result, known_courses, unanswered)


def _suggested_tier(quiz: PlacementFile, known: list[str]) -> str:
    """The lowest tier with a course of the quiz not known (advanced when all are known)."""
    tiers = dict(db.session.execute(select(Course.slug, Course.tier)).all())
    missing = [tiers[s.course] for s in quiz.sections if s.course not in known and s.course in tiers]
    return min(missing, key=TIERS.index) if missing else TIERS[-1]


def section_titles(quiz: PlacementFile) -> dict[str, tuple[str, str]]:
    """Course slug -> (title, tier) for the quiz's section headings."""
    slugs = [s.course for s in quiz.sections]
    rows = db.session.execute(select(Course.slug, Course.title, Course.tier).where(Course.slug.in_(slugs)))
    return {slug: (title, tier) for slug, title, tier in rows}


def latest_placement(user_id: int) -> PlacementResult | None:
    """The learner's latest placement result, if any."""
    return db.session.scalar(
        select(PlacementResult).where(PlacementResult.user_id == user_id).order_by(PlacementResult.id.desc()).limit(1)
    )
