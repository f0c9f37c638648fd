"""`flask worker run` and its former name `flask grading worker` both run the worker, which keeps
a heartbeat row while it runs and removes it when stopped (grading itself: tests/lms/assignments)."""

from __future__ import annotations

import pytest

from tests.lms.assignments.helpers import Worker, wait_for


@pytest.mark.parametrize("command", [("worker", "run"), ("grading", "worker")])
def test_worker_beats_while_it_runs(app, client, command):
    assert client.get("/readyz").status_code == 503
    worker = Worker(app.config, workers=1, command=command, GRADING_KERNEL_POOL="0")
    try:
        wait_for(lambda: client.get("/readyz").status_code == 200, 60, "the worker's first heartbeat")
        # The heartbeat is written just before the start-up line (click.echo flushes it): stopping
        # between the two would stop a worker that never said it started.
        wait_for(lambda: "Worker: 1 thread(s)" in worker.output(), 60, "the worker's start-up line")
    finally:
        worker.stop()
    assert worker.proc.returncode == 0, worker.output()
    assert client.get("/readyz").status_code == 503  # a clean stop removes its row
