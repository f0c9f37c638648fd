"""Speed of the recommender at scale: a full BKT fit and one learner's recommendations.

One command: `python bench/recommend_speed.py [--learners 10000] [--events 1000000]`.
Builds a fresh SQLite instance in a temporary folder, loads courses/, seeds the learners with
`flask demo seed`'s population (half the events: lessons on synthetic courses) plus graded
histories on the demo catalog (the other half: lessons and quiz scores from a BKT-like
simulation, so the fit has real work on 49 skills). Then times `fit_all()` (read the log,
EM on every skill, rewrite every mastery row) and `recommendations()` for 300 learners.
Targets (issue 5, section 7): fit < 60 s; recommendations p95 < 20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from lms import create_app  # noqa: E402
from lms.catalog.content import load_courses  # noqa: E402
from lms.catalog.models import Course, Item, Module  # noqa: E402
from lms.catalog.sync import sync_courses  # noqa: E402
from lms.demo.services import seed_population  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.learning.models import LearningEvent  # noqa: E402
from lms.recommend import services  # noqa: E402
from lms.recommend.fitting import fit_all  # noqa: E402


def graded_histories(user_ids: list[int], budget: int, rng: np.random.Generator) -> int:
    """Lessons and quiz/assignment scores on the demo courses, learner by learner, up to `budget` events."""
    demo = select(Course.id).where(~Course.slug.like("bench-course-%"))
    modules = db.session.execute(
        select(Module.id, Module.course_id)
        .where(Module.course_id.in_(demo))
        .order_by(Module.course_id, Module.position)
    ).all()
    items = {}
    for item_id, module_id, kind in db.session.execute(select(Item.id, Item.module_id, Item.kind)):
        items.setdefault(module_id, []).append((item_id, kind))
    now = datetime.now(UTC)
    per_user = max(budget // len(user_ids), 1)
    rows, written = [], 0
    for uid in user_ids:
        ability = rng.uniform(0.1, 0.9)
        when = now - timedelta(days=200)
        count = 0
        for module_id, course_id in modules:
            if count >= per_user:
                break
            known = rng.random() < ability * 0.5
            for attempt in range(3):
                for item_id, kind in items.get(module_id, []):
                    when += timedelta(minutes=int(rng.integers(5, 600)))
                    if kind == "lesson":
                        if attempt == 0:
                            rows.append(_event(uid, course_id, item_id, "lesson_completed", when))
                            count += 1
                        known = known or rng.random() < ability * 0.6
                    else:
                        right = rng.random() < (0.9 if known else 0.25)
                        score = float(rng.integers(7, 11) if right else rng.integers(0, 7))
                        kind_name = "quiz_submitted" if kind == "quiz" else "assignment_graded"
                        rows.append(_event(uid, course_id, item_id, kind_name, when, score, 10.0))
                        count += 1
                        known = known or rng.random() < ability * 0.4
                if known:
                    break
        if len(rows) >= 20_000:
            db.session.execute(insert(LearningEvent), rows)
            written += len(rows)
            rows = []
    if rows:
        db.session.execute(insert(LearningEvent), rows)
        written += len(rows)
    return written


def _event(uid, course_id, item_id, kind, when, score=None, max_score=None) -> dict:
    return {
        "user_id": uid,
        "course_id": course_id,
        "item_id": item_id,
        "kind": kind,
        "occurred_at": when,
        "score": score,
        "max_score": max_score,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--instance", type=Path, help="reuse an instance seeded by an earlier run")
    args = parser.parse_args()
    reuse = args.instance is not None
    instance = args.instance or Path(tempfile.mkdtemp(prefix="recommend-speed-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
            "INSTANCE_DIR": instance,
            "SECRET_KEY": "bench",
            "COURSES_DIR": ROOT / "courses",
        }
    )
    rng = np.random.default_rng(3)
    with app.app_context():
        started = time.perf_counter()
        if not reuse:
            db.create_all()
            loaded = load_courses(ROOT / "courses")
            sync_courses(loaded.courses, archive_missing=True)
            seed_population(args.learners, 50, args.events // 2)
        user_ids = list(db.session.scalars(select(LearningEvent.user_id).distinct()))
        if not reuse:
            graded_histories(user_ids, args.events - db.session.scalar(select(func.count(LearningEvent.id))), rng)
            db.session.commit()
        total = db.session.scalar(select(func.count(LearningEvent.id)))
        print(f"seeded {len(user_ids)} learners, {total} events in {time.perf_counter() - started:.0f} s ({instance})")

        started, cpu = time.perf_counter(), time.process_time()
        report = fit_all()
        db.session.commit()
        fit_seconds, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"fit: {report.summary()} CPU time {fit_cpu:.1f} s (the machine is shared: wall time varies)")

    timings, cpu_timings = [], []
    sample = rng.choice(user_ids, size=min(300, len(user_ids)), replace=False)
    with app.test_request_context("/dashboard"):
        services.recommendations(int(sample[0]))  # the catalog graph is cached after the first call
        for uid in sample:
            db.session.expire_all()
            started, cpu = time.perf_counter(), time.process_time()
            services.recommendations(int(uid))
            timings.append(1000 * (time.perf_counter() - started))
            cpu_timings.append(1000 * (time.process_time() - cpu))
    p50, p95 = statistics.median(timings), float(np.percentile(timings, 95))
    cpu95 = float(np.percentile(cpu_timings, 95))
    print(
        f"recommendations for one learner: p50 {p50:.1f} ms, p95 {p95:.1f} ms (CPU p95 {cpu95:.1f} ms) "
        f"over {len(timings)} learners"
    )
    print(
        f"full fit {fit_seconds:.1f} s (target < 60 s: {'OK' if fit_seconds < 60 else 'MISSED'}); "
        f"p95 {p95:.1f} ms (target < 20 ms: {'OK' if p95 < 20 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
