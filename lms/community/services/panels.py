"""The "Questions and discussion" panel beside the content: on the course page (optionally one
module), on every lesson and assignment page, on a quiz page once the learner has submitted it
(never on an exam page). What is on the item first (its FAQ entries), then the first threads
about it by last activity, pinned first, read from the counters on the thread rows: two queries
for the content, whatever the number of threads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import select

from lms.community.models import FaqEntry, Thread
from lms.community.services import enrollment_of, is_staff
from lms.extensions import db

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.catalog.models import Course, Item

PANEL_THREADS = 5  # threads shown in a panel; the link leads to all of them
PANEL_FAQ = 5


class Access(StrEnum):
    """What the viewer may do in the panel: visitors and non-members only see an invitation."""

    NONE = "none"  # signed out, or not a member of the course
    READ = "read"  # a learner who left the course
    POST = "post"  # an enrolled learner, or the course's staff


@dataclass(frozen=True)
class Panel:
    access: Access
    staff: bool
    faq: list[FaqEntry]
    threads: list[Thread]
    more: bool  # there are threads beyond the first PANEL_THREADS


def access(user: User, course: Course) -> tuple[Access, bool]:
    """The viewer's access to the course's community, and whether they are its staff. Suspended
    members still see the button: asking explains the suspension (the core's check_can_post)."""
    if not user.is_authenticated:
        return Access.NONE, False
    if is_staff(user, course.id):
        return Access.POST, True
    enrollment = enrollment_of(user, course.id)
    if enrollment is None:
        return Access.NONE, False
    return (Access.READ if enrollment.left_at is not None else Access.POST), False


def shows_on(item: Item | None, *, quiz_submitted: bool, staff: bool) -> bool:
    """A quiz's panel waits until the learner has submitted it (no answers before they try);
    the course's staff see it always. Exams are not items and never show one."""
    return item is None or item.kind != "quiz" or quiz_submitted or staff


def panel(user: User, course: Course, *, item: Item | None = None, module_slug: str | None = None) -> Panel:
    """The panel for the course page (all of it, or one module) or an item's page."""
    viewer, staff = access(user, course)
    if viewer is Access.NONE:
        return Panel(viewer, staff, [], [], False)
    faq = list(
        db.session.scalars(
            select(FaqEntry)
            .where(
                FaqEntry.course_id == course.id,
                FaqEntry.item_slug == item.slug if item is not None else FaqEntry.item_slug.is_(None),
            )
            .order_by(FaqEntry.position, FaqEntry.id)
            .limit(PANEL_FAQ)
        )
    )
    query = select(Thread).where(Thread.deleted_at.is_(None))
    if item is not None:
        query = query.where(Thread.item_id == item.id)
    else:
        query = query.where(Thread.course_id == course.id)
        if module_slug:
            query = query.where(Thread.module_slug == module_slug)
    if not staff:
        query = query.where(Thread.hidden_at.is_(None))
    query = query.order_by(Thread.pinned_at.is_(None), Thread.last_activity_at.desc(), Thread.id.desc())
    threads = list(db.session.scalars(query.limit(PANEL_THREADS + 1)))
    return Panel(viewer, staff, faq, threads[:PANEL_THREADS], len(threads) > PANEL_THREADS)
