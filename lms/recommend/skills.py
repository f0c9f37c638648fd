"""The learner's skills page and dashboard card: mastery per skill, assigned paths, next up."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from lms.catalog.skills import skill_title, skill_titles
from lms.extensions import db
from lms.recommend import paths, ranking, services
from lms.recommend.mastery import mastery_of
from lms.recommend.models import LearningGoal
from lms.recommend.placement import latest_placement


@dataclass(frozen=True)
class SkillRow:
    skill: str
    title: str  # what the learner reads (courses/skills.yml, else derived from the slug)
    module_title: str
    percent: int
    status: str  # mastered | learning | not_started
    observations: int
    placed: bool


@dataclass
class CourseSkills:
    slug: str
    title: str
    tier: str
    rows: list[SkillRow] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    courses: list[CourseSkills]
    goal: str | None
    placement_taken: bool
    mastered: int
    total: int


def overview(user_id: int) -> Overview:
    """Every skill of the catalog, grouped by course in catalog order, with the learner's mastery."""
    catalog, _items, _by_id = services.catalog_graph()
    rows = mastery_of(user_id)
    titles = skill_titles(current_app.config["COURSES_DIR"])
    courses: dict[int, CourseSkills] = {}
    for module in catalog.modules:
        group = courses.setdefault(module.course_id, CourseSkills(module.course_slug, module.course_title, module.tier))
        for skill in module.skills:
            row = rows.get(skill)
            p = row.p_known if row else 0.0
            status = "mastered" if p >= ranking.MASTERED else ("learning" if row else "not_started")
            group.rows.append(
                SkillRow(
                    skill,
                    skill_title(skill, titles),
                    module.title,
                    round(100 * p),
                    status,
                    row.observations if row else 0,
                    bool(row and row.placed),
                )
            )
    all_rows = [r for c in courses.values() for r in c.rows]
    goal = db.session.get(LearningGoal, user_id)
    return Overview(
        list(courses.values()),
        goal.tier if goal else None,
        latest_placement(user_id) is not None,
        sum(r.status == "mastered" for r in all_rows),
        len(all_rows),
    )


@dataclass(frozen=True)
class DashboardPanel:
    paths: list[paths.AssignedPath]
    next_up: list[services.Shown]
    offer_placement: bool


def dashboard_panel(user_id: int) -> DashboardPanel:
    """What the dashboard shows first: assigned paths, the top 3 next modules, the placement offer."""
    next_up, state = services.recommendations_and_state(user_id)
    offer = not state.mastery and latest_placement(user_id) is None  # state.mastery: every mastery row
    return DashboardPanel(paths.learner_paths(user_id), next_up, offer)
