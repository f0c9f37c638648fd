"""The worker refits the mastery model every night."""

from __future__ import annotations

from datetime import datetime

from lms.extensions import queue


def test_nightly_fit_is_scheduled_on_the_worker(app):
    huey = queue.huey(app)
    names = lambda when: {t.name for t in huey.read_periodic(when)}
    assert "nightly_fit" in names(datetime(2026, 12, 1, 3, 30))
    assert "nightly_fit" not in names(datetime(2026, 12, 1, 4, 30))
