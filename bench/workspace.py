"""Benchmark the notebook workspace: Run -> last output shown, and draft saves.

Usage: .venv/bin/python bench/workspace.py [RUNS]   (default 50)
Targets (issue 8, section 6): time from "Run" to the last output shown p50 <= 1 s, next to the
same cells in an already-started plain local kernel (the floor); draft save p95 < 50 ms.

The web app runs in this process with its default run pool (WORKSPACE_RUN_THREADS=2,
WORKSPACE_KERNEL_POOL=2 pre-started sandboxed kernels, the grading limits) on the six demo
notebooks with the instructors' answers. Each run is timed like the page does it: the POST,
then a status poll every 80 ms (the page's interval) until the run is done; a learner reads
the output for a second before the next Run. Learners take turns
so the per-learner rate limit (20 runs a minute) stays at its default.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jupyter_client.manager import start_new_kernel  # noqa: E402

from lms import create_app  # noqa: E402
from lms.catalog.content import load_courses  # noqa: E402
from lms.catalog.sync import sync_courses  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.learning.services import enroll  # noqa: E402
from lms.workspace import services  # noqa: E402
from lms.workspace.runs import plan  # noqa: E402
from tests.grading.notebooks import solutions  # noqa: E402

POLL = 0.08
THINK = 1.0  # seconds between two runs (a learner reads the output before running again)
LEARNERS = 5


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def setup(instance: Path):
    """An app on a fresh SQLite file with the demo courses synced (releases stored)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
            "INSTANCE_DIR": instance,
            "SECRET_KEY": "bench",
            "COURSES_DIR": ROOT / "courses",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,  # five logins from one address; run limits are per learner in the DB
            "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        }
    )
    with app.app_context():
        db.create_all()
        loaded = load_courses(ROOT / "courses")
        sync_courses(loaded.courses, archive_missing=True)
        db.session.commit()
    return app


def assignments(app) -> list[tuple[str, Path, int]]:
    """(workspace URL, source notebook) of every demo assignment."""
    from lms.catalog.models import Course, Item

    out = []
    with app.app_context():
        for item, course in db.session.execute(
            db.select(Item, Course).join(Course, Item.course_id == Course.id).where(Item.kind == "assignment")
        ).all():
            source = ROOT / "courses" / course.slug / "assignments" / f"{item.slug}.ipynb"
            if source.exists():
                out.append((f"/courses/{course.slug}/{item.slug}/workspace", source, item.id))
    return out


def learners(app, count: int):
    """Signed-in test clients of enrolled learners."""
    from lms.accounts.services import create_user
    from lms.catalog.models import Course

    clients = []
    with app.app_context():
        courses = list(db.session.scalars(db.select(Course)))
        for n in range(count):
            user = create_user(f"bench{n}@example.com", "correct horse battery", "Bench Learner")
            for course in courses:
                enroll(user.id, course)
            db.session.commit()
    for n in range(count):
        client = app.test_client()  # outside the app context: each request gets its own
        client.post("/login", data={"email": f"bench{n}@example.com", "password": "correct horse battery"})
        clients.append(client)
    return clients


def timed_run(client, url: str) -> float:
    """Seconds from the Run request to the poll that shows the last output."""
    start = time.perf_counter()
    response = client.post(url + "/runs", json={})
    assert response.status_code == 202, response.get_json()
    status_url = response.get_json()["status_url"]
    while True:
        time.sleep(POLL)
        body = client.get(status_url).get_json()
        if body["done"]:
            assert body["state"] == "done" and not body["error"], body
            return time.perf_counter() - start


def floor(steps_per_run: list[list[str]]) -> list[float]:
    """The same cells in a plain local kernel started beforehand (no sandbox, no web, no DB)."""
    manager, client = start_new_kernel(kernel_name="python3")
    times = []
    try:
        for codes in steps_per_run:
            start = time.perf_counter()
            for code in codes:
                client.execute_interactive(code, timeout=30, output_hook=lambda _msg: None)
            times.append(time.perf_counter() - start)
            client.execute_interactive("%reset -f", timeout=30, output_hook=lambda _msg: None)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return times


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory(prefix="bench-workspace-") as tmp:
        app = setup(Path(tmp))
        targets = assignments(app)
        clients = learners(app, LEARNERS)
        codes: dict[str, list[str]] = {}
        for url, source, item_id in targets:
            for client in clients:
                saved = client.put(url + "/draft", json={"version": 0, "cells": solutions(source)})
                assert saved.status_code == 200, (url, saved.status_code, saved.get_data(as_text=True)[:300])
            with app.app_context():
                from lms.accounts.models import User
                from lms.catalog.models import Item

                user = db.session.scalar(db.select(User).where(User.email == "bench0@example.com"))
                ws = services.open_workspace(user, db.session.get(Item, item_id))
                codes[url] = [s.code for s in plan(ws, None)]
        clients[0].get(targets[0][0])  # the page view starts the run pool's kernels
        time.sleep(3)
        order = [(clients[i % LEARNERS], targets[i % len(targets)][0]) for i in range(runs)]
        web = []
        for client, url in order:
            web.append(timed_run(client, url))
            time.sleep(THINK)
        plain = floor([codes[url] for _c, url in order])

        saves, cpu = [], []
        client, (url, source, _id) = clients[0], targets[0]
        version = client.get(url + "/draft").get_json()["version"]
        answers = solutions(source)
        key = next(iter(answers))
        for n in range(200):
            start, start_cpu = time.perf_counter(), time.thread_time()
            response = client.put(
                url + "/draft", json={"version": version, "cells": {key: answers[key] + f"\n# {n}\n"}}
            )
            saves.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)  # the test client serves in this thread
            version = response.get_json()["version"]

    print(
        f"workspace runs: {runs} over {len(targets)} demo notebooks, {LEARNERS} learners, poll {POLL * 1000:g} ms, "
        f"{THINK:g} s between runs"
    )
    print(f"  Run -> last output shown: p50 {pct(web, 50):.0f} ms  p95 {pct(web, 95):.0f} ms  (target p50 <= 1000 ms)")
    print(f"  plain local kernel, same cells (floor): p50 {pct(plain, 50):.0f} ms  p95 {pct(plain, 95):.0f} ms")
    print(f"  ratio p50 workspace / floor: {pct(web, 50) / max(pct(plain, 50), 0.1):.1f}x")
    print(f"  draft save (PUT, 200 saves): p50 {pct(saves, 50):.1f} ms  p95 {pct(saves, 95):.1f} ms  (target < 50 ms)")
    print(f"  draft save CPU time per request: p50 {pct(cpu, 50):.1f} ms  p95 {pct(cpu, 95):.1f} ms")
    run_ok, save_ok = pct(web, 50) <= 1000, pct(saves, 95) < 50
    print(f"  run p50 target {'met' if run_ok else 'MISSED'}; save p95 target {'met' if save_ok else 'MISSED'}")
    print(f"  load average during the bench: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
