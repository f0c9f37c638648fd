"""Periodic tasks on the workers: each scheduled slot enqueued by every worker, run by one."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import Flask, current_app

from lms.db import utcnow
from lms.extensions import db, queue
from lms.operations import periodic
from lms.sweeps import sweeping

log = logging.getLogger(__name__)


@queue.task
def run_periodic(task: str, slot: str) -> str:
    """Run the periodic task `task` for its scheduled minute `slot` (ISO) if no run on any worker has
    claimed that slot yet; otherwise return at once. A failure is logged and kept as the outcome."""
    moment = datetime.fromisoformat(slot)
    if not periodic.claim(task, moment, socket.gethostname(), os.getpid()):
        db.session.rollback()
        log.info("periodic %s at %s: taken by another run", task, slot)
        return "taken"
    db.session.commit()  # the claim is seen by every other worker before the work starts
    try:
        outcome = str(queue.function(task)() or "done")
    except Exception as exc:
        db.session.rollback()
        log.exception("periodic %s at %s: failed", task, slot)
        outcome = f"failed: {type(exc).__name__}: {exc}"
    periodic.finish(task, moment, outcome)
    db.session.commit()
    log.info("periodic %s at %s: ran (%s)", task, slot, outcome)
    return outcome


def enqueue_due_slots(seen: dict[str, datetime]) -> int:
    """Enqueue the due slot of each periodic task that this worker has not enqueued yet (`seen`
    holds the last slot per task). Returns how many went on the queue; raises if the queue is down
    (the next check tries again)."""
    grace = timedelta(seconds=float(current_app.config["PERIODIC_GRACE_SECONDS"]))
    now = utcnow()
    count = 0
    for task, crontab in queue.schedules().items():
        slot = periodic.latest_slot(crontab, now, grace)
        if slot is None or seen.get(task) == slot:
            continue
        queue.enqueue(run_periodic, task, slot.isoformat())
        seen[task] = slot
        count += 1
    return count


@contextmanager
def periodic_in_worker(app: Flask) -> Iterator[None]:
    """What a worker process adds for periodic tasks while its consumer runs: a check every
    PERIODIC_CHECK_SECONDS that enqueues the slots fallen due."""
    seen: dict[str, datetime] = {}
    interval = float(app.config["PERIODIC_CHECK_SECONDS"])
    with sweeping(app, "periodic check", interval, lambda: enqueue_due_slots(seen), _enqueued):
        yield


def _enqueued(count: int) -> None:
    log.debug("enqueued %d periodic slot(s)", count)
