"""Developer profiles (optional, asked once after sign-up), their interests, and segments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

DEVELOPER_TYPES = ("internal", "partner", "external", "academic", "student")
# The profile fields a segment rule may name, besides team, placement level and activity
# (lms.developers.services.segments says which operators each takes).
PROFILE_FIELDS = (
    "developer_type",
    "organisation",
    "job_role",
    "interests",
    "main_language",
    "stack",
    "years_experience",
    "country",
)
MIN_SEGMENT_SIZE = 5  # k-anonymity: a smaller segment shows no figures


class DeveloperProfile(Base):
    """One person's optional profile: every field may stay empty. `asked_at` records that the
    after-sign-up step was shown and answered or skipped, so it is asked once."""

    __tablename__ = "developer_profiles"
    __table_args__ = (
        CheckConstraint(f"developer_type IN {DEVELOPER_TYPES}", name="developer_type_known"),
        CheckConstraint("years_experience BETWEEN 0 AND 60", name="years_range"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    developer_type: Mapped[str | None] = mapped_column(String(20), index=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_role: Mapped[str] = mapped_column(String(100), default="")
    main_language: Mapped[str] = mapped_column(String(50), default="")
    stack: Mapped[str] = mapped_column(String(200), default="")
    years_experience: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(String(2), index=True)  # ISO 3166-1 alpha-2
    asked_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    interests: Mapped[list[DeveloperInterest]] = relationship(
        cascade="all, delete-orphan", order_by="DeveloperInterest.tag"
    )


class DeveloperInterest(Base):
    """One interest: a catalog tag's name (rows, not a JSON list, so segments select them in SQL)."""

    __tablename__ = "developer_interests"

    user_id: Mapped[int] = mapped_column(ForeignKey("developer_profiles.user_id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class Segment(Base):
    """An admin's saved rule: an AND of OR-groups of conditions, each {"field", "op", "value"}.
    Its members are materialised in `segment_members` (recomputed on change and nightly)."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[list[list[dict[str, Any]]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    computed_at: Mapped[datetime | None]
    member_count: Mapped[int] = mapped_column(default=0)


class SegmentMember(Base):
    __tablename__ = "segment_members"
    __table_args__ = (Index("ix_segment_members_user", "user_id"),)

    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
