"""Queue tasks of the assignments domain (Huey; see lms.extensions.TaskQueue)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial

from flask import Flask, current_app

from lms.assignments import worker
from lms.extensions import db, queue
from lms.sweeps import sweeping

log = logging.getLogger(__name__)


@queue.task
def grade_submission(submission_id: int, run: int) -> str:
    """Grade one round of a submission in the sandbox; safe to run twice (the lease decides)."""
    pool = current_app.extensions.get("kernel_pool")
    return worker.grade_now(submission_id, run, pool.take if pool else None)


def enqueue_grading(rounds: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Put (submission id, run) rounds on the queue; call after the commit that stored them.

    A queue that is down (Redis stopped) is logged, not raised: the rounds are stored as
    queued, and the workers' sweep (requeue_lost) enqueues them once the queue is back.
    Returns the rounds that did not reach the queue."""
    rounds = list(rounds)
    for done, (submission_id, run) in enumerate(rounds):
        try:
            queue.enqueue(grade_submission, submission_id, run)
        except Exception as exc:  # whatever the queue raised (refused, timed out), the rows are safe
            missed = rounds[done:]  # the queue refused one: do not wait on it for each of the rest
            log.warning(
                "grading queue unavailable (%s: %s): %d round(s) stored as queued, the workers' sweep "
                "will enqueue them",
                type(exc).__name__,
                exc,
                len(missed),
            )
            return missed
    return []


def requeue_lost() -> int:
    """Put back on the queue each round that should be waiting there and is not: queued rows
    whose task never reached the queue (it was down when they were stored, or lost its contents
    since) and rounds whose lease expired (their worker died). Raises if the queue is down.

    A round already on the queue is not added again, so a long backlog is not duplicated; a
    round enqueued twice anyway (two sweeps at once) is still graded once (see worker.claim)."""
    rounds = worker.stale(queued_for=worker.REQUEUE_AFTER)
    db.session.rollback()  # no transaction held while the queue answers
    if not rounds:
        return 0
    on_queue = queue.waiting(grade_submission)
    lost = [r for r in rounds if r not in on_queue]
    for submission_id, run in lost:
        queue.enqueue(grade_submission, submission_id, run)
    return len(lost)


@contextmanager
def grading_in_worker(app: Flask, threads: int) -> Iterator[None]:
    """What a worker process adds for grading while its consumer runs: kernels started ahead
    (GRADING_KERNEL_POOL, one per thread) and the sweep that puts lost rounds back on the queue."""
    pool = None
    if app.config["GRADING_KERNEL_POOL"]:
        from grading.pool import KernelPool

        pool = KernelPool(worker.limits(app.config), size=threads)
        app.extensions["kernel_pool"] = pool
    # every worker.sweep_seconds (2 s): expired leases, and queued work whose enqueue failed while the queue was down
    lost = partial(log.warning, "put %d submission round(s) back on the grading queue")
    try:
        with sweeping(app, "queue sweep", worker.sweep_seconds(app.config), requeue_lost, lost):
            yield
    finally:
        if pool is not None:
            pool.close()
