"""Drafts of a learner's answer cells (versioned) and interactive runs of a draft."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow

RUN_STATES = ("queued", "running", "done", "failed")


class Draft(Base):
    """One learner's work in progress on one assignment: answer sources by grade id.

    `version` grows by one on every save; a save must name the version it was based on, so
    a stale tab never silently overwrites newer work. A refused stale save is kept in
    `conflict_cells` (both versions kept)."""

    __tablename__ = "workspace_drafts"
    __table_args__ = (UniqueConstraint("user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    cells: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # grade_id -> source
    size: Mapped[int] = mapped_column(default=0)  # bytes of all sources
    conflict_cells: Mapped[dict[str, str] | None] = mapped_column(JSON)
    conflict_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    """One interactive execution of a draft (up to one cell, or all) and its outputs so far."""

    __tablename__ = "workspace_runs"
    __table_args__ = (
        Index("ix_workspace_runs_user_created", "user_id", "created_at"),
        CheckConstraint(f"state IN {RUN_STATES}", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # what the page polls with
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    target: Mapped[str | None] = mapped_column(String(200))  # cell key run up to; None = all
    # cell key -> {"status", "outputs": [...], "passed"}; keys in notebook order
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
