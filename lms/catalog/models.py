"""Courses, their modules and items (lessons, quizzes, assignments), loaded from files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

TIERS = ("beginner", "intermediate", "advanced")
ITEM_KINDS = ("lesson", "quiz", "assignment")
# Who may see a course or workshop (lms/developers/services/audiences.py): everyone, signed-in
# people, or the members of the named segments and teams (plus staff and who enrolled before).
AUDIENCES = ("public", "signed_in", "limited")

course_tags = Table(
    "course_tags",
    Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
course_prerequisites = Table(
    "course_prerequisites",
    Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("prerequisite_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint(f"tier IN {TIERS}", name="tier_known"),
        CheckConstraint(f"audience IN {AUDIENCES}", name="audience_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    tier: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    estimated_hours: Mapped[float] = mapped_column(default=1.0)
    pass_mark: Mapped[int] = mapped_column(default=70)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # The `survey:` key of course.yml, stored at sync: feedback reads it here, never from the file.
    survey: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The `community:` key of course.yml: hours a question may wait for an answer before the staff
    # are told, and how many members' flags hide a post until a moderator looks.
    community_sla_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    community_flag_threshold: Mapped[int] = mapped_column(default=3, server_default="3")
    # The `audience:` key of course.yml; segments and teams by name (a segment may be made later).
    audience: Mapped[str] = mapped_column(String(20), default="public", server_default="public")
    audience_segments: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    audience_teams: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    tags: Mapped[list[Tag]] = relationship(secondary=course_tags, order_by=Tag.name)
    prerequisites: Mapped[list[Course]] = relationship(
        secondary=course_prerequisites,
        primaryjoin=lambda: Course.id == course_prerequisites.c.course_id,
        secondaryjoin=lambda: Course.id == course_prerequisites.c.prerequisite_id,
        order_by=lambda: Course.title,
    )
    modules: Mapped[list[Module]] = relationship(back_populates="course", order_by="Module.position")
    instructors: Mapped[list[CourseInstructor]] = relationship(cascade="all, delete-orphan")

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]


class CourseInstructor(Base):
    """An instructor named in course.yml, by e-mail (the account may come later)."""

    __tablename__ = "course_instructors"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), primary_key=True, index=True)


class Module(Base):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(back_populates="modules")
    items: Mapped[list[Item]] = relationship(back_populates="module", order_by="Item.position")


class Item(Base):
    """One step of a module: a lesson, a quiz or an assignment. Never deleted, only archived."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint(f"kind IN {ITEM_KINDS}", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    source_path: Mapped[str] = mapped_column(String(300), default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # SHA-256 of what learners see (lms/catalog/content_hash.py), set at every sync and kept when
    # archived; None only for an item archived before hashes existed (its file was gone).
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime | None]

    module: Mapped[Module] = relationship(back_populates="items")
    course: Mapped[Course] = relationship()
