"""`flask worker run|status`: the one background process every domain's queued work runs in."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from types import TracebackType

import click
from flask import Flask, current_app

from lms.assignments import worker as grading_worker
from lms.assignments.tasks import grading_in_worker
from lms.db import utcnow
from lms.extensions import db, queue
from lms.notifications.tasks import mail_in_worker
from lms.operations import periodic, services
from lms.operations.tasks import periodic_in_worker

worker_cli = click.Group("worker", help="The background worker: runs every domain's queued tasks.")
log = logging.getLogger(__name__)


@worker_cli.command("run")
@click.option("--workers", type=click.IntRange(1, 256), help="Task threads (default: GRADING_WORKERS, 3 per core).")
def run_command(workers: int | None) -> None:
    """Run queued tasks until Ctrl-C: grading rounds (putting back on the queue what it lost),
    mastery refits, notification e-mail (sweeping for mail due again) and the periodic tasks (each
    scheduled slot once across workers); beats a heartbeat row every few seconds for /readyz."""
    # Ctrl-C stops the worker cleanly from its first line, even when started from a shell that
    # left SIGINT ignored (a background job without job control): Huey only sets it at run().
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _run(current_app._get_current_object(), workers)
    except KeyboardInterrupt:  # before the consumer ran: nothing was taken from the queue
        click.echo("Worker stopped.")


def _run(app: Flask, workers: int | None) -> None:
    count = workers or app.config["GRADING_WORKERS"]
    huey = queue.huey(app)
    with grading_in_worker(app, count), mail_in_worker(app), periodic_in_worker(app), Heartbeat(app, "worker"):
        click.echo(
            f"Worker: {count} thread(s), queue {type(huey.storage).__name__}, grading lease "
            f"{grading_worker.lease_seconds(app.config):g} s."
        )
        # Huey's scheduler stays off for periodic tasks: periodic_in_worker enqueues their slots.
        # SQLite is polled: a short fixed delay. Redis blocks in BRPOP and only sleeps after an
        # error (Redis down): back off to 1 s, so an outage logs once a second, not 20 times.
        delays = (0.1, 2.0, 1.0) if huey.storage.blocking else (0.02, 1.0, 0.05)
        consumer = huey.create_consumer(
            workers=count,
            worker_type="thread",
            periodic=False,
            initial_delay=delays[0],
            backoff=delays[1],
            max_delay=delays[2],
        )
        consumer.run()


# `flask grading worker`, the name from when it only graded: scripts and habits keep working.
grading_alias = click.Command(
    "worker", callback=run_command.callback, params=run_command.params, help="Same as `flask worker run`."
)


@worker_cli.command("status")
def status_command() -> None:
    """Every worker's heartbeat: where it runs, since when, seconds since its last beat."""
    rows = services.heartbeats()
    now = utcnow()
    for row in rows:
        age = (now - row.beat_at).total_seconds()
        stale = "" if age <= services.FRESH_SECONDS else "  (stale)"
        click.echo(
            f"{row.name} {row.host} pid {row.pid}: started {row.started_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"beat {age:.0f} s ago{stale}"
        )
    if not rows:
        click.echo("no worker has a heartbeat: start one with `flask worker run`")


@worker_cli.command("periodic")
def periodic_command() -> None:
    """Every periodic task: its schedule (UTC), its next slot, and its latest run (which worker, how it ended)."""
    now = utcnow()
    for schedule in periodic.schedules(queue.schedules(), now):
        fields = " ".join(schedule.crontab.get(f, "*") for f in ("minute", "hour", "day", "month", "day_of_week"))
        upcoming = f"{schedule.next_slot:%Y-%m-%d %H:%M}" if schedule.next_slot else "none within 8 days"
        click.echo(f"{schedule.task}  [{fields}]  next {upcoming} UTC")
        run = schedule.last
        if run is None:
            click.echo("    last run: none kept")
            continue
        state = run.outcome if run.finished_at else "running (or its worker stopped)"
        click.echo(f"    last run: slot {run.slot:%Y-%m-%d %H:%M} UTC on {run.host} pid {run.pid}: {state}")


class Heartbeat:
    """Writes this process's heartbeat row while the consumer runs: at start, every
    services.BEAT_SECONDS, and deletes it on a clean stop. A database that does not answer is
    logged once and tried again at each beat: the worker runs on, as it did before heartbeats."""

    def __init__(self, app: Flask, name: str) -> None:
        self.app, self.name = app, name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._id: int | None = None
        self._failing = False

    def __enter__(self) -> Heartbeat:
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        if self._id is None:
            return
        try:
            with self.app.app_context():
                services.end_heartbeat(self._id)
                db.session.commit()
        except Exception:  # the row goes stale instead, and is forgotten within the hour
            log.exception("worker heartbeat: could not remove this worker's row")

    def _run(self) -> None:
        while not self._stop.wait(services.BEAT_SECONDS):
            self._beat()

    def _beat(self) -> None:
        try:
            with self.app.app_context():
                if self._id is None or not services.beat(self._id):  # first beat, or row forgotten
                    self._id = services.start_heartbeat(self.name, socket.gethostname()[:255], os.getpid()).id
                db.session.commit()
        except Exception:  # the database is down: the next beat tries again
            if not self._failing:
                log.exception("worker heartbeat failed; retrying every %g s", services.BEAT_SECONDS)
            self._failing = True
            return
        if self._failing:
            log.warning("worker heartbeat works again")
            self._failing = False
