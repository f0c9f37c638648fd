"""`flask grading worker|grade|regrade|status`: run graders, try tests, regrade after a fix."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

import grading
from lms.assignments import audit, gradebook, services, worker
from lms.assignments.models import Submission
from lms.assignments.tasks import enqueue_grading, requeue_lost
from lms.catalog import services as catalog
from lms.extensions import db, queue

grading_cli = click.Group("grading", help="Grading commands.")
log = logging.getLogger(__name__)


def _assignment(ref: str):
    """COURSE/ASSIGNMENT to the item, or a clear error."""
    course_slug, _, item_slug = ref.partition("/")
    course = catalog.get_course(course_slug)
    item = catalog.get_item(course, item_slug) if course and item_slug else None
    if item is None or item.kind != "assignment":
        raise click.ClickException(
            f"no assignment {ref!r} (expected COURSE/ASSIGNMENT, e.g. llm-api-fundamentals/token-counter)"
        )
    return item


@grading_cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 256), help="Grading threads (default: GRADING_WORKERS, 3 per core).")
def worker_command(workers: int | None) -> None:
    """Consume the grading queue until Ctrl-C; put back on it what it lost (a worker died, the
    queue was down)."""
    app = current_app._get_current_object()
    count = workers or app.config["GRADING_WORKERS"]
    huey = queue.huey(app)
    pool = None
    if app.config["GRADING_KERNEL_POOL"]:
        from grading.pool import KernelPool

        pool = KernelPool(worker.limits(app.config), size=count)
        app.extensions["kernel_pool"] = pool
    stop = threading.Event()
    sweeper = threading.Thread(target=_sweep, args=(app, stop), name="queue-sweep", daemon=True)
    sweeper.start()
    click.echo(f"Grading worker: {count} thread(s), queue {type(huey.storage).__name__}, lease "
               f"{worker.lease_seconds(app.config):g} s.")  # fmt: skip
    # SQLite is polled: a short fixed delay. Redis blocks in BRPOP and only sleeps after an
    # error (Redis down): back off to 1 s, so an outage logs once a second, not 20 times.
    delays = (0.1, 2.0, 1.0) if huey.storage.blocking else (0.02, 1.0, 0.05)
    consumer = huey.create_consumer(
        workers=count, worker_type="thread", periodic=False,
        initial_delay=delays[0], backoff=delays[1], max_delay=delays[2],
    )  # fmt: skip
    try:
        consumer.run()
    finally:
        stop.set()
        if pool is not None:
            pool.close()


def _sweep(app, stop: threading.Event) -> None:
    """Every worker.sweep_seconds (2 s), put back on the queue the rounds it should hold and does
    not: expired leases, and queued work whose enqueue failed while the queue was down. A failing
    queue (or database) is logged once, then retried quietly until it answers again."""
    interval = worker.sweep_seconds(app.config)
    failing = False
    while not stop.wait(interval):
        try:
            with app.app_context():
                count = requeue_lost()
        except Exception:
            if not failing:
                log.exception("queue sweep failed; retrying every %g s", interval)
            failing = True
            continue
        if failing:
            log.warning("queue sweep works again")
            failing = False
        if count:
            log.warning("put %d submission round(s) back on the grading queue", count)


@grading_cli.command("grade")
@click.argument("assignment")
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print score, max_score and tests as JSON.")
def grade_command(assignment: str, notebook: Path, as_json: bool) -> None:
    """Grade one notebook now, in the same sandbox as learners' work (nothing is stored)."""
    item = _assignment(assignment)
    stored = services.current_release(item.id)
    if stored is None:
        raise click.ClickException("this assignment has no release yet: run `flask courses sync`")
    # The feedback HTML is not printed, so it is not rendered (~0.4 s).
    limits = worker.limits(current_app.config)
    result = grading.grade(services.engine_release(stored), notebook.read_bytes(), limits=limits, feedback=False)
    click.echo(result.report(as_json))


@grading_cli.command("regrade")
@click.argument("assignment")
@click.option("--reason", default="", help="Why (kept in the grade history), e.g. 'fixed test_train'.")
def regrade_command(assignment: str, reason: str) -> None:
    """Grade every submission of an assignment again (after fixing a test and syncing); each one's
    history records the command line as the actor."""
    item = _assignment(assignment)
    rounds = gradebook.regrade(item, by=audit.CLI, reason=reason)
    db.session.commit()
    missed = enqueue_grading(rounds)
    click.echo(f"{len(rounds)} submission(s) queued for regrading.")
    if missed:
        click.echo(f"The queue is unreachable: the workers will enqueue {len(missed)} of them when it is back.")


@grading_cli.command("status")
def status_command() -> None:
    """Submissions per grading state (queued, grading, graded, failed)."""
    rows = db.session.execute(select(Submission.state, func.count()).group_by(Submission.state)).all()
    click.echo(", ".join(f"{state}: {n}" for state, n in sorted(rows)) or "no submissions")
