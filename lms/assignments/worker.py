"""Grading one submission under a lease: claimed by compare-and-set, finished at most once."""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

import grading
from lms.assignments import audit, notices, services
from lms.assignments.models import ChangeKind, Grade, Submission, SubmissionState
from lms.assignments.policy import Policy
from lms.catalog.models import Item
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LearningEventKind
from lms.learning.services import record_event

log = logging.getLogger(__name__)
# A queued round this old and not on the queue is re-enqueued by the sweep: well past the
# moment the web process enqueues it, right after its commit.
REQUEUE_AFTER = 5.0


def limits(config: dict[str, Any]) -> grading.SandboxLimits:
    """Sandbox limits from the app's config."""
    return grading.SandboxLimits(
        cell_timeout=config["GRADING_CELL_TIMEOUT"],
        notebook_timeout=config["GRADING_NOTEBOOK_TIMEOUT"],
        memory_bytes=config["GRADING_MEMORY_MB"] << 20,
    )


def lease_seconds(config: dict[str, Any]) -> float:
    """How long a claim holds without renewal (a live worker renews it every third of it)."""
    return float(config["GRADING_LEASE_SECONDS"])


def claim(submission_id: int, run: int, *, lease: float, now: datetime | None = None) -> str | None:
    """Take a queued submission, or one whose lease expired; None if another worker has it.

    A conditional UPDATE, so two workers can never both hold the same round. Flushes only."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    result = db.session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.run == run,
            or_(
                Submission.state == SubmissionState.QUEUED,
                (Submission.state == SubmissionState.GRADING) & (Submission.lease_expires_at < now),
            ),
        )
        .values(
            state=SubmissionState.GRADING,
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease),
            tries=Submission.tries + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return token if result.rowcount == 1 else None


def finish(
    submission: Submission,
    run: int,
    token: str,
    release_id: int,
    result: grading.GradeResult,
    feedback_notebook: bytes | None = None,
) -> bool:
    """Store the round's one final grade if this worker still holds the lease; else nothing.
    `feedback_notebook` (result.packed_feedback) is what the feedback page is rendered from
    when first asked for (services.feedback_page)."""
    won = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.run == run, Submission.lease_token == token)
        .values(state=SubmissionState.GRADED, lease_token=None, lease_expires_at=None, failure=None)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        return False
    previous = _previous_grade(submission.id, run)
    data = result.to_dict()
    grade = Grade(
        submission_id=submission.id,
        run=run,
        release_id=release_id,
        auto_score=result.score,
        max_score=result.max_score,
        tests=data["tests"],
        manual_cells=data["manual_cells"],
        manual=dict(previous.manual) if previous else {},
        adjustment=previous.adjustment if previous else 0.0,
        comment=previous.comment if previous else "",
        error=result.error,
        feedback_html=result.feedback_html,
        feedback_notebook=feedback_notebook,
    )
    db.session.add(grade)
    if run > 1:  # a regrade: its outcome joins the audit trail, with the score it replaces
        _record_regrade_result(submission, previous, grade.raw_score)
    db.session.flush()
    record_graded(submission, grade)
    notices.grade_ready(submission, grade)
    return True


def _record_regrade_result(submission: Submission, previous: Grade | None, score: float | None, why: str = "") -> None:
    """The audit row of a finished regrade round: the previous round's score -> this one's (None: failed)."""
    item = db.session.get(Item, submission.item_id)
    audit.record(
        ChangeKind.REGRADE_RESULT,
        by=audit.GRADER,
        item=item,
        learner_id=submission.user_id,
        submission_id=submission.id,
        field="score",
        old=previous.raw_score if previous else None,
        new=score,
        reason=why,
    )


def record_graded(submission: Submission, grade: Grade) -> None:
    """Append `assignment_graded` to the learning log with the score after late penalty."""
    item = db.session.get(Item, submission.item_id)
    extension = services.extension_for(submission.user_id, item.id)
    policy = Policy.of(item.data)
    record_event(
        submission.user_id,
        item.course_id,
        LearningEventKind.ASSIGNMENT_GRADED,
        item_id=item.id,
        score=policy.score(grade, submission.received_at, extension),
        max_score=grade.max_score,
        data={
            "submission_id": submission.id,
            "run": grade.run,
            "late_days": policy.days_late(submission.received_at, extension),
        },
    )


def fail(submission_id: int, run: int, token: str, reason: str) -> None:
    """Mark the round failed (a problem of ours, not the learner's: they see the reason, on the page
    and in a notification); a failed regrade round also appends its audit row (the score it had -> none)."""
    failed = db.session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.run == run, Submission.lease_token == token)
        .values(state=SubmissionState.FAILED, lease_token=None, lease_expires_at=None, failure=reason[:2000])
        .execution_options(synchronize_session=False)
    )
    if failed.rowcount != 1:
        return
    submission = db.session.get_one(Submission, submission_id)
    if run > 1:  # a regrade that failed: the learner's score for it is gone
        _record_regrade_result(submission, _previous_grade(submission_id, run), None, reason)
    notices.grade_failed(submission, run, reason)


def _previous_grade(submission_id: int, run: int) -> Grade | None:
    """The grade of the latest earlier round that ended with one (what a regrade replaces)."""
    return db.session.scalar(
        select(Grade).where(Grade.submission_id == submission_id, Grade.run < run).order_by(Grade.run.desc()).limit(1)
    )


def grade_now(submission_id: int, run: int, kernel_factory: Any = None) -> str:
    """The task body: claim, grade in the sandbox outside any transaction, finish. Commits."""
    config = current_app.config
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        return "missing"
    if submission.tries >= config["GRADING_MAX_TRIES"] and submission.state == SubmissionState.GRADING:
        token = claim(submission_id, run, lease=lease_seconds(config))
        if token:
            fail(submission_id, run, token, "grading was interrupted too many times; an instructor will look at it")
        db.session.commit()
        return "gave up"
    token = claim(submission_id, run, lease=lease_seconds(config))
    db.session.commit()
    if token is None:
        return "taken"
    stored = services.current_release(submission.item_id)
    release = services.engine_release(stored)
    data = submission.content
    db.session.commit()  # no transaction (nor SQLite lock) held while the notebook runs
    heartbeat = _Heartbeat(current_app._get_current_object(), submission_id, token, lease_seconds(config))
    try:
        extra = {"kernel_factory": kernel_factory} if kernel_factory else {}
        result = grading.grade(release, data, limits=limits(config), feedback=False, **extra)
    except Exception as exc:  # the sandbox failed us: record why, the learner sees it
        log.exception("grading submission %s failed", submission_id)
        fail(submission_id, run, token, f"the grader could not run this notebook ({type(exc).__name__}: {exc})")
        db.session.commit()
        return "failed"
    finally:
        heartbeat.stop()
    # nbgrader's HTML page (~0.1-0.4 s of CPU) is rendered when first asked for, off the queue.
    done = finish(submission, run, token, stored.id, result, result.packed_feedback(release))
    db.session.commit()
    return "graded" if done else "lost lease"


class _Heartbeat:
    """Renews a lease while its notebook runs, so only a dead worker's lease ever expires."""

    def __init__(self, app: Any, submission_id: int, token: str, lease: float) -> None:
        self.app, self.submission_id, self.token, self.lease = app, submission_id, token, lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{submission_id}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.lease / 3):
            try:
                with self.app.app_context():
                    db.session.execute(
                        update(Submission)
                        .where(Submission.id == self.submission_id, Submission.lease_token == self.token)
                        .values(lease_expires_at=utcnow() + timedelta(seconds=self.lease))
                        .execution_options(synchronize_session=False)
                    )
                    db.session.commit()
            except Exception:  # a missed beat only risks a duplicate run, which finish() discards
                log.exception("lease renewal for submission %s", self.submission_id)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def stale(now: datetime | None = None, *, queued_for: float = REQUEUE_AFTER) -> list[tuple[int, int]]:
    """Rounds that should be waiting on the queue: leases that expired (a worker died), and
    queued submissions older than `queued_for` seconds (their enqueue may have failed, or the
    queue lost them). The sweep re-enqueues those of them the queue does not hold."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Submission.id, Submission.run).where(
            or_(
                (Submission.state == SubmissionState.GRADING) & (Submission.lease_expires_at < now),
                (Submission.state == SubmissionState.QUEUED)
                & (Submission.queued_at < now - timedelta(seconds=queued_for)),
            )
        )
    )
    return [(r.id, r.run) for r in rows]


def sweep_seconds(config: dict[str, Any]) -> float:
    """How often a worker sweeps: every 2 s, or a quarter lease if that is shorter (tests)."""
    return min(2.0, max(0.5, lease_seconds(config) / 4))
