"""Real workers on both queues: graded end to end, killed mid-job without loss, one final grade,
and a Redis outage that loses no upload."""

from __future__ import annotations

import io
import logging
import time
from datetime import timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select, update

from lms.assignments import services, worker
from lms.assignments.models import Grade, Submission
from lms.assignments.tasks import enqueue_grading, grade_submission, requeue_lost
from lms.db import utcnow
from lms.extensions import db, queue
from lms.learning.models import LearningEvent
from tests.factories import login, make_user
from tests.lms.assignments.helpers import Worker, add_answer, grading_app, item_of, wait_for
from tests.postgres import free_port

URL = "/courses/python-basics/add"
log = logging.getLogger(__name__)


def _enrolled_client(app):
    from lms.catalog import services as catalog
    from lms.learning.services import enroll

    user = make_user()
    enroll(user.id, catalog.get_course("python-basics"))
    db.session.commit()
    client = app.test_client()
    login(client, user.email)
    return user, client


def _upload(client, data: bytes) -> int:
    response = client.post(
        f"{URL}/submissions",
        data={"notebook": (io.BytesIO(data), "add.ipynb")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def _state(submission_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Submission, submission_id).state


def test_upload_is_graded_by_a_worker_with_feedback(queued_app):
    user, client = _enrolled_client(queued_app)
    release = client.get(f"{URL}/notebook.ipynb").data
    right = _upload(client, add_answer(release))
    wrong = _upload(client, add_answer(release, "return a - b"))
    assert client.get(f"/submissions/{right}/status").json["state"] == "queued"
    runner = Worker(queued_app.config)
    try:
        wait_for(lambda: _state(right) == "graded" and _state(wrong) == "graded", 90, "both graded")
    finally:
        runner.stop()
    status = client.get(f"/submissions/{right}/status").json
    assert status["done"] and status["score"] == 5 and status["max_score"] == 5
    bad = client.get(f"/submissions/{wrong}/status").json
    assert bad["score"] == 0 and not any(t["passed"] for t in bad["tests"])
    assert "add(1, 2) should be 3" in bad["tests"][0]["message"]
    assert bad["tests"][1]["message"].startswith("AssertionError")  # hidden test: no code shown
    page = client.get(URL).text
    assert "test_add" in page and "add(1, 2) should be 3" in page and "add(10, 5)" not in page
    feedback = wait_for(lambda: (r := client.get(f"/submissions/{right}/feedback.html")).status_code == 200 and r, 30)
    assert feedback.status_code == 200 and b"<html" in feedback.data.lower()
    assert "sandbox" in feedback.headers["Content-Security-Policy"]
    events = db.session.scalars(select(LearningEvent).where(LearningEvent.kind == "assignment_graded")).all()
    assert sorted(e.score for e in events) == [0, 5] and {e.user_id for e in events} == {user.id}


def test_worker_killed_mid_job_loses_nothing_and_grades_once(queued_app):
    _user, client = _enrolled_client(queued_app)
    release = client.get(f"{URL}/notebook.ipynb").data
    slow = _upload(client, add_answer(release, "return a + b\nimport time; time.sleep(2.5)"))
    env = {"GRADING_LEASE_SECONDS": "2", "GRADING_KERNEL_POOL": "0"}
    first = Worker(queued_app.config, workers=1, **env)
    try:
        wait_for(lambda: _state(slow) == "grading", 60, "the first worker to claim it")
        first.kill()  # kill -9 of the worker and its whole process group, mid-notebook
    finally:
        first.kill()

    assert _state(slow) == "grading"
    second = Worker(queued_app.config, workers=1, **env)
    try:
        wait_for(lambda: _state(slow) == "graded", 90, "the lease to expire and a regrade")
    finally:
        second.stop()

    submission = db.session.get(Submission, slow)
    assert submission.tries == 2, second.output()
    grades = db.session.scalars(select(Grade).where(Grade.submission_id == slow)).all()
    assert len(grades) == 1 and grades[0].auto_score == 5, (grades[0].tests, grades[0].error, second.output())
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_a_stale_worker_cannot_add_a_second_final_grade(app, learner):
    import grading

    item = item_of("add")
    data = add_answer(services.engine_release(services.current_release(item.id)).notebook_bytes)
    submission, _ = services.submit(learner, item, data, max_bytes=1 << 20)
    db.session.commit()
    first = worker.claim(submission.id, 1, lease=60)
    assert worker.claim(submission.id, 1, lease=60) is None  # held: nobody else gets it
    later = submission.received_at + timedelta(seconds=120)
    second = worker.claim(submission.id, 1, lease=60, now=later)  # lease expired: taken over
    assert first and second and first != second
    result = grading.GradeResult(5.0, 5.0, [], [], "<html></html>")
    stored = services.current_release(item.id)
    assert worker.finish(submission, 1, second, stored.id, result) is True
    assert worker.finish(submission, 1, first, stored.id, result) is False  # the old worker wakes up
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Grade)) == 1
    assert worker.stale(later + timedelta(hours=1)) == []


def test_upload_is_stored_and_answered_while_the_queue_is_down(make_app, courses_dir, caplog):
    """Redis refusing connections: 201 and a queued row (it was a 500), the status page works."""
    with grading_app(make_app, courses_dir, QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0") as app:
        _user, client = _enrolled_client(app)
        release = client.get(f"{URL}/notebook.ipynb").data
        submission_id = _upload(client, add_answer(release))
        assert _state(submission_id) == "queued"
        assert "grading queue unavailable" in caplog.text
        assert client.get(f"/submissions/{submission_id}/status").json["state"] == "queued"
        assert client.get(URL).status_code == 200
        db.session.execute(update(Submission).values(queued_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        with pytest.raises(RedisConnectionError):  # the sweep sees the outage (and retries later)
            requeue_lost()


def test_login_and_pages_work_while_redis_is_down(own_redis, make_app, courses_dir):
    """Queue and login limit on a Redis that stops: signing in (its limit counted in memory
    meanwhile; it was a 500) and the pages a learner polls still answer."""
    url = own_redis.url
    with grading_app(make_app, courses_dir, QUEUE_URL=url, RATELIMIT_STORAGE_URI=url) as app:
        own_redis.pause()
        try:
            _user, client = _enrolled_client(app)  # logs in through the form
            assert client.get("/dashboard").status_code == 200
            submission_id = _upload(client, add_answer(client.get(f"{URL}/notebook.ipynb").data))
            assert client.get(f"/submissions/{submission_id}/status").status_code == 200
            assert client.get(URL).status_code == 200
        finally:
            own_redis.resume()  # the test's teardown resets the limits kept in it


def test_the_sweep_enqueues_what_the_queue_lacks_and_nothing_twice(app, learner):
    item = item_of("add")
    release = services.engine_release(services.current_release(item.id)).notebook_bytes
    sent, lost, fresh, died = (
        services.submit(learner, item, add_answer(release, f"return a + b + {n}"), max_bytes=1 << 20)[0]
        for n in range(4)
    )
    db.session.commit()
    assert enqueue_grading([(sent.id, 1)]) == []
    old = utcnow() - timedelta(seconds=worker.REQUEUE_AFTER + 1)
    db.session.execute(update(Submission).where(Submission.id != fresh.id).values(queued_at=old))
    db.session.execute(update(Submission).where(Submission.id == died.id).values(state="grading", lease_expires_at=old))
    db.session.commit()
    assert requeue_lost() == 2  # the queued one the queue never got, the expired lease
    assert queue.waiting(grade_submission) == {(sent.id, 1), (lost.id, 1), (died.id, 1)}
    assert requeue_lost() == 0  # all waiting now: a backlog is not duplicated; `fresh` is too young to be lost


def test_redis_outage_upload_is_kept_and_graded_soon_after_redis_returns(own_redis, make_app, courses_dir):
    """A real worker on a real Redis that stops: the upload is stored as queued and answered
    201; the worker's consumer and sweep survive the outage; within 30 s of Redis coming back
    (empty: it keeps nothing) the round is graded, once."""
    with grading_app(make_app, courses_dir, QUEUE_URL=own_redis.url) as app:
        _user, client = _enrolled_client(app)
        release = client.get(f"{URL}/notebook.ipynb").data
        runner = Worker(app.config, workers=1)
        try:
            wait_for(lambda: own_redis.blocked_pops(), 60, "the worker's consumer to wait on Redis")
            own_redis.pause()
            submission_id = _upload(client, add_answer(release))
            assert _state(submission_id) == "queued"
            assert client.get(f"/submissions/{submission_id}/status").json["state"] == "queued"
            wait_for(lambda: "Error reading from queue" in runner.output(), 30, "the consumer to meet the outage")
            wait_for(lambda: "queue sweep failed" in runner.output(), 30, "the sweep to meet the outage")
            own_redis.resume()
            back = time.monotonic()
            wait_for(lambda: _state(submission_id) == "graded", 30, "grading within 30 s of Redis returning")
            log.info("graded %.1f s after Redis returned", time.monotonic() - back)
            assert runner.proc.poll() is None, runner.output()
        finally:
            runner.stop()
        submission = db.session.get(Submission, submission_id)
        grades = db.session.scalars(select(Grade).where(Grade.submission_id == submission_id)).all()
        assert submission.tries == 1 and len(grades) == 1 and grades[0].auto_score == 5, runner.output()


def test_grading_threads_default_to_three_per_core(monkeypatch, tmp_path):
    """Notebooks waiting out a cell's time limit hold a thread, not a core: the default is three
    threads per core the worker may use; GRADING_WORKERS (or the app's config) says otherwise."""
    from lms import config

    monkeypatch.setattr(config.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert config.grading_threads() == 9 and config.grading_threads(cores=2) == 6
    base = {"INSTANCE_DIR": tmp_path, "SECRET_KEY": "x" * 40}
    monkeypatch.delenv("GRADING_WORKERS", raising=False)
    assert config.load_config(base)["GRADING_WORKERS"] == 9
    monkeypatch.setenv("GRADING_WORKERS", "1")
    assert config.load_config(base)["GRADING_WORKERS"] == 1
    assert config.load_config({**base, "GRADING_WORKERS": 7})["GRADING_WORKERS"] == 7
