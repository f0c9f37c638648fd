"""/readyz: the database answers and a worker beat recently; `flask worker status` lists heartbeats."""

from __future__ import annotations

from datetime import timedelta

from lms import create_app
from lms.db import utcnow
from lms.extensions import db
from lms.operations import services
from tests.conftest import _test_config


def test_ready_only_while_a_worker_beats(app, client):
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {"ready": False, "database": "ok", "worker": {"ok": False, "heartbeat_age_seconds": None}}

    row = services.start_heartbeat("worker", "grader-1", 4242)
    db.session.commit()
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["ready"] and answer.json["worker"]["heartbeat_age_seconds"] < services.FRESH_SECONDS

    row.beat_at = utcnow() - timedelta(seconds=services.FRESH_SECONDS + 1)  # six beats missed: stuck or gone
    db.session.commit()
    assert client.get("/readyz").status_code == 503
    assert services.beat(row.id)
    db.session.commit()
    assert client.get("/readyz").status_code == 200

    services.end_heartbeat(row.id)  # a clean stop
    db.session.commit()
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").text == "ok"  # the process itself is fine


def test_a_starting_worker_forgets_rows_of_workers_long_dead(app):
    dead = services.start_heartbeat("worker", "gone", 1)
    dead.beat_at = utcnow() - services.FORGET_AFTER - timedelta(seconds=1)
    db.session.commit()
    dead_id = dead.id
    services.start_heartbeat("worker", "new", 2)
    db.session.commit()
    assert [r.host for r in services.heartbeats()] == ["new"]
    assert not services.beat(dead_id)  # ids are never reused: its own thread writes a new row


def test_unreachable_database_is_not_ready(tmp_path):
    app = create_app(_test_config(f"sqlite:///{tmp_path / 'missing' / 'academy.db'}", tmp_path / "instance"))
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["database"] == "unreachable" and not answer.json["worker"]["ok"]


def test_worker_status_lists_heartbeats(app, runner):
    assert "no worker has a heartbeat" in runner.invoke(args=["worker", "status"]).output
    services.start_heartbeat("worker", "grader-1", 4242)
    db.session.commit()
    output = runner.invoke(args=["worker", "status"]).output
    assert "worker grader-1 pid 4242" in output and "stale" not in output
