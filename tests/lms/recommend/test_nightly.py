"""The worker refits the mastery model every night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.extensions import queue
from lms.operations.periodic import latest_slot
from lms.recommend.tasks import nightly_fit


def test_nightly_fit_is_scheduled_on_the_worker(app):
    schedule = queue.schedules()["lms.recommend.tasks.nightly_fit"]
    assert queue.function("lms.recommend.tasks.nightly_fit") is nightly_fit
    due = lambda now: latest_slot(schedule, now, timedelta(minutes=5))
    assert due(datetime(2026, 12, 1, 3, 30, 40, tzinfo=UTC)) == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    assert due(datetime(2026, 12, 1, 4, 30, tzinfo=UTC)) is None
