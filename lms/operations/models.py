"""Heartbeats of running worker processes, and the slots of periodic tasks they claimed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow


class WorkerHeartbeat(Base):
    """One running worker process: written when it starts and every few seconds while it runs,
    deleted when it stops cleanly; what `/readyz` and `flask worker status` read."""

    __tablename__ = "worker_heartbeats"
    # Ids never reused (SQLite reuses the largest deleted one otherwise): a worker whose row was
    # forgotten while it was frozen must not beat, or delete, a newer worker's row.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))  # the command that runs it: "worker"
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the freshest one is asked for


class PeriodicRun(Base):
    """One scheduled slot of a periodic task (its name and the UTC minute it was due), claimed by
    the first worker to insert this row: every worker enqueues each slot it sees, and the others
    find the row taken and do nothing. Kept two weeks for `flask worker periodic`."""

    __tablename__ = "periodic_runs"

    task: Mapped[str] = mapped_column(String(200), primary_key=True)  # the qualified name
    slot: Mapped[datetime] = mapped_column(primary_key=True, index=True)  # old ones are pruned by slot
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)  # what the task returned, or why it failed
