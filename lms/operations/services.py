"""Worker heartbeats and the readiness they feed: what a deployment asks before sending traffic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from lms.db import utcnow
from lms.extensions import db
from lms.operations.models import WorkerHeartbeat

BEAT_SECONDS = 5.0  # how often a running worker writes its row
FRESH_SECONDS = 30.0  # a heartbeat older than this (six missed beats) is a worker that is gone or stuck
FORGET_AFTER = timedelta(hours=1)  # rows of workers that died without deleting theirs


def start_heartbeat(name: str, host: str, pid: int) -> WorkerHeartbeat:
    """The row of a worker that starts now; forgets rows no worker has beaten for an hour. Flushes."""
    now = utcnow()
    db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))
    row = WorkerHeartbeat(name=name, host=host, pid=pid, started_at=now, beat_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def beat(heartbeat_id: int) -> bool:
    """Say the worker is alive now; False if its row is gone (forgotten while it was frozen). Flushes."""
    result = db.session.execute(
        update(WorkerHeartbeat).where(WorkerHeartbeat.id == heartbeat_id).values(beat_at=utcnow())
    )
    return result.rowcount == 1


def end_heartbeat(heartbeat_id: int) -> None:
    """A worker that stops cleanly removes its row, so readiness stops counting it at once. Flushes."""
    db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.id == heartbeat_id))


def heartbeats() -> list[WorkerHeartbeat]:
    """Every worker's row, freshest first."""
    return list(db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc())))


@dataclass(frozen=True)
class Readiness:
    """What `/readyz` answers: the database reachable, and how long ago a worker last beat."""

    database: bool
    worker_age: float | None  # seconds since the freshest heartbeat; None: no worker row

    @property
    def worker(self) -> bool:
        return self.worker_age is not None and self.worker_age <= FRESH_SECONDS

    @property
    def ready(self) -> bool:
        return self.database and self.worker


def readiness(now: datetime | None = None) -> Readiness:
    """Ask the database for the freshest heartbeat; an unreachable database is an answer too."""
    try:
        beat_at = db.session.scalar(select(WorkerHeartbeat.beat_at).order_by(WorkerHeartbeat.beat_at.desc()).limit(1))
    except SQLAlchemyError:
        db.session.rollback()
        return Readiness(database=False, worker_age=None)
    age = None if beat_at is None else max(0.0, ((now or utcnow()) - beat_at).total_seconds())
    return Readiness(database=True, worker_age=age)
