"""`lms.db.clock_at`: the moment `utcnow()` gives inside it, the real clock outside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lms.db import clock_at, utcnow


def test_clock_at_sets_utcnow_inside_and_restores_it():
    moment = datetime(2026, 10, 26, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with clock_at(moment):
        assert utcnow() == moment and utcnow().tzinfo == UTC
        with clock_at(moment + timedelta(days=1)):
            assert utcnow() == moment + timedelta(days=1)
        assert utcnow() == moment
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_clock_at_refuses_a_naive_time():
    with pytest.raises(ValueError, match="naive"), clock_at(datetime(2026, 10, 26, 9, 30)):
        pass
