"""Assigned-path reminders: a course of a learner's path due within 7 days, and once overdue (for a
week after its due date), unless the learner completed it. Here rather than in recommend because
completion for many learners at once is reports' read model (as on the team page's overdue panel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, union

from lms.accounts.models import User, team_members
from lms.catalog.models import Course
from lms.extensions import db
from lms.notifications.models import NotificationKind
from lms.notifications.reminders import Reminder
from lms.recommend.models import LearningPath, PathAssignment, PathItem
from lms.reports.query import not_completed

AHEAD = timedelta(days=7)  # "due in 7 days"
OVERDUE_FOR = timedelta(days=7)  # an overdue reminder found later than this is not sent


def path_reminders(now: datetime) -> list[Reminder]:
    """Learners assigned a path (themselves or through a team) whose course in it is due within 7 days
    or fell overdue within the last 7, and is not completed (an exam still to pass is not completed):
    one query. The key names the due moment, so a date moved later is reminded of again."""
    assignees = union(
        select(PathAssignment.path_id, PathAssignment.user_id.label("user_id")).where(
            PathAssignment.user_id.is_not(None)
        ),
        select(PathAssignment.path_id, team_members.c.user_id).join(
            team_members, team_members.c.team_id == PathAssignment.team_id
        ),
    ).subquery()
    rows = db.session.execute(
        not_completed(
            select(User, LearningPath.id, LearningPath.title, Course.id, Course.title, PathItem.due_at)
            .select_from(assignees)
            .join(User, User.id == assignees.c.user_id)
            .join(LearningPath, LearningPath.id == assignees.c.path_id)
            .join(PathItem, PathItem.path_id == LearningPath.id)
            .join(Course, Course.id == PathItem.course_id)
        ).where(
            User.active.is_(True),
            Course.archived_at.is_(None),
            PathItem.due_at > now - OVERDUE_FOR,
            PathItem.due_at <= now + AHEAD,
        )
    )
    reminders = []
    for user, path_id, path_title, course_id, course_title, due_at in rows:
        due = due_at.astimezone(UTC)
        kind = NotificationKind.PATH_DUE if due > now else NotificationKind.PATH_OVERDUE
        reminders.append(
            Reminder(
                user,
                kind,
                f"path:{path_id}:course:{course_id}:due:{due.isoformat()}",
                {"title": path_title, "url": f"/dashboard#path-{path_id}", "path_id": path_id, "course_id": course_id},
                {"course": course_title, "due_at": due.isoformat()},
            )
        )
    return reminders
