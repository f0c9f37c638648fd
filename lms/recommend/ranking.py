"""The recommender's rules on plain data (no Flask, no database): the app and the simulator share it.

Interests (tags chosen in the developer profile) only order recommendations of equal score.

A module is *done* when its skills are mastered, or when its latest graded result passed
(or it has nothing graded and every item is complete). Rules, strongest first:
review a module whose latest test failed; follow the assigned path; continue a started
course; the goal tier (or, with no goal, the lowest tier not yet done) and what it builds
on; strengthen done-but-not-mastered skills; then the next tier once it is open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

TIERS = ("beginner", "intermediate", "advanced")
MASTERED = 0.95  # P(known) at which a skill counts as mastered (the usual BKT threshold)
WEAK = 0.95  # below this, a module a failed one builds on is worth reviewing first

SCORES = {
    "review": 1000,
    "path_overdue": 900,
    "path": 800,
    "continue": 600,
    "placed_next": 500,
    "goal": 400,
    "tier": 400,
    "unlocked": 350,
    "foundation": 300,
    "strengthen": 250,
    "next_tier": 100,
}


@dataclass(frozen=True)
class ModuleNode:
    id: int
    slug: str
    title: str
    course_id: int
    course_slug: str
    course_title: str
    tier: str
    position: int
    skills: tuple[str, ...]
    graded: bool = True
    tags: frozenset[str] = frozenset()  # the course's catalog tags (interests order ties by them)


@dataclass
class Catalog:
    """Live modules in catalog order (tier, prerequisites first, then syllabus order)."""

    modules: list[ModuleNode]
    prerequisites: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_course: dict[int, list[ModuleNode]] = {}
        for module in self.modules:
            self.by_course.setdefault(module.course_id, []).append(module)
        self.course_titles = {m.course_id: m.course_title for m in self.modules}


@dataclass(frozen=True)
class Result:
    """The learner's latest graded result in a module."""

    passed: bool
    score_pct: float
    item_title: str
    failures: int = 0  # failed attempts in a row, ending with this one


@dataclass
class PathStep:
    course_id: int
    path_title: str
    due_at: datetime | None


@dataclass
class LearnerState:
    mastery: dict[str, float] = field(default_factory=dict)
    results: dict[int, Result] = field(default_factory=dict)
    completed: set[int] = field(default_factory=set)  # modules with every live item complete
    started_courses: set[int] = field(default_factory=set)
    goal_tier: str | None = None
    path: list[PathStep] = field(default_factory=list)
    placed: set[str] = field(default_factory=set)  # skills the placement quiz marked known
    now: datetime | None = None
    interests: frozenset[str] = frozenset()  # tags from the developer profile: a tie-breaker only


@dataclass(frozen=True)
class Recommendation:
    module: ModuleNode
    reason: str  # a key of SCORES; the UI turns it into a translated sentence with `params`
    params: dict
    score: float


def module_mastery(module: ModuleNode, state: LearnerState) -> float:
    """The weakest skill of the module decides (0 when the module names no skill)."""
    return min((state.mastery.get(s, 0.0) for s in module.skills), default=0.0)


def is_mastered(module: ModuleNode, state: LearnerState) -> bool:
    return bool(module.skills) and module_mastery(module, state) >= MASTERED


def is_done(module: ModuleNode, state: LearnerState) -> bool:
    """Mastered, passed, or (with nothing graded) read to the end."""
    if is_mastered(module, state):
        return True
    result = state.results.get(module.id)
    if result is not None:
        return result.passed
    return not module.graded and module.id in state.completed


def course_done(catalog: Catalog, course_id: int, state: LearnerState) -> bool:
    return all(is_done(m, state) for m in catalog.by_course.get(course_id, []))


def recommend(catalog: Catalog, state: LearnerState, limit: int = 3) -> list[Recommendation]:
    """The best `limit` next modules for this learner, each with the rule that chose it."""
    done = {m.id: is_done(m, state) for m in catalog.modules}
    finished = {cid: all(done[m.id] for m in mods) for cid, mods in catalog.by_course.items()}
    current = state.goal_tier or next((m.tier for m in catalog.modules if not done[m.id]), TIERS[-1])
    goal_index = TIERS.index(current)
    goal_open = all(done[m.id] for m in catalog.modules if TIERS.index(m.tier) <= goal_index)
    # With no goal set, finishing a tier opens the next one: say so.
    opened = state.goal_tier is None and goal_index > 0 and any(done.values())
    path_rank = {step.course_id: (n, step) for n, step in reversed(list(enumerate(state.path)))}
    out: list[Recommendation] = []
    for cid, mods in catalog.by_course.items():
        if not all(finished.get(p, True) for p in catalog.prerequisites.get(cid, ())):
            continue
        for index, module in enumerate(mods):
            following = mods[index + 1].title if index + 1 < len(mods) else ""
            if done[module.id]:
                rec = _strengthen(module, state, goal_index)
            else:
                rec = _next(catalog, module, mods[:index], following, state, goal_index, (goal_open, opened), path_rank)
                rec = _weak_prerequisite(catalog, module, mods[:index], state, rec)
            if rec:
                out.append(rec)
            if not done[module.id]:
                break  # later modules of this course wait for this one
    order = {m.id: n for n, m in enumerate(catalog.modules)}
    # Interests only break ties: among candidates the rules justify equally, the one whose course
    # shares more tags with the learner's interests comes first. They never add a candidate.
    out.sort(key=lambda r: (-r.score, -interest_overlap(r.module, state), order[r.module.id]))
    return out[:limit]


def interest_overlap(module: ModuleNode, state: LearnerState) -> int:
    """How many of the learner's interests the module's course is tagged with."""
    return len(module.tags & state.interests)


def _next(catalog, module, before, following, state, goal_index, flags, path_rank) -> Recommendation | None:
    goal_open, opened = flags
    result = state.results.get(module.id)
    tier_index = TIERS.index(module.tier)
    if result is not None and not result.passed:
        params = {"score": round(result.score_pct), "item": result.item_title, "module": module.title}
        if following:
            return Recommendation(module, "review", {**params, "next": following}, SCORES["review"])
        return Recommendation(module, "review", params, SCORES["review"] - 1)
    if module.course_id in path_rank:
        n, step = path_rank[module.course_id]
        overdue = step.due_at is not None and state.now is not None and step.due_at < state.now
        key = "path_overdue" if overdue else "path"
        params = {"path": step.path_title, "course": module.course_title, "due": step.due_at}
        return Recommendation(module, key, params, SCORES[key] - n)
    if before and module.course_id in state.started_courses:
        return Recommendation(module, "continue", {"previous": before[-1].title}, SCORES["continue"])
    if before and all(s in state.placed for m in before for s in m.skills):
        return Recommendation(module, "placed_next", {"course": module.course_title}, SCORES["placed_next"])
    if tier_index == goal_index:
        prereqs = catalog.prerequisites.get(module.course_id, ())
        if prereqs and not before:
            names = ", ".join(catalog.course_titles.get(p, "") for p in prereqs)
            placed = all(s in state.placed for p in prereqs for m in catalog.by_course.get(p, []) for s in m.skills)
            return Recommendation(module, "unlocked", {"prerequisites": names, "placed": placed}, SCORES["goal"])
        if opened and not before:
            return Recommendation(module, "next_tier", {"tier": TIERS[goal_index - 1]}, SCORES["goal"])
        key = "goal" if state.goal_tier else "tier"  # no goal set: the tier they are working through
        return Recommendation(module, key, {"tier": module.tier}, SCORES["goal"])
    if tier_index < goal_index:
        return Recommendation(module, "foundation", {"tier": TIERS[goal_index]}, SCORES["foundation"])
    if goal_open:
        return Recommendation(module, "next_tier", {"tier": TIERS[goal_index]}, SCORES["next_tier"])
    return None


def _weak_prerequisite(catalog, module, before, state, rec: Recommendation | None) -> Recommendation | None:
    """Failed twice in a row: the gap is likely in what the module builds on; review its weakest part."""
    result = state.results.get(module.id)
    if rec is None or result is None or result.passed or result.failures < 2:
        return rec
    earlier = [m for p in catalog.prerequisites.get(module.course_id, ()) for m in catalog.by_course.get(p, [])]
    weak = [m for m in earlier + before if m.skills and module_mastery(m, state) < WEAK]
    if not weak:
        return rec
    target = min(weak, key=lambda m: module_mastery(m, state))
    params = {"score": round(result.score_pct), "item": result.item_title, "module": target.title, "next": module.title}
    return Recommendation(target, "review", params, SCORES["review"] + 1)


def _strengthen(module: ModuleNode, state: LearnerState, goal_index: int) -> Recommendation | None:
    if TIERS.index(module.tier) > goal_index or not module.skills or is_mastered(module, state):
        return None
    weakest = min(module.skills, key=lambda s: state.mastery.get(s, 0.0))
    pct = round(100 * state.mastery.get(weakest, 0.0))
    score = SCORES["strengthen"] - state.mastery.get(weakest, 0.0)  # weakest first
    return Recommendation(module, "strengthen", {"skill": weakest, "percent": pct}, score)
