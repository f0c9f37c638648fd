"""Slots of periodic tasks: which scheduled minute is due, and the claim that runs it once.

Every worker looks for due slots every PERIODIC_CHECK_SECONDS and enqueues each slot it sees once;
the run that inserts the slot's `periodic_runs` row first does the work, the others return at once.
A slot missed while no worker ran is still run if it is at most PERIODIC_GRACE_SECONDS old (only
the latest one: a day of missed five-minute slots is one run, not 288)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update

from lms.db import insert_for, utcnow
from lms.extensions import db
from lms.operations.models import PeriodicRun

KEEP_RUNS = timedelta(days=14)  # claims older than this are pruned (far beyond any grace)
MINUTE = timedelta(minutes=1)


def matcher(crontab: dict[str, str]) -> Callable[[datetime], bool]:
    """Huey's crontab test for these fields (minute, hour, day, month, day_of_week; UTC)."""
    from huey import crontab as huey_crontab  # huey loads with the worker, not with every command

    return huey_crontab(**crontab)


def latest_slot(crontab: dict[str, str], now: datetime, grace: timedelta) -> datetime | None:
    """The latest minute at or before `now` that the schedule names, if it is at most `grace` old."""
    matches = matcher(crontab)
    moment = _minute(now)
    oldest = _minute(now - grace)
    while moment >= oldest:
        if matches(moment.replace(tzinfo=None)):
            return moment
        moment -= MINUTE
    return None


def next_slot(crontab: dict[str, str], now: datetime, horizon: timedelta = timedelta(days=8)) -> datetime | None:
    """The first minute after `now` that the schedule names, within `horizon` (for listings)."""
    matches = matcher(crontab)
    moment = _minute(now) + MINUTE
    end = now + horizon
    while moment <= end:
        if matches(moment.replace(tzinfo=None)):
            return moment
        moment += MINUTE
    return None


def _minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def claim(task: str, slot: datetime, host: str, pid: int) -> bool:
    """Take the slot for this run: True for the first caller, False once any run took it (on any
    worker). Prunes claims older than KEEP_RUNS. Flushes; commit before doing the work."""
    insert = insert_for(db.session.get_bind())
    now = utcnow()
    statement = (
        insert(PeriodicRun)
        .values(task=task, slot=slot, host=host[:255], pid=pid, started_at=now)
        .on_conflict_do_nothing(index_elements=["task", "slot"])
        .returning(PeriodicRun.task)
    )
    won = db.session.execute(statement).scalar_one_or_none() is not None
    if won:
        db.session.execute(delete(PeriodicRun).where(PeriodicRun.slot < now - KEEP_RUNS))
    return won


def finish(task: str, slot: datetime, outcome: str) -> None:
    """Record how the claimed run ended. Flushes."""
    statement = (
        update(PeriodicRun)
        .where(PeriodicRun.task == task, PeriodicRun.slot == slot)
        .values(finished_at=utcnow(), outcome=outcome[:2000])
    )
    db.session.execute(statement)


@dataclass(frozen=True)
class Schedule:
    """A periodic task as `flask worker periodic` lists it."""

    task: str
    crontab: dict[str, str]
    next_slot: datetime | None
    last: PeriodicRun | None


def schedules(registered: dict[str, dict[str, str]], now: datetime) -> list[Schedule]:
    """Each registered schedule with its next slot and its latest claimed run (one query)."""
    latest = (
        select(PeriodicRun.task, func.max(PeriodicRun.slot).label("slot"))
        .where(PeriodicRun.task.in_(list(registered)))
        .group_by(PeriodicRun.task)
        .subquery()
    )
    runs = db.session.scalars(
        select(PeriodicRun).join(latest, (latest.c.task == PeriodicRun.task) & (latest.c.slot == PeriodicRun.slot))
    )
    last = {run.task: run for run in runs}
    return [
        Schedule(task, crontab, next_slot(crontab, now), last.get(task)) for task, crontab in sorted(registered.items())
    ]
