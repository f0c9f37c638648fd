"""When the grader itself cannot run, the learner sees `failed` with the reason; give-up after retries."""

from __future__ import annotations

import grading
from lms.assignments import services, worker
from lms.assignments.models import Submission
from lms.extensions import db
from tests.factories import login
from tests.lms.assignments.helpers import add_answer, item_of


def _submitted(learner) -> Submission:
    item = item_of("add")
    data = add_answer(services.engine_release(services.current_release(item.id)).notebook_bytes)
    submission, _ = services.submit(learner, item, data, max_bytes=1 << 20)
    db.session.commit()
    return submission


def test_sandbox_failure_is_shown_with_its_reason(app, client, learner):
    submission = _submitted(learner)

    def broken(_limits):
        raise grading.SandboxError("bubblewrap is not installed")

    assert worker.grade_now(submission.id, 1, broken) == "failed"
    login(client, learner.email)
    status = client.get(f"/submissions/{submission.id}/status").json
    assert status["state"] == "failed" and status["done"] and "bubblewrap is not installed" in status["failure"]
    assert "could not be graded" in client.get("/courses/python-basics/add").text


def test_a_round_interrupted_too_often_is_marked_failed(app, learner):
    from datetime import timedelta

    submission = _submitted(learner)
    now = submission.received_at - timedelta(hours=1)  # leases long expired by now
    for attempt in range(app.config["GRADING_MAX_TRIES"]):  # three workers died holding it
        assert worker.claim(submission.id, 1, lease=1, now=now + timedelta(seconds=10 * attempt))
        db.session.commit()
    db.session.expire_all()
    assert worker.grade_now(submission.id, 1) == "gave up"
    db.session.expire_all()
    failed = db.session.get(Submission, submission.id)
    assert failed.state == "failed" and "interrupted" in failed.failure
