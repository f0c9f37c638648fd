"""`flask recommend fit`: BKT parameters per skill from the whole event log, then every mastery again."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import delete, insert, select

from lms.catalog.models import Course, Item, Module
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LearningEvent
from lms.recommend import bkt
from lms.recommend.freshness import bump_everyone
from lms.recommend.mastery import GRADED_KINDS, OPPORTUNITY_KINDS, PLACED, pass_fraction
from lms.recommend.models import SkillMastery, SkillParameter

# Below this many learners with graded answers on a skill, its parameters stay the defaults.
MIN_LEARNERS = 20


@dataclass(slots=True)
class _Track:
    """One learner's history on one skill while the log is read."""

    steps: list[float] = field(default_factory=list)
    observations: int = 0
    correct: int = 0
    last: tuple | None = None  # (item id, score %, passed, event id)
    last_event_id: int | None = None


@dataclass(frozen=True)
class FitReport:
    skills: int
    fitted: int
    learners: int
    events: int
    iterations: int
    seconds: float

    def summary(self) -> str:
        return (
            f"{self.fitted} of {self.skills} skills fitted ({self.skills - self.fitted} kept the defaults) "
            f"from {self.events} events of {self.learners} learners; {self.iterations} EM iterations; "
            f"{self.seconds:.1f} s."
        )


def _skill_maps() -> tuple[dict[int, tuple], dict[int, tuple], dict[int, float], dict[int, float]]:
    """Skills per item and per course, and pass fractions per item and per course."""
    course_pass = dict(db.session.execute(select(Course.id, Course.pass_mark)).all())
    by_item, by_course, item_pass = {}, {}, {}
    rows = db.session.execute(select(Item.id, Item.data, Item.course_id, Module.skills).join(Module))
    for item_id, data, course_id, skills in rows:
        by_item[item_id] = tuple(skills or ())
        item_pass[item_id] = pass_fraction(data, course_pass[course_id])
        by_course[course_id] = tuple(dict.fromkeys(by_course.get(course_id, ()) + tuple(skills or ())))
    return by_item, by_course, item_pass, {c: m / 100 for c, m in course_pass.items()}


def _read_log() -> tuple[dict[tuple[int, str], _Track], int]:
    """Every learner's steps per skill, in time order, from the event log."""
    by_item, by_course, item_pass, course_pass = _skill_maps()
    tracks: dict[tuple[int, str], _Track] = {}
    stmt = (
        select(
            LearningEvent.id,
            LearningEvent.user_id,
            LearningEvent.course_id,
            LearningEvent.item_id,
            LearningEvent.kind,
            LearningEvent.score,
            LearningEvent.max_score,
        )
        .where(LearningEvent.kind.in_(GRADED_KINDS + OPPORTUNITY_KINDS))
        .order_by(LearningEvent.user_id, LearningEvent.occurred_at, LearningEvent.id)
    )
    count, graded_kinds = 0, set(GRADED_KINDS)
    for event_id, user_id, course_id, item_id, kind, score, max_score in db.session.execute(stmt):
        skills = by_item.get(item_id, ()) if item_id else by_course.get(course_id, ())
        if not skills:
            continue
        if kind not in graded_kinds:
            count += 1
            for skill in skills:
                track = tracks.get((user_id, skill))
                if track is None:
                    track = tracks[(user_id, skill)] = _Track()
                track.steps.append(bkt.MISSING)
                track.last_event_id = event_id
            continue
        if score is None or not max_score:
            continue
        count += 1
        ratio = score / max_score
        passed = ratio >= (item_pass.get(item_id) if item_id else course_pass.get(course_id, 0.7))
        last = (item_id, round(100 * ratio, 1), passed)
        for skill in skills:
            track = tracks.get((user_id, skill))
            if track is None:
                track = tracks[(user_id, skill)] = _Track()
            track.steps.append(1.0 if passed else 0.0)
            track.observations += 1
            track.correct += passed
            track.last = last
            track.last_event_id = event_id
    return tracks, count


def fit_all(*, forgetting: bool = False) -> FitReport:
    """Fit every skill's parameters on the log and recompute every learner's mastery with them."""
    started = time.perf_counter()
    tracks, events = _read_log()
    placed = set(db.session.execute(select(SkillMastery.user_id, SkillMastery.skill).where(SkillMastery.placed)).all())
    skills = sorted({skill for _, skill in tracks})
    index = {s: n for n, s in enumerate(skills)}
    keys = list(tracks)
    starts = [PLACED if key in placed else np.nan for key in keys]
    informative = [n for n, k in enumerate(keys) if tracks[k].observations and keys[n] not in placed]
    learners = np.bincount(np.array([index[keys[n][1]] for n in informative], dtype=np.int64), minlength=len(skills))
    batch = bkt.Batch.build([index[keys[n][1]] for n in informative], [tracks[keys[n]].steps for n in informative])
    result = bkt.fit(batch, len(skills), fit_forgetting=forgetting)
    theta = result.theta
    scarce = learners < MIN_LEARNERS
    theta[:, scarce] = bkt.DEFAULTS.as_array()[:, None]

    now = utcnow()
    db.session.execute(delete(SkillParameter))
    observations = np.bincount(
        np.array([index[k[1]] for k in keys], dtype=np.int64), [tracks[k].observations for k in keys], len(skills)
    )
    rows = [
        dict(
            zip(bkt.PARAM_NAMES, map(float, theta[:, n]), strict=True),
            skill=s,
            learners=int(learners[n]),
            observations=int(observations[n]),
            fitted=not bool(scarce[n]),
            fitted_at=now,
        )
        for n, s in enumerate(skills)
    ]
    if rows:
        db.session.execute(insert(SkillParameter), rows)

    full = bkt.Batch.build([index[k[1]] for k in keys], [tracks[k].steps for k in keys], starts)
    final = bkt.final_mastery(full, theta)
    # Placed rows are kept and updated; every other row is rebuilt from the log.
    db.session.execute(delete(SkillMastery).where(SkillMastery.placed.is_(False)))
    placed_rows = {(r.user_id, r.skill): r for r in db.session.scalars(select(SkillMastery).where(SkillMastery.placed))}
    mastery_rows = []
    for n, key in enumerate(keys):
        track = tracks[key]
        item_id, score_pct, passed = track.last or (None, None, None)
        values = {
            "p_known": float(final[n]),
            "observations": track.observations,
            "correct": track.correct,
            "last_item_id": item_id,
            "last_score_pct": score_pct,
            "last_passed": passed,
            "last_event_id": track.last_event_id,
            "updated_at": now,
        }
        if key in placed_rows:
            for name, value in values.items():
                setattr(placed_rows[key], name, value)
        else:
            mastery_rows.append({"user_id": key[0], "skill": key[1], "placed": False, **values})
    table = SkillMastery.__table__  # Core executemany: the ORM's per-row bookkeeping would double the fit time
    for start in range(0, len(mastery_rows), 5000):
        db.session.execute(table.insert(), mastery_rows[start : start + 5000])
    db.session.flush()
    bump_everyone()  # every mastery was rewritten (Core statements: the flush listener does not see them)
    return FitReport(
        len(skills),
        int((~scarce).sum()),
        len({k[0] for k in keys}),
        events,
        result.iterations,
        time.perf_counter() - started,
    )
