"""Queue tasks of the assignments domain (Huey; see lms.extensions.TaskQueue)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from lms.assignments import worker
from lms.extensions import queue


@queue.task
def grade_submission(submission_id: int, run: int) -> str:
    """Grade one round of a submission in the sandbox; safe to run twice (the lease decides)."""
    pool = current_app.extensions.get("kernel_pool")
    return worker.grade_now(submission_id, run, pool.take if pool else None)


def enqueue_grading(rounds: Iterable[tuple[int, int]]) -> None:
    """Put (submission id, run) rounds on the queue; call after the commit that stored them."""
    for submission_id, run in rounds:
        queue.enqueue(grade_submission, submission_id, run)
