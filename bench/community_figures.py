"""The staff queue and answer-time figures on 10,000 threads and 100,000 posts, in-process.

Usage: .venv/bin/python bench/community_figures.py [--postgres URL] [--runs 20]
A fresh database (SQLite in a temporary folder, or an empty PostgreSQL database you name) with the
demo catalog, 300 members and 10,000 questions over the last 16 weeks spread over its six courses,
written in bulk: 70% answered (first reply after 10 minutes to 4 days), a third of those by staff,
a fifth accepted, 100,000 posts in all. Then, warm, the median wall and CPU time of:
  figures, 6 courses     course_figures over the default 12 weeks (six grouped queries)
  figures, platform      platform_figures, every course together
  queue counts           queue_counts for the six courses (the teaching page's badge)
  queue page             waiting_questions, the oldest 200 of every course
  breaches               find_breaches, the SLA check's one query
next to the anchor: the same 12 weeks' question rows fetched into Python and their median and p90
computed there (statistics.quantiles), the way figures are often first written. The 1-minute load
average is printed beside (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from lms import create_app  # noqa: E402
from lms.accounts.models import User  # noqa: E402
from lms.catalog.models import Course  # noqa: E402
from lms.community.models import Post, Thread  # noqa: E402
from lms.community.services import figures, queue  # noqa: E402
from lms.db import utcnow  # noqa: E402
from lms.extensions import db  # noqa: E402
from tests.conftest import _test_config  # noqa: E402
from tests.factories import load_fixture_courses  # noqa: E402

THREADS, POSTS, MEMBERS = 10_000, 100_000, 300
BODY = "A reply of a few sentences, as people write them. " * 8  # 400 characters: rows as big as real ones


def seed(rng: random.Random) -> None:
    """Members, threads and posts in bulk (no services, no signals): what the figures read."""
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {"email": f"m{n}@bench.test", "password_hash": "x", "display_name": f"Member {n}", "role": "learner"}
            for n in range(MEMBERS)
        ],
    )
    members = list(db.session.scalars(select(User.id)))
    courses = list(db.session.scalars(select(Course.id)))
    threads, posts = [], []
    replies_each = (POSTS - THREADS) // THREADS
    for n in range(1, THREADS + 1):
        asked = now - timedelta(seconds=rng.uniform(0, 16 * 7 * 86400))
        author = rng.choice(members)
        row = {"id": n, "course_id": rng.choice(courses), "kind": "question", "title": f"Question {n}"}
        row |= {"author_id": author, "created_at": asked, "last_activity_at": asked, "reply_count": 0, "vote_count": 0}
        row |= {"first_reply_at": None, "first_staff_answer_at": None, "accepted_at": None}
        if rng.random() < 0.7:
            first = asked + timedelta(seconds=rng.lognormvariate(9.5, 1.3))
            if first < now:
                row["first_reply_at"] = first
                if rng.random() < 0.33:
                    row["first_staff_answer_at"] = first + timedelta(hours=rng.uniform(0, 30))
                if rng.random() < 0.2:
                    row["accepted_at"] = first + timedelta(hours=rng.uniform(1, 72))
        threads.append(row)
        moment = asked
        for position in range(1, replies_each + 2):
            posts.append(
                {
                    "thread_id": n,
                    "position": position,
                    "author_id": author if position == 1 else rng.choice(members),
                    "body": BODY,
                    "body_html": f"<p>{BODY}</p>",
                    "by_staff": False,
                    "vote_count": 0,
                    "active_flag_count": 0,
                    "created_at": moment,
                }
            )
            moment = min(moment + timedelta(minutes=rng.uniform(5, 600)), now)
    db.session.execute(insert(Thread), threads)
    db.session.execute(insert(Post), posts)
    db.session.commit()


def timed(runs: int, fn) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `runs` calls, after one warm-up call."""
    fn()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def anchor() -> None:
    """Fetch the period's answered questions and take median and p90 in Python."""
    period = figures.default_period(utcnow())
    rows = db.session.execute(
        select(Thread.created_at, Thread.first_reply_at).where(
            Thread.kind == "question", Thread.created_at >= period.starts_at, Thread.first_reply_at.is_not(None)
        )
    ).all()
    durations = sorted((answered - asked).total_seconds() for asked, answered in rows)
    statistics.median(durations), statistics.quantiles(durations, n=10, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-community-"))
    url = args.postgres or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(_test_config(url, folder, COURSES_DIR=ROOT / "courses"))
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_fixture_courses(ROOT / "courses")
        started = time.perf_counter()
        seed(random.Random(17))
        seconds, database = time.perf_counter() - started, url.split(":")[0]
        print(f"seeded {THREADS:,} threads, {POSTS:,} posts in {seconds:.1f} s ({database})")
        courses = list(db.session.scalars(select(Course).order_by(Course.title)))
        ids = [c.id for c in courses]
        period = figures.default_period(utcnow())
        checks = {
            "figures, 6 courses": lambda: figures.course_figures(ids, period, utcnow()),
            "figures, platform": lambda: figures.platform_figures(period, utcnow()),
            "queue counts": lambda: queue.queue_counts(ids, utcnow()),
            "queue page": lambda: queue.waiting_questions(courses, utcnow()),
            "breaches": lambda: queue.find_breaches(utcnow()),
            "anchor: median, p90 in Python": anchor,
        }
        for name, fn in checks.items():
            wall, cpu = timed(args.runs, fn)
            print(f"{name:30} {wall:7.1f} ms wall {cpu:7.1f} ms CPU   load {os.getloadavg()[0]:.2f}")
        platform = figures.platform_figures(period, utcnow())
        print(
            f"platform: {platform.questions:,} questions, first answer median "
            f"{platform.first_answer.median / 3600:.1f} h, p90 {platform.first_answer.p90 / 3600:.1f} h"
        )
        db.session.remove()
        if args.postgres:
            db.drop_all()


if __name__ == "__main__":
    main()
