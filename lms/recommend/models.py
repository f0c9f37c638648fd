"""Skill parameters and mastery (BKT), placement results, goals, assigned learning paths, dashboard versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalog.models import TIERS, Course
from lms.db import Base, utcnow


class SkillParameter(Base):
    """BKT parameters of one skill, from `flask recommend fit` (no row: the documented defaults)."""

    __tablename__ = "skill_parameters"

    skill: Mapped[str] = mapped_column(String(50), primary_key=True)
    prior: Mapped[float]
    learn: Mapped[float]
    guess: Mapped[float]
    slip: Mapped[float]
    forget: Mapped[float] = mapped_column(default=0.0)
    learners: Mapped[int] = mapped_column(default=0)
    observations: Mapped[int] = mapped_column(default=0)
    fitted: Mapped[bool] = mapped_column(default=False)  # False: too little data, defaults kept
    fitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class SkillMastery(Base):
    """P(the learner knows the skill), updated after each event and recomputed by a fit."""

    __tablename__ = "skill_masteries"
    __table_args__ = (UniqueConstraint("user_id", "skill"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(50))
    p_known: Mapped[float]
    observations: Mapped[int] = mapped_column(default=0)  # graded answers seen
    correct: Mapped[int] = mapped_column(default=0)
    placed: Mapped[bool] = mapped_column(default=False)  # marked known by the placement quiz
    # The latest graded result on this skill, for "you scored 45% on ..." reasons.
    last_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"), index=True)
    last_score_pct: Mapped[float | None]
    last_passed: Mapped[bool | None]
    last_event_id: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlacementResult(Base):
    """One sitting of the placement quiz (courses/placement.yml) and the modules it marked known."""

    __tablename__ = "placement_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[float]
    max_score: Mapped[float]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    known_modules: Mapped[list[str]] = mapped_column(JSON, default=list)  # "course-slug/module-slug"
    suggested_tier: Mapped[str] = mapped_column(String(20))
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class LearningGoal(Base):
    """The tier a learner is aiming at; recommendations favour it."""

    __tablename__ = "learning_goals"
    __table_args__ = (CheckConstraint(f"tier IN {TIERS}", name="tier_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LearningPath(Base):
    """An ordered list of courses with due dates, made by a manager or an instructor."""

    __tablename__ = "learning_paths"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[PathItem]] = relationship(
        back_populates="path", order_by="PathItem.position", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[PathAssignment]] = relationship(back_populates="path", cascade="all, delete-orphan")


class PathItem(Base):
    """One course of a path, in order, with the date it is due (UTC)."""

    __tablename__ = "path_items"
    __table_args__ = (UniqueConstraint("path_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None]

    path: Mapped[LearningPath] = relationship(back_populates="items")
    course: Mapped[Course] = relationship()


class PathAssignment(Base):
    """A path given to a whole team or to one learner (exactly one of the two)."""

    __tablename__ = "path_assignments"
    __table_args__ = (
        CheckConstraint("(team_id IS NULL) <> (user_id IS NULL)", name="team_or_user"),
        Index("ix_path_assignments_path_team", "path_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    path: Mapped[LearningPath] = relationship(back_populates="assignments")


class DashboardVersion(Base):
    """Changed (to a new random token) whenever what one learner's dashboard shows changes.

    Workers keep each learner's rendered dashboard keyed by this token and the DashboardEpoch's,
    so a change made anywhere shows on the very next page (see lms/recommend/freshness.py).
    A random token, not a counter: a rolled-back change or a reused user id cannot bring back
    a token that a cached page was stored under.
    """

    __tablename__ = "dashboard_versions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DashboardEpoch(Base):
    """One row (id 1): changed when a change reaches every learner (a course sync, a model refit)."""

    __tablename__ = "dashboard_epochs"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
