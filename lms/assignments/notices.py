"""What a learner is told about their assignment work: a grade ready or failed, an instructor's mark or
comment, an extension. Each is recorded with notify() in the transaction of the change it tells of,
keyed by that change's own row, so a retried task or a repeated form adds nothing."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.assignments import services
from lms.assignments.models import Extension, Grade, GradeChange, Submission
from lms.assignments.policy import Policy
from lms.catalog.models import Item
from lms.extensions import db
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify


def _about(item: Item) -> tuple[dict[str, Any], dict[str, Any]]:
    """The assignment as a notification's subject (its page) and the names its texts use."""
    course = item.course
    subject = {"title": item.title, "url": f"/courses/{course.slug}/{item.slug}", "item_id": item.id}
    return subject, {"item": item.title, "course": course.title}


def _score(submission: Submission, grade: Grade, item: Item) -> dict[str, Any]:
    """The score the learner's page shows (after late penalty and adjustment) and its maximum."""
    extension = services.extension_for(submission.user_id, item.id)
    score = Policy.of(item.data).score(grade, submission.received_at, extension)
    return {"score": f"{score:g}", "max_score": f"{grade.max_score:g}"}


def grade_ready(submission: Submission, grade: Grade) -> None:
    """A grading round ended with its final grade; one notification per (submission, round)."""
    item = db.session.get_one(Item, submission.item_id)
    subject, context = _about(item)
    context |= _score(submission, grade, item) | {"graded_at": grade.graded_at.isoformat()}
    learner = db.session.get_one(User, submission.user_id)
    notify(learner, NotificationKind.GRADE_READY, subject, context, key=f"submission:{submission.id}:{grade.run}")


def grade_failed(submission: Submission, run: int, reason: str) -> None:
    """A grading round could not be graded: the learner learns why (the page shows the same reason)."""
    item = db.session.get_one(Item, submission.item_id)
    subject, context = _about(item)
    context |= {"reason": reason[:500], "received_at": submission.received_at.isoformat()}
    learner = db.session.get_one(User, submission.user_id)
    notify(learner, NotificationKind.GRADE_FAILED, subject, context, key=f"submission:{submission.id}:{run}")


def review_added(submission: Submission, change: GradeChange, comment: str) -> None:
    """An instructor marked or commented on the learner's graded submission (keyed by the change's
    first audit row: one notification per save, however many fields it changed)."""
    item = db.session.get_one(Item, submission.item_id)
    grade = submission.grade
    assert grade is not None  # marks and comments are given on a graded round only
    subject, context = _about(item)
    reviewer = db.session.get(User, change.actor_id) if change.actor_id else None
    context |= _score(submission, grade, item) | {
        "by": reviewer.display_name if reviewer else "",
        "comment": comment[:1000],
        "reviewed_at": change.at.isoformat(),
    }
    learner = db.session.get_one(User, submission.user_id)
    notify(learner, NotificationKind.REVIEW_ADDED, subject, context, key=f"grade-change:{change.id}")


def extension_granted(extension: Extension, item: Item, learner: User, change: GradeChange) -> None:
    """The learner's own new due date; keyed by the extension and the audit row of this grant, so a
    later grant (another date) is its own notification and the same date again is none."""
    subject, context = _about(item)
    context |= {"due_at": extension.due_at.isoformat()}
    notify(learner, NotificationKind.EXTENSION_GRANTED, subject, context, key=f"extension:{extension.id}:{change.id}")
