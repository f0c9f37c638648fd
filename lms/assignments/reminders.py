"""Assignment reminders: within 48 hours of a learner's own due date (their extension's, if they
have one), to enrolled learners who have not submitted; none once the due date passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from lms.accounts.models import User
from lms.assignments.models import Extension, Submission
from lms.assignments.policy import Policy
from lms.catalog.models import Course, Item, Module
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.notifications.models import NotificationKind
from lms.notifications.reminders import Reminder

AHEAD = timedelta(hours=48)


def due_reminders(now: datetime) -> list[Reminder]:
    """Enrolled learners without a submission whose effective due date is within 48 hours (two
    queries: the live assignments, then the learners). An extension replaces the course's date:
    a learner whose date it moved out of the window is not reminded of the old one. The key names
    the effective due moment, so a later extension brings a reminder for the new date."""
    horizon = now + AHEAD
    items = _live_assignments()
    if not items:
        return []
    in_window = [item_id for item_id, (_, _, due) in items.items() if due is not None and now < due <= horizon]
    submitted = (
        select(Submission.id).where(Submission.user_id == Enrollment.user_id, Submission.item_id == Item.id).exists()
    )
    rows = db.session.execute(
        select(User, Item.id, Extension.due_at)
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .join(Item, Item.course_id == Enrollment.course_id)
        .outerjoin(Extension, and_(Extension.item_id == Item.id, Extension.user_id == Enrollment.user_id))
        .where(
            Item.id.in_(list(items)),
            User.active.is_(True),
            or_(
                and_(Extension.id.is_(None), Item.id.in_(in_window)),
                and_(Extension.due_at > now, Extension.due_at <= horizon),
            ),
            ~submitted,
        )
    )
    reminders = []
    for user, item_id, extension in rows:
        subject, course_title, base_due = items[item_id]
        moment = extension or base_due
        if moment is None:  # not returned by the query; says so to the type checker
            continue
        due = moment.astimezone(UTC)  # one spelling per moment, whatever the course file's offset
        reminders.append(
            Reminder(
                user,
                NotificationKind.ASSIGNMENT_DUE,
                f"item:{item_id}:due:{due.isoformat()}",
                subject,
                {"course": course_title, "due_at": due.isoformat(), "extended": extension is not None},
            )
        )
    return reminders


def _live_assignments() -> dict[int, tuple[dict[str, Any], str, datetime | None]]:
    """Assignments learners see (item, module and course live): subject, course title, due date."""
    rows = db.session.execute(
        select(Item.id, Item.slug, Item.title, Item.data, Course.slug, Course.title)
        .join(Module, Module.id == Item.module_id)
        .join(Course, Course.id == Item.course_id)
        .where(
            Item.kind == "assignment",
            Item.archived_at.is_(None),
            Module.archived_at.is_(None),
            Course.archived_at.is_(None),
        )
    )
    return {
        item_id: (
            {"title": title, "url": f"/courses/{course_slug}/{slug}", "item_id": item_id},
            course_title,
            Policy.of(data or {}).due,
        )
        for item_id, slug, title, data, course_slug, course_title in rows
    }
