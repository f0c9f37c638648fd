"""Synthetic learners with progress, scores and exams in every course, for benchmarks and tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.catalog.models import Item
from lms.demo import services as demo
from lms.extensions import db
from lms.learning.models import Enrollment, LearningEventKind


def seed_report_population(learners: int, courses: int, *, rng_seed: int = 11) -> dict[str, int]:
    """Every learner enrolled in every course (learners x courses rows) with varied progress.

    Reuses the demo seeder for accounts, courses and teams of 500 (managed by the demo manager),
    then tops each learner up to all courses: lessons done, a graded assignment and an exam for
    those who finished. Core bulk inserts, flushed in chunks.
    """
    rng = random.Random(rng_seed)
    demo.ensure_demo_accounts()
    counts = demo.seed_population(learners, courses, events=0, rng_seed=rng_seed)
    items: dict[int, list[int]] = {}
    for course_id, item_id in db.session.execute(
        select(Item.course_id, Item.id).where(Item.archived_at.is_(None)).order_by(Item.course_id, Item.position)
    ):
        items.setdefault(course_id, []).append(item_id)
    enrolled = set(db.session.execute(select(Enrollment.user_id, Enrollment.course_id)).tuples())
    user_ids = sorted({u for u, _c in enrolled})
    now = datetime.now(UTC)
    enrollments: list[dict] = []
    events: list[dict] = []
    total_events = 0
    for uid in user_ids:
        for cid, course_items in items.items():
            start = now - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1440))
            if (uid, cid) not in enrolled:
                enrollments.append({"user_id": uid, "course_id": cid, "enrolled_at": start})
                events.append(_event(uid, cid, None, LearningEventKind.ENROLLED, start))
            done = rng.choice((0, 0, 2, 5, 8, len(course_items), len(course_items)))
            when = start
            for item_id in course_items[:done]:
                when = min(when + timedelta(hours=rng.randint(1, 200)), now)
                events.append(_event(uid, cid, item_id, LearningEventKind.LESSON_COMPLETED, when))
            if done == len(course_items):
                last = course_items[-1]
                for _attempt in range(rng.randint(1, 2)):
                    events.append(
                        _event(uid, cid, last, LearningEventKind.ASSIGNMENT_GRADED, when, rng.randint(3, 10), 10)
                    )
                events.append(_event(uid, cid, None, LearningEventKind.EXAM_SUBMITTED, when, rng.randint(40, 100), 100))
        if len(events) >= 50_000:
            total_events += demo.flush_rows(enrollments, events)
            enrollments, events = [], []
    total_events += demo.flush_rows(enrollments, events)
    return {**counts, "events": total_events}


def _event(uid: int, cid: int, item_id: int | None, kind: str, when: datetime, score=None, max_score=None) -> dict:
    return {
        "user_id": uid, "course_id": cid, "item_id": item_id, "kind": kind, "occurred_at": when,
        "score": score, "max_score": max_score,
    }  # fmt: skip
