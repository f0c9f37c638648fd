"""Releases stored on sync, upload intake, and what a learner may see of their submissions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

import grading
from lms.accounts.models import User
from lms.assignments.models import AssignmentRelease, Extension, Grade, Submission, SubmissionState
from lms.assignments.policy import Policy
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Item
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.learning.services import get_enrollment
from lms.teaching.services import assignments_by_course, taught_courses, teaches

# What a learner is told for an assignment archived or past its cut-off alike.
CLOSED = _l("Uploads for this assignment are closed (the deadline has passed).")


class AssignmentError(UserError):
    """An upload that is refused; `code` is stable for programs, the message is for people
    (`detail`: where a damaged notebook is damaged)."""

    def __init__(self, code: str, message: str | LazyString, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


def refusal_message(rejected: grading.SubmissionRejected, max_bytes: int) -> str | LazyString:
    """Grading's refusal of a file in the reader's language: `grading` stays Flask-free, so its
    own words are English and only the fallback for a code this list does not know."""
    messages = {
        "too_large": _l(
            "The file is larger than %(mb)s MB. Clear large outputs and upload again.", mb=f"{max_bytes / 1048576:g}"
        ),
        "not_json": _l("This file is not a Jupyter notebook (.ipynb): it is not valid JSON."),
        "not_nbformat4": _l("This notebook is not in the nbformat 4 format; open it in a current Jupyter and save it."),
        "damaged": _l(
            "The notebook's structure is damaged (%(detail)s). Open it in Jupyter, save it and upload it again.",
            detail=rejected.detail,
        ),
        "wrong_assignment": _l(
            "This notebook belongs to another assignment: none of this assignment's graded cells are in it."
        ),
        "unchanged": _l("This is the assignment notebook exactly as released, with no answers in it."),
    }
    return messages.get(rejected.code) or rejected.message


def store_release(item: Item, release: grading.Release) -> AssignmentRelease:
    """Keep nbgrader's release of an assignment; the same release is stored only once."""
    record = release.to_json()
    digest = hashlib.sha256(record.encode()).hexdigest()
    existing = db.session.scalar(
        select(AssignmentRelease).where(AssignmentRelease.item_id == item.id, AssignmentRelease.source_sha256 == digest)
    )
    if existing is not None:
        return existing
    stored = AssignmentRelease(item_id=item.id, source_sha256=digest, record=record, max_score=release.max_score)
    db.session.add(stored)
    db.session.flush()
    return stored


def current_release(item_id: int) -> AssignmentRelease | None:
    """The newest release of an assignment (what learners download and grading uses)."""
    return db.session.scalar(
        select(AssignmentRelease)
        .where(AssignmentRelease.item_id == item_id)
        .order_by(AssignmentRelease.id.desc())
        .limit(1)
    )


@lru_cache(maxsize=64)
def release_record(release_id: int, record: str) -> grading.Release:
    """The engine's Release for a stored one (immutable rows, so cached per id)."""
    return grading.Release.from_json(record)


def engine_release(stored: AssignmentRelease) -> grading.Release:
    """Parse a stored release once per process."""
    return release_record(stored.id, stored.record)


def extension_for(user_id: int, item_id: int) -> datetime | None:
    """The learner's own due date for this assignment, if an instructor granted one."""
    return db.session.scalar(select(Extension.due_at).where(Extension.user_id == user_id, Extension.item_id == item_id))


def submit(
    user: User, item: Item, data: bytes, *, max_bytes: int, now: datetime | None = None
) -> tuple[Submission, bool]:
    """Validate and store an upload; the same bytes again return the first submission.

    Returns (submission, created). The server's receipt time is what lateness is judged by.
    """
    now = now or utcnow()
    if item.kind != "assignment" or item.archived_at is not None:
        raise AssignmentError("closed", CLOSED)
    if get_enrollment(user.id, item.course_id) is None:
        raise AssignmentError("not_enrolled", _l("Enroll in the course to submit this assignment."))
    stored = current_release(item.id)
    if stored is None:
        raise AssignmentError("no_release", _l("This assignment is not released yet. Try again later."))
    digest = hashlib.sha256(data).hexdigest()
    existing = _find(user.id, item.id, digest)
    if existing is not None:
        return existing, False
    cutoff = Policy.of(item.data).cutoff_for(extension_for(user.id, item.id))
    if cutoff is not None and now > cutoff:
        raise AssignmentError("closed", CLOSED)
    try:
        grading.check_submission(engine_release(stored), data, max_bytes=max_bytes)
    except grading.SubmissionRejected as exc:
        raise AssignmentError(exc.code, refusal_message(exc, max_bytes), exc.detail) from None
    submission = Submission(
        item_id=item.id,
        user_id=user.id,
        sha256=digest,
        content=data,
        size=len(data),
        received_at=now,
        queued_at=now,
        state=SubmissionState.QUEUED,
    )
    try:
        with db.session.begin_nested():
            db.session.add(submission)
    except IntegrityError:  # a double click raced us: the first one wins
        first = _find(user.id, item.id, digest)
        assert first is not None  # the unique row that refused ours
        return first, False
    return submission, True


def _find(user_id: int, item_id: int, digest: str) -> Submission | None:
    return db.session.scalar(
        select(Submission).where(
            Submission.user_id == user_id, Submission.item_id == item_id, Submission.sha256 == digest
        )
    )


def visible_submission(user: User, submission_id: int) -> Submission | None:
    """A submission its learner or an instructor of its course may see (None for anyone else)."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        return None
    if submission.user_id == user.id or teaches(user, db.session.get_one(Item, submission.item_id).course_id):
        return submission
    return None


def history(user_id: int, item_id: int) -> list[Submission]:
    """The learner's attempts at an assignment, newest first."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.user_id == user_id, Submission.item_id == item_id)
            .order_by(Submission.id.desc())
            .options(selectinload(Submission.grades))
        )
    )


def queue_position(submission: Submission) -> int:
    """How many submissions wait ahead of this one (0 once it is being graded)."""
    if submission.state != SubmissionState.QUEUED:
        return 0
    return db.session.execute(
        select(func.count()).where(
            Submission.state == SubmissionState.QUEUED, Submission.queued_at < submission.queued_at
        )
    ).scalar_one()


@dataclass(frozen=True)
class AssignmentPage:
    """What the assignment page shows a learner."""

    release: AssignmentRelease | None
    policy: Policy
    extension: datetime | None
    attempts: list[Submission]
    counting: Submission | None

    @property
    def due(self) -> datetime | None:
        return self.policy.due_for(self.extension)

    @property
    def cutoff(self) -> datetime | None:
        return self.policy.cutoff_for(self.extension)

    def late_days(self, submission: Submission) -> int:
        return self.policy.days_late(submission.received_at, self.extension)

    def score(self, submission: Submission) -> float | None:
        grade = submission.grade
        return self.policy.score(grade, submission.received_at, self.extension) if grade else None

    def penalized(self, submission: Submission) -> float | None:
        """The score before the instructor's adjustment."""
        grade = submission.grade
        return self.policy.penalized(grade, submission.received_at, self.extension) if grade else None

    def comment_html(self, submission: Submission) -> str:
        """The instructor's comment on the attempt, Markdown rendered and sanitised ("" if none)."""
        grade = submission.grade
        return render_markdown(grade.comment) if grade and grade.comment else ""


def assignment_page(user_id: int, item: Item) -> AssignmentPage:
    """Release, rules, the learner's extension, attempts and the one that counts."""
    policy = Policy.of(item.data)
    extension = extension_for(user_id, item.id)
    attempts = history(user_id, item.id)
    return AssignmentPage(current_release(item.id), policy, extension, attempts, policy.counting(attempts, extension))


def may_download(user: User, course_id: int) -> bool:
    """Enrolled learners and the course's instructors may download the release notebook."""
    return get_enrollment(user.id, course_id) is not None or teaches(user, course_id)


def status(submission: Submission) -> dict[str, Any]:
    """The live state the assignment page polls: state, queue position, then the score."""
    item = db.session.get_one(Item, submission.item_id)
    grade = submission.grade
    policy = Policy.of(item.data)
    extension = extension_for(submission.user_id, item.id)
    return {
        "id": submission.id,
        "state": submission.state,
        "done": submission.state in (SubmissionState.GRADED, SubmissionState.FAILED),
        "position": queue_position(submission),
        "received_at": submission.received_at.isoformat(),
        "late_days": policy.days_late(submission.received_at, extension),
        "score": policy.score(grade, submission.received_at, extension) if grade else None,
        "max_score": grade.max_score if grade else None,
        "tests": grade.tests if grade else [],
        "failure": submission.failure,
    }


def feedback_page(grade: Grade) -> str | None:
    """nbgrader's HTML feedback of a grade: stored, or rendered now from the grade's feedback
    notebook and stored (the first view pays the render, not the grading queue; two first views
    at once render the same page and the second stores nothing). None when the grade has
    neither (its notebook could not be read). Flushes only."""
    if grade.feedback_html:
        return grade.feedback_html
    if grade.feedback_notebook is None:
        return None
    release = engine_release(db.session.get_one(AssignmentRelease, grade.release_id))  # the one it was graded with
    html = grading.render_packed_feedback(grade.feedback_notebook, release, grade.auto_score)
    db.session.execute(
        update(Grade)
        .where(Grade.id == grade.id, Grade.feedback_html == "")
        .values(feedback_html=html)
        .execution_options(synchronize_session=False)
    )
    return html


def taught_assignments(user: User) -> list[tuple[Any, list[tuple[Item, int, int]]]]:
    """The user's courses with their live assignments in syllabus order: (item, learners who submitted, waiting)."""
    courses = taught_courses(user)
    by_course = assignments_by_course(courses)
    ids = [i.id for items in by_course.values() for i in items]
    if not ids:
        return []
    submitted = dict(
        db.session.execute(
            select(Submission.item_id, func.count(func.distinct(Submission.user_id)))
            .where(Submission.item_id.in_(ids))
            .group_by(Submission.item_id)
        ).all()
    )
    waiting = dict(
        db.session.execute(
            select(Submission.item_id, func.count())
            .where(Submission.item_id.in_(ids), Submission.state.in_((SubmissionState.QUEUED, SubmissionState.GRADING)))
            .group_by(Submission.item_id)
        ).all()
    )
    return [
        (c, [(i, submitted.get(i.id, 0), waiting.get(i.id, 0)) for i in by_course[c.id]])
        for c in courses
        if c.id in by_course
    ]
