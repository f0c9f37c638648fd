"""Heartbeats of running worker processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
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
