"""What instructors do: gradebook, manual marks with comments, extensions, regrades, CSV.

Every change to a grade or a deadline goes through a function here, which appends its audit row
(`lms.assignments.audit`) in the same transaction; the models refuse a mark or extension without one."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Update, select, update
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.assignments import audit, notices, services
from lms.assignments.audit import Actor
from lms.assignments.models import ChangeKind, Extension, Grade, Submission, SubmissionState
from lms.assignments.policy import Policy
from lms.assignments.worker import record_graded
from lms.catalog.models import Course, Item
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.learning.services import get_enrollment
from lms.spreadsheets import neutralize
from lms.teaching.services import teaches


class GradebookError(UserError):
    """An instructor action that cannot be applied; the message is for people."""


def taught_assignment(user: User, course: Course, item: Item) -> bool:
    """True if the user may see this assignment's gradebook."""
    return item.kind == "assignment" and item.course_id == course.id and teaches(user, course.id)


def visible_taught_submission(user: User, submission_id: int) -> Submission | None:
    """A submission of a course the user teaches (None otherwise, as for a missing id)."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        return None
    item = db.session.get(Item, submission.item_id)
    return submission if teaches(user, item.course_id) else None


@dataclass(frozen=True)
class Row:
    """One learner's line in the gradebook."""

    learner: User
    attempts: int
    score: float | None  # the counting attempt's score after late penalty
    max_score: float | None
    state: str  # of the latest attempt, or "none"
    late_days: int  # of the counting attempt (or the latest)
    extension: datetime | None
    counting: Submission | None
    latest: Submission | None


def gradebook(item: Item) -> list[Row]:
    """Every enrolled learner (and anyone who submitted), with attempts, score, state, lateness."""
    policy = Policy.of(item.data)
    subs = db.session.scalars(
        select(Submission).where(Submission.item_id == item.id).options(selectinload(Submission.grades))
    )
    by_user: dict[int, list[Submission]] = defaultdict(list)
    for submission in subs:
        by_user[submission.user_id].append(submission)
    enrolled = set(db.session.scalars(select(Enrollment.user_id).where(Enrollment.course_id == item.course_id)))
    ids = enrolled | set(by_user)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    extensions = dict(
        db.session.execute(select(Extension.user_id, Extension.due_at).where(Extension.item_id == item.id)).all()
    )
    rows = []
    for user_id, user in users.items():
        attempts = sorted(by_user.get(user_id, []), key=lambda s: s.id)
        ext = extensions.get(user_id)
        counting = policy.counting(attempts, ext)
        latest = attempts[-1] if attempts else None
        shown = counting or latest
        rows.append(
            Row(
                user,
                len(attempts),
                policy.score(counting.grade, counting.received_at, ext) if counting else None,
                counting.grade.max_score if counting else None,
                latest.state if latest else "none",
                policy.days_late(shown.received_at, ext) if shown else 0,
                ext,
                counting,
                latest,
            )
        )
    rows.sort(key=lambda r: (r.learner.display_name.lower(), r.learner.id))
    return rows


def gradebook_csv(item: Item, rows: list[Row]) -> str:
    """The gradebook as CSV (one line per learner), for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "attempts", "score", "max_score", "state", "late_days", "extension_due"])
    for r in rows:
        writer.writerow(
            [
                r.learner.email,
                neutralize(r.learner.display_name),
                r.attempts,
                "" if r.score is None else f"{r.score:g}",
                "" if r.max_score is None else f"{r.max_score:g}",
                r.state,
                r.late_days,
                r.extension.isoformat() if r.extension else "",
            ]
        )
    return out.getvalue()


def set_manual(grade: Grade, grade_id: str, points: float, comment: str, *, by: Actor, reason: str = "") -> bool:
    """Mark one manually graded cell, with one audit row per field that changes (points, comment);
    the learner's score event is appended again. False if nothing changed (then nothing is written).

    Changing points already given takes a reason (a first mark does not: grading is its own reason)."""
    cell = next((c for c in grade.manual_cells if c["name"] == grade_id), None)
    if cell is None:
        raise GradebookError(_l("That cell is not graded by hand in this assignment."))
    if not 0 <= points <= cell["max_points"]:
        raise GradebookError(_l("Points must be between 0 and %(max)s.", max=f"{cell['max_points']:g}"))
    comment = comment.strip()[:4000]
    _lock(update(Grade).where(Grade.id == grade.id).values(run=Grade.run))
    db.session.refresh(grade)
    before = grade.manual.get(grade_id) or {}
    old_points, old_comment = before.get("points"), before.get("comment") or ""
    points_changed = old_points is None or float(old_points) != points
    if not points_changed and old_comment == comment:
        return False
    if old_points is not None and points_changed and audit.clean_reason(reason) is None:
        raise GradebookError(_l("Give a reason for changing points already given."))
    submission = grade.submission
    item = db.session.get(Item, submission.item_id)
    change = {
        "by": by,
        "item": item,
        "learner_id": submission.user_id,
        "submission_id": submission.id,
        "field": grade_id,
        "reason": reason,
    }
    rows = []
    if points_changed:
        rows.append(audit.record(ChangeKind.MANUAL_MARK, old=old_points, new=points, **change))
    if old_comment != comment:
        rows.append(audit.record(ChangeKind.COMMENT, old=old_comment or None, new=comment or None, **change))
    grade.manual = {**grade.manual, grade_id: {"points": points, "comment": comment}}
    db.session.flush()
    record_graded(submission, grade)
    notices.review_added(submission, rows[0], comment if old_comment != comment else "")
    return True


COMMENT_MAX = 4000


def parse_points(text: str | None) -> float:
    """A signed number of points as typed ("2", "+2", "-1.5"; empty is 0), refused with a message otherwise."""
    text = (text or "").strip()
    if not text:
        return 0.0
    try:
        points = float(text)
    except ValueError:
        points = math.nan
    if not math.isfinite(points) or len(text) > 20:
        raise GradebookError(_l("Enter the adjustment as a number of points, such as 2 or -1.5."))
    return points


def review(submission: Submission, comment: str, adjustment: float, *, by: Actor, reason: str = "") -> list[ChangeKind]:
    """The instructor's comment (Markdown) and signed points adjustment on a graded submission, with one
    audit row per value that changes; a new adjustment appends the learner's score event again.

    The adjustment is added after the late penalty and must keep the score within 0..max; changing it
    takes a reason. Everything is checked before anything is written. Returns the kinds changed."""
    grade = submission.grade
    if grade is None:
        raise GradebookError(_l("This submission is not graded yet: comment and adjust once it is."))
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise GradebookError(_l("Keep the comment under %(n)s characters.", n=COMMENT_MAX))
    _lock(update(Grade).where(Grade.id == grade.id).values(run=Grade.run))
    db.session.refresh(grade)
    item = db.session.get_one(Item, submission.item_id)
    extension = services.extension_for(submission.user_id, item.id)
    base = Policy.of(item.data).penalized(grade, submission.received_at, extension)
    adjustment = round(adjustment, 4)
    changed = []
    if adjustment != grade.adjustment:
        if not -base <= adjustment <= grade.max_score - base:
            raise GradebookError(
                _l(
                    "The score is %(base)s of %(max)s before the adjustment, and must stay between 0 and %(max)s: "
                    "adjust by %(low)s to +%(high)s points.",
                    base=f"{base:g}",
                    max=f"{grade.max_score:g}",
                    low=f"{-base:g}",
                    high=f"{grade.max_score - base:g}",
                )
            )
        if audit.clean_reason(reason) is None:
            raise GradebookError(_l("Give a reason for the points adjustment: the learner's grade history keeps it."))
        changed.append(ChangeKind.ADJUSTMENT)
    if comment != grade.comment:
        changed.append(ChangeKind.GENERAL_COMMENT)
    row = {"by": by, "item": item, "learner_id": submission.user_id, "submission_id": submission.id}
    rows = []
    if ChangeKind.ADJUSTMENT in changed:
        points = {"field": "points", "old": grade.adjustment, "new": adjustment, "reason": reason}
        rows.append(audit.record(ChangeKind.ADJUSTMENT, **points, **row))
        grade.adjustment = adjustment
    if ChangeKind.GENERAL_COMMENT in changed:
        rows.append(audit.record(ChangeKind.GENERAL_COMMENT, old=grade.comment or None, new=comment or None, **row))
        grade.comment = comment
    db.session.flush()
    if ChangeKind.ADJUSTMENT in changed:
        record_graded(submission, grade)
    if rows:
        notices.review_added(submission, rows[0], comment if ChangeKind.GENERAL_COMMENT in changed else "")
    return changed


def regrade(item: Item, submission: Submission | None = None, *, by: Actor, reason: str = "") -> list[tuple[int, int]]:
    """Start a new grading round for every submission of the assignment, or only `submission`
    (the old grades stay as history): one UPDATE, one audit row per submission (old run -> new run);
    enqueue the (id, run) rounds after commit."""
    only = Submission.id == submission.id if submission is not None else Submission.item_id == item.id
    rows = db.session.execute(
        update(Submission)
        .where(only)
        .values(
            run=Submission.run + 1,
            state=SubmissionState.QUEUED,
            queued_at=utcnow(),
            lease_token=None,
            lease_expires_at=None,
            tries=0,
            failure=None,
        )
        .returning(Submission.id, Submission.user_id, Submission.run)
        .execution_options(synchronize_session=False)
    ).all()
    audit.record_regrades(item, [(r.id, r.user_id, r.run) for r in rows], by=by, reason=reason)
    return sorted((row.id, row.run) for row in rows)


def extension_learner(course: Course, learner_id: str) -> User:
    """The learner an extension form names (the id as posted), refused with its own message when it
    is no known user or not enrolled in the course."""
    known = learner_id.isascii() and learner_id.isdigit() and int(learner_id) < 2**31  # an id the column can hold
    learner = db.session.get(User, int(learner_id)) if known else None
    if learner is None:
        raise GradebookError(_l("There is no such learner; choose one from the list."))
    if get_enrollment(learner.id, course.id) is None:
        # Not named: an instructor trying ids must not learn who holds them.
        raise GradebookError(_l("That learner is not enrolled in this course; choose one from the list."))
    return learner


def grant_extension(item: Item, learner: User, due_at: datetime, *, by: Actor, reason: str = "") -> Extension:
    """Give one learner a later due date (replaces an earlier extension), with its audit row;
    the same date again changes nothing."""
    mine = (Extension.item_id == item.id, Extension.user_id == learner.id)
    _lock(update(Extension).where(*mine).values(due_at=Extension.due_at))
    ext = db.session.scalar(select(Extension).where(*mine).execution_options(populate_existing=True))
    if ext is not None and ext.due_at == due_at:
        return ext
    change = audit.record(
        ChangeKind.EXTENSION_GRANTED,
        by=by,
        item=item,
        learner_id=learner.id,
        field="due_at",
        old=ext.due_at.isoformat() if ext else None,
        new=due_at.isoformat(),
        reason=reason,
    )
    before = ext.due_at if ext else None
    if ext is None:
        ext = Extension(item_id=item.id, user_id=learner.id, due_at=due_at)
        db.session.add(ext)
    ext.due_at, ext.granted_by_id, ext.granted_at = due_at, by.id, utcnow()
    db.session.flush()
    _rescore_lateness(item, learner, before, due_at)
    notices.extension_granted(ext, item, learner, change)
    return ext


def _rescore_lateness(item: Item, learner: User, before: datetime | None, after: datetime) -> None:
    """Append the score again for each graded submission whose late penalty the new due date changes:
    the learning log (ticks, progress, certificates, the attempt that counts) follows the gradebook."""
    policy = Policy.of(item.data)
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.item_id == item.id, Submission.user_id == learner.id)
        .options(selectinload(Submission.grades))
        .order_by(Submission.id)
    )
    for submission in submissions:
        grade = submission.grade
        if submission.state != SubmissionState.GRADED or grade is None:
            continue
        if policy.penalty(submission.received_at, before) != policy.penalty(submission.received_at, after):
            record_graded(submission, grade)


def _lock(no_op: Update) -> None:
    """Take the write lock of the rows a change will replace before reading them (a no-op UPDATE: the
    rows on PostgreSQL, the database on SQLite), so two instructors at once are applied one after the
    other and each audit row's "before" is what the change really replaced."""
    db.session.execute(no_op.execution_options(synchronize_session=False))
