"""Recommendations for one learner: load the catalog graph and the learner's state, rank, explain."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.catalog.models import TIERS, Course, Item, Module, Tag, course_prerequisites, course_tags
from lms.catalog.skills import skill_title, skill_titles
from lms.db import utcnow
from lms.developers.models import DeveloperInterest
from lms.extensions import db
from lms.learning import counting
from lms.learning.models import COMPLETION_KINDS, Enrollment, LearningEvent, LearningEventKind
from lms.localtime import when
from lms.recommend import freshness, paths, ranking
from lms.recommend.mastery import GRADED_KINDS, pass_fraction
from lms.recommend.models import LearningGoal, SkillMastery

_cache: dict[str, tuple] = {}
CHECK_SECONDS = 5.0  # a catalog change made without a sync shows in recommendations within this delay


@dataclass(frozen=True)
class Shown:
    """A recommendation ready for a page or the API."""

    course_slug: str
    course_title: str
    tier: str
    module_slug: str
    module_title: str
    reason: str
    message: str
    params: dict


@dataclass(frozen=True)
class ItemInfo:
    course_id: int
    module_id: int
    title: str
    pass_fraction: float
    rule: counting.Rule  # which attempt counts, against which pass mark


def catalog_graph() -> tuple[ranking.Catalog, dict[int, set[int]], dict[int, ItemInfo]]:
    """Live modules in catalog order, graded flags and items per module (cached until a sync).

    A sync changes the dashboard epoch, checked on every call, so the next page sees it (cached
    dashboards rely on it); the catalog's own stamps are checked at most every CHECK_SECONDS."""
    cached = _cache.get("graph")
    fresh = 0.0 if current_app.testing else CHECK_SECONDS  # tests reload catalogs in quick succession
    scope = (str(db.engine.url), freshness.current_epoch())
    if cached and cached[0][:2] == scope and time.monotonic() - cached[2] < fresh:
        return cached[1]
    key = db.session.execute(
        select(func.max(Course.updated_at), func.count(Module.id)).select_from(Module).join(Course)
    ).one()
    if cached and cached[0] == (*scope, *key):
        _cache["graph"] = (cached[0], cached[1], time.monotonic())
        return cached[1]
    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.archived_at.is_(None)))}
    prereqs: dict[int, tuple[int, ...]] = {cid: () for cid in courses}
    for cid, pid in db.session.execute(select(course_prerequisites)):
        if cid in courses and pid in courses:
            prereqs[cid] += (pid,)
    tags: dict[int, set[str]] = {}
    for cid, name in db.session.execute(select(course_tags.c.course_id, Tag.name).join(Tag)):
        tags.setdefault(cid, set()).add(name)
    modules = db.session.scalars(
        select(Module).where(Module.archived_at.is_(None), Module.course_id.in_(courses)).order_by(Module.position)
    ).all()
    items: dict[int, set[int]] = {}
    graded: set[int] = set()
    by_id: dict[int, ItemInfo] = {}
    for item in db.session.scalars(select(Item).where(Item.archived_at.is_(None), Item.course_id.in_(courses))):
        items.setdefault(item.module_id, set()).add(item.id)
        course_mark = courses[item.course_id].pass_mark
        by_id[item.id] = ItemInfo(
            item.course_id,
            item.module_id,
            item.title,
            pass_fraction(item.data, course_mark),
            counting.rule_of(item.data, course_mark),
        )
        if item.kind != "lesson":
            graded.add(item.module_id)
    order = _course_order(courses, prereqs)
    modules = sorted(modules, key=lambda m: (order[m.course_id], m.position))
    nodes = [
        ranking.ModuleNode(
            m.id,
            m.slug,
            m.title,
            m.course_id,
            courses[m.course_id].slug,
            courses[m.course_id].title,
            courses[m.course_id].tier,
            m.position,
            tuple(m.skills or ()),
            m.id in graded,
            frozenset(tags.get(m.course_id, ())),
        )
        for m in modules
    ]
    graph = (ranking.Catalog(nodes, prereqs), items, by_id)
    _cache["graph"] = ((*scope, *key), graph, time.monotonic())
    return graph


def _course_order(courses: dict[int, Course], prereqs: dict[int, tuple[int, ...]]) -> dict[int, int]:
    """Tier first, prerequisites before the courses that need them, then title."""
    order: list[int] = []

    def visit(cid: int, seen: set[int]) -> None:
        if cid in order or cid in seen:
            return
        for p in prereqs.get(cid, ()):
            visit(p, seen | {cid})
        order.append(cid)

    for cid in sorted(courses, key=lambda c: (TIERS.index(courses[c].tier), courses[c].title)):
        visit(cid, set())
    return {cid: n for n, cid in enumerate(order)}


def learner_state(
    user_id: int, catalog: ranking.Catalog, items: dict[int, set[int]], by_id: dict[int, ItemInfo]
) -> ranking.LearnerState:
    """Mastery, latest graded result per module, completed modules, goal and assigned path."""
    mastery = db.session.execute(
        select(SkillMastery.skill, SkillMastery.p_known, SkillMastery.placed).where(SkillMastery.user_id == user_id)
    ).all()
    events = db.session.execute(
        select(
            LearningEvent.item_id,
            LearningEvent.kind,
            LearningEvent.score,
            LearningEvent.max_score,
            LearningEvent.id,
            LearningEvent.data,
            LearningEvent.occurred_at,
        )
        .where(LearningEvent.user_id == user_id, LearningEvent.kind.in_(GRADED_KINDS + COMPLETION_KINDS))
        .order_by(LearningEvent.occurred_at, LearningEvent.id)
    ).all()
    touched: set[int] = set()
    done_items: set[int] = set()
    graded: dict[int, list[tuple]] = {}  # item id -> its scored events, oldest first
    latest_in_module: dict[int, int] = {}  # module id -> the graded item attempted last
    streaks: dict[int, int] = {}  # module id -> failed attempts in a row, ending with the latest
    for item_id, kind, score, max_score, event_id, data, at in events:
        if item_id is None or (item := by_id.get(item_id)) is None:
            continue
        touched.add(item_id)
        if kind in GRADED_KINDS and score is not None and max_score:
            graded.setdefault(item_id, []).append((event_id, score, max_score, data, at))
            latest_in_module[item.module_id] = item_id
            failed = score / max_score < item.pass_fraction
            streaks[item.module_id] = streaks.get(item.module_id, 0) + 1 if failed else 0
        elif kind == LearningEventKind.LESSON_COMPLETED:
            done_items.add(item_id)
    # Advice reads the attempt that counts (issue 15): with keep: best, a worse later attempt
    # after a pass neither fails the module nor drives "You scored ... review" advice.
    counted = {item_id: counting.choose(item_id, scored, by_id[item_id].rule) for item_id, scored in graded.items()}
    done_items |= {item_id for item_id, c in counted.items() if c is not None and c.passed}
    results: dict[int, ranking.Result] = {}
    for module_id, item_id in latest_in_module.items():
        if (kept := counted[item_id]) is not None:
            streak = 0 if kept.passed else streaks.get(module_id, 0)
            results[module_id] = ranking.Result(kept.passed, kept.percent, by_id[item_id].title, streak)
    completed = {mid for mid, ids in items.items() if ids and ids <= done_items}
    started = set(db.session.scalars(select(Enrollment.course_id).where(Enrollment.user_id == user_id)))
    started &= {by_id[i].course_id for i in touched}
    goal = db.session.get(LearningGoal, user_id)
    interests = db.session.scalars(select(DeveloperInterest.tag).where(DeveloperInterest.user_id == user_id))
    return ranking.LearnerState(
        mastery={s: p for s, p, _ in mastery},
        results=results,
        completed=completed,
        started_courses=started,
        goal_tier=goal.tier if goal else None,
        placed={s for s, _, placed in mastery if placed},
        path=paths.path_steps(user_id),
        now=utcnow(),
        interests=frozenset(interests),
    )


def recommendations(user_id: int, limit: int = 3) -> list[Shown]:
    """The learner's top `limit` next modules with a translated reason each."""
    return recommendations_and_state(user_id, limit)[0]


def recommendations_and_state(user_id: int, limit: int = 3) -> tuple[list[Shown], ranking.LearnerState]:
    """The recommendations and the learner's state they were ranked on (the dashboard reads both)."""
    catalog, items, by_id = catalog_graph()
    state = learner_state(user_id, catalog, items, by_id)
    return [_shown(r) for r in ranking.recommend(catalog, state, limit)], state


def _shown(rec: ranking.Recommendation) -> Shown:
    m = rec.module
    return Shown(m.course_slug, m.course_title, m.tier, m.slug, m.title, rec.reason, reason_text(rec), rec.params)


def reason_text(rec: ranking.Recommendation) -> str:
    """The plain sentence that explains a recommendation, in the learner's language."""
    p, course = rec.params, rec.module.course_title
    tier = lambda: tier_name(p.get("tier", ""))
    due = lambda: when(p["due"]) if isinstance(p.get("due"), datetime) else ""
    texts = {
        "review": lambda: (
            _("You scored %(score)s%% on %(item)s: review %(module)s before %(next)s.", **_with(p, "next"))
            if p.get("next")
            else _("You scored %(score)s%% on %(item)s: review %(module)s.", **_with(p))
        ),
        "path_overdue": lambda: _(
            "Overdue in your path %(path)s: %(course)s was due %(due)s.", path=p.get("path"), course=course, due=due()
        ),
        "path": lambda: (
            _("Next in your path %(path)s: %(course)s is due %(due)s.", path=p.get("path"), course=course, due=due())
            if p.get("due")
            else _("Next in your path %(path)s.", path=p.get("path"))
        ),
        "continue": lambda: _(
            "You finished %(previous)s; this comes next in %(course)s.", previous=p.get("previous"), course=course
        ),
        "placed_next": lambda: _(
            "The placement quiz showed you know the start of %(course)s: pick up here.", course=course
        ),
        "unlocked": lambda: (
            _(
                "The placement quiz showed you know %(prerequisites)s, so %(course)s is open.",
                prerequisites=p.get("prerequisites"),
                course=course,
            )
            if p.get("placed")
            else _(
                "You completed %(prerequisites)s, so %(course)s is open.",
                prerequisites=p.get("prerequisites"),
                course=course,
            )
        ),
        "goal": lambda: _("Matches your goal: the %(tier)s tier.", tier=tier()),
        "tier": lambda: _("Next step of the %(tier)s tier, where you are now.", tier=tier()),
        "foundation": lambda: _("Builds what the %(tier)s tier assumes.", tier=tier()),
        "strengthen": lambda: _(
            "Your estimated mastery of %(skill)s is %(percent)s%%: a review will make it stick.",
            skill=skill_title(str(p.get("skill", "")), skill_titles(current_app.config["COURSES_DIR"])),
            percent=p.get("percent"),
        ),
        "next_tier": lambda: _("You have finished the %(tier)s tier: the next tier is open.", tier=tier()),
    }
    return texts[rec.reason]()


def _with(params: dict, *extra: str) -> dict:
    keys = ("score", "item", "module", *extra)
    return {k: params.get(k) for k in keys}


def tier_name(tier: str) -> str:
    """The tier's name in the learner's language."""
    return {"beginner": _("beginner"), "intermediate": _("intermediate"), "advanced": _("advanced")}.get(tier, tier)


def recommended_module_ids(user_id: int, course_id: int) -> dict[str, str]:
    """Module slug -> reason for the recommended modules of one course (for the course page)."""
    catalog, items, by_id = catalog_graph()
    state = learner_state(user_id, catalog, items, by_id)
    return {
        r.module.slug: reason_text(r) for r in ranking.recommend(catalog, state, 3) if r.module.course_id == course_id
    }


def set_goal(user_id: int, tier: str) -> LearningGoal:
    """Set the tier the learner aims at."""
    if tier not in TIERS:
        raise ValueError("unknown tier")
    goal = db.session.get(LearningGoal, user_id) or LearningGoal(user_id=user_id, tier=tier)
    goal.tier, goal.updated_at = tier, utcnow()
    db.session.add(goal)
    db.session.flush()
    return goal
