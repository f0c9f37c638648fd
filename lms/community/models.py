"""Threads and posts beside the content, the votes, follows and flags on them, FAQ entries made from
answers, each member's community standing (code of conduct, suspension) and the moderation log.

A thread is anchored to content by its permanent ids (course, module and item slugs, courses/README)
and to the item's content hash when it was asked (`Item.content_sha256`), so it can say the item
changed since. Counters (replies, votes, flags, first-answer times) live on the rows and are kept by
the services as posts arrive, so lists and figures never count posts on read."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.catalog.models import Course, Item

TITLE_LIMIT = 200
BODY_LIMIT = 20_000  # characters of Markdown a post may have (the limit)
TAG_LIMIT = 40
REASON_LIMIT = 500
# The code of conduct's version (lms/templates/community/conduct*.html). Changing it asks every
# member to accept again at their next post.
CONDUCT_VERSION = "2026-12"


class ThreadKind(StrEnum):
    """A question expects answers (one may be accepted); a discussion does not."""

    QUESTION = "question"
    DISCUSSION = "discussion"


THREAD_KINDS = tuple(kind.value for kind in ThreadKind)


class FlagReason(StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"  # harassment, insults: against the code of conduct
    OFF_TOPIC = "off_topic"
    OTHER = "other"


FLAG_REASONS = tuple(reason.value for reason in FlagReason)


class ModerationAction(StrEnum):
    """What a moderator did; each is one row of the moderation log."""

    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"  # a moderator's delete (an author's own delete is not moderation)
    LOCK = "lock"
    UNLOCK = "unlock"
    PIN = "pin"
    UNPIN = "unpin"
    DISMISS_FLAGS = "dismiss_flags"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    ACCEPT_FOR_ASKER = "accept_for_asker"
    MARK_DUPLICATE = "mark_duplicate"


MODERATION_ACTIONS = tuple(action.value for action in ModerationAction)


class Thread(Base):
    __tablename__ = "threads"
    __table_args__ = (
        CheckConstraint(f"kind IN {THREAD_KINDS}", name="kind_known"),
        # A lesson's panel and a course's list: first page by last activity.
        Index("ix_threads_item_activity", "item_id", "last_activity_at"),
        Index("ix_threads_course_activity", "course_id", "last_activity_at"),
        # The course's list filtered by item (its permanent slug): a quiet lesson's first page.
        Index("ix_threads_course_item_activity", "course_id", "item_slug", "last_activity_at"),
        # The pinned few, first on a course's list (migration 1301).
        Index(
            "ix_threads_course_pinned",
            "course_id",
            "last_activity_at",
            sqlite_where=text("pinned_at IS NOT NULL"),
            postgresql_where=text("pinned_at IS NOT NULL"),
        ),
        # The staff queue: a course's questions without an answer, oldest first.
        Index("ix_threads_course_unanswered", "course_id", "first_reply_at", "created_at"),
        Index("ix_threads_author", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # The permanent ids it was asked about (NULL: the course as a whole, or a whole module).
    module_slug: Mapped[str | None] = mapped_column(String(100))
    item_slug: Mapped[str | None] = mapped_column(String(100))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    item_sha256: Mapped[str | None] = mapped_column(String(64))  # the item's content hash when asked
    kind: Mapped[str] = mapped_column(String(12), default=ThreadKind.QUESTION)
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Counters, kept by the services: replies after the opening post, votes on the opening post.
    reply_count: Mapped[int] = mapped_column(default=0)
    vote_count: Mapped[int] = mapped_column(default=0)
    # Answer times, for the queue and the figures: the first reply by someone else than the asker,
    # the first staff answer (a staff member's reply, or a reply staff marked), the accepted answer.
    first_reply_at: Mapped[datetime | None]
    first_staff_answer_at: Mapped[datetime | None]
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL", use_alter=True, name="fk_threads_accepted_post_id_posts")
    )
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None]
    sla_notified_at: Mapped[datetime | None]  # the staff were told it is overdue (once)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    pinned_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]  # by a moderator; readable by staff only
    deleted_at: Mapped[datetime | None]  # a tombstone: the title stays for links, the posts go from view

    course: Mapped[Course] = relationship()
    item: Mapped[Item | None] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    tags: Mapped[list[ThreadTag]] = relationship(cascade="all, delete-orphan", order_by="ThreadTag.tag")


class ThreadTag(Base):
    __tablename__ = "thread_tags"
    __table_args__ = (Index("ix_thread_tags_tag", "tag", "thread_id"),)

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_LIMIT), primary_key=True)


class Post(Base):
    """The opening post (position 1) or a reply. Deleting leaves a tombstone: the row stays so the
    thread's numbering and its links hold, its body is no longer shown."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_thread_position", "thread_id", "position", unique=True),  # pages of a thread
        Index("ix_posts_author", "author_id", "created_at"),
        # The moderation queue: the few posts with active flags or hidden (services.moderation.NEEDS_REVIEW).
        Index(
            "ix_posts_review",
            "thread_id",
            sqlite_where=text("active_flag_count > 0 OR hidden_at IS NOT NULL"),
            postgresql_where=text("active_flag_count > 0 OR hidden_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    position: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised when written
    by_staff: Mapped[bool] = mapped_column(default=False)  # the author was the course's staff
    staff_marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    staff_marked_at: Mapped[datetime | None]
    vote_count: Mapped[int] = mapped_column(default=0)
    active_flag_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]  # by flags reaching the course's threshold, or a moderator
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    @property
    def is_staff_answer(self) -> bool:
        return self.by_staff or self.staff_marked_at is not None


class PostRevision(Base):
    """A post's body before an edit: the edit history."""

    __tablename__ = "post_revisions"
    __table_args__ = (Index("ix_post_revisions_post", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))  # the thread's title, for opening posts
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostVote(Base):
    """One upvote per person per post (the primary key refuses a second, also under a race)."""

    __tablename__ = "post_votes"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThreadFollow(Base):
    __tablename__ = "thread_follows"
    __table_args__ = (Index("ix_thread_follows_user", "user_id", "thread_id"),)

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostFlag(Base):
    """A member's report of a post. One active (unresolved) flag per person and post."""

    __tablename__ = "post_flags"
    __table_args__ = (
        CheckConstraint(f"reason IN {FLAG_REASONS}", name="reason_known"),
        Index(
            "uq_post_flags_active",
            "post_id",
            "user_id",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_post_flags_user", "user_id", "created_at"),  # a flood by one account
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(REASON_LIMIT), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FaqEntry(Base):
    """A good answer turned into a question and answer shown on the item (or the course)."""

    __tablename__ = "faq_entries"
    __table_args__ = (Index("ix_faq_entries_course_item", "course_id", "item_slug", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    item_slug: Mapped[str | None] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    answer: Mapped[str] = mapped_column(Text)  # Markdown
    answer_html: Mapped[str] = mapped_column(Text)
    source_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommunityMember(Base):
    """A person's standing in the community: the code of conduct version they accepted, and a
    suspension from posting in every course (disabling the account stays the admin's)."""

    __tablename__ = "community_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    conduct_version: Mapped[str | None] = mapped_column(String(20))
    conduct_accepted_at: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    suspension_reason: Mapped[str | None] = mapped_column(String(REASON_LIMIT))


class ModerationLog(Base):
    """Append-only: who did what to which thread, post or person, and why."""

    __tablename__ = "moderation_log"
    __table_args__ = (
        CheckConstraint(f"action IN {MODERATION_ACTIONS}", name="action_known"),
        Index("ix_moderation_log_course", "course_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(REASON_LIMIT), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
