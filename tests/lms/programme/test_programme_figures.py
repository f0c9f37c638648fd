"""The read model and the figures: the receivers' buckets equal the rebuild's for a scripted history,
and each figure equals the value worked out by hand from that history (conftest.History)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.programme.models import ProgrammeActivity, ProgrammeCompletion, ProgrammeDaily, ProgrammeSegmentDaily
from lms.programme.services.buckets import rebuild
from lms.programme.services.figures import dashboard
from lms.programme.services.periods import PeriodError, window


def _snapshot() -> dict:
    return {
        model.__tablename__: sorted(tuple(row) for row in db.session.execute(select(*model.__table__.c)))
        for model in (ProgrammeActivity, ProgrammeCompletion, ProgrammeDaily, ProgrammeSegmentDaily)
    }


def test_receivers_fill_the_buckets_as_the_rebuild_does(history):
    kept = _snapshot()
    assert len(kept["programme_completions"]) == 2  # a and b finished, c did not
    assert kept["programme_daily"]  # the receivers wrote counters
    segment = {
        (day, metric): value for sid, day, metric, value in kept["programme_segment_daily"] if sid == history.segment.id
    }
    assert segment[(history.today - timedelta(days=3), "completions")] == 1
    # an event recorded now counts at once in the segments of its learner (c: the five, not the two)
    from lms.catalog import services as catalog
    from lms.learning.models import LearningEventKind
    from lms.learning.services import record_event

    def active(snapshot, segment) -> int:
        return sum(v for sid, _d, m, v in snapshot["programme_segment_daily"] if sid == segment.id and m == "active")

    course_id = catalog.get_course("python-basics").id
    record_event(history.learners["c"].id, course_id, LearningEventKind.ENROLLED)
    db.session.commit()
    now = _snapshot()
    assert active(now, history.segment) == active(kept, history.segment) + 1
    assert active(now, history.small) == active(kept, history.small) == 4  # a: 2 days, b: 2 days
    # a day between two active days covers only the days neither covered (b: 35 and 20 days ago)
    b_day = datetime.combine(history.today - timedelta(days=23), time(12), UTC)
    record_event(history.learners["b"].id, course_id, LearningEventKind.ENROLLED, occurred_at=b_day)
    db.session.commit()
    kept = _snapshot()
    counts = rebuild()
    db.session.commit()
    assert _snapshot() == kept
    assert counts["programme_completions"] == 2


def _values(board) -> dict:
    return {f.key: (f.value, f.previous) for f in (*board.figures, *board.community)}


def test_each_figure_platform_wide(history):
    t = history.today
    board = dashboard(window("month", None, None, t), None, utcnow())
    v = _values(board)
    assert v["new_developers"] == (4, 1)  # a, b, admin, analyst; c
    assert v["enrolments"] == (1, 2)
    assert v["completions"] == (2, 0)
    assert v["completion_rate"] == (100.0, 50.0)  # a of a; b of b and c
    assert v["time_to_complete"] == ((2 + 15) / 2 * 86400, None)
    assert v["weekly_active_learners"] == (1, 1)  # a in the last 7 days; b in the previous period's
    assert v["certificates"] == (1, 1)  # the revoked one left out
    assert v["survey_responses"] == (3, 0)
    assert v["csat"] == (66.7, None)
    assert v["nps"] == (33, None)  # (2 promoters - 1 detractor) / 3
    assert v["workshop_registrations"] == (3, 0)
    assert v["workshop_attended"] == (2, 0)
    assert v["workshop_attendance"] == (66.7, None)
    assert v["feedback_filed"] == (3, 1)
    assert v["first_response"] == (3 * 3600, 3600)  # median of 2 h and 4 h
    assert v["resolution_rate"] == (33.3, 100.0)
    assert v["resolution_time"] == (48 * 3600, 10 * 3600)
    assert v["questions"] == (0, 0)
    categories = {c.category: (c.value, c.previous) for c in board.categories}
    assert categories["feature_request"] == (2, 0) and categories["technical_problem"] == (0, 1)
    days = dict(board.days())
    assert days[t - timedelta(days=3)]["completions"] == 1 and days[t - timedelta(days=3)]["active_learners"] == 1
    assert days[t - timedelta(days=5)]["enrolments"] == 1
    assert len(days) == 30


def test_a_segment_counts_its_members_only_and_a_small_one_shows_nothing(history):
    t = history.today
    board = dashboard(window("month", None, None, t), history.segment, utcnow())
    v = _values(board)
    assert v["survey_responses"] == (2, 0)  # the anonymous answer is platform-wide only
    assert v["csat"] == (50.0, None) and v["nps"] == (0, None)
    assert v["enrolments"] == (1, 2) and v["completions"] == (2, 0)
    assert v["weekly_active_learners"] == (1, 1)
    assert "questions" not in v  # community figures are platform-wide
    hidden = dashboard(window("month", None, None, t), history.small, utcnow())
    assert hidden.hidden and "2" in hidden.hidden and not hidden.figures


def test_periods_presets_custom_and_bad_input(app):
    t = utcnow().date()
    w = window("week", None, None, t)
    assert (w.current.start, w.current.end, w.previous.end) == (t - timedelta(days=6), t, t - timedelta(days=7))
    w = window("custom", "2026-01-01", "2026-01-10", t)
    assert w.previous.start.isoformat() == "2025-12-22" and w.days == 10
    for args in (
        ("fortnight", None, None),
        ("custom", "2026-01-10", "2026-01-01"),
        ("custom", "x", "2026-01-01"),
        ("custom", None, "2026-01-01"),
        ("custom", "2020-01-01", "2026-01-01"),
        ("custom", t.isoformat(), (t + timedelta(days=1)).isoformat()),
    ):
        with pytest.raises(PeriodError):
            window(*args, t)


def test_demo_targets_load_once_and_progress_counts_the_year(history):
    from lms.demo.targets import load_targets
    from lms.programme.services.targets import progress

    assert "certified_developers 2000, nps 40" in load_targets()
    db.session.commit()
    assert "already set" in load_targets()
    got = {p.metric: p for p in progress(history.today.year, history.today)}
    assert set(got) == {"certified_developers", "nps"}
    # this year's certificates: a (yesterday), c (45 days ago) if still this year; the revoked one never
    in_year = [d for d in (1, 45) if (history.today - timedelta(days=d)).year == history.today.year]
    assert got["certified_developers"].actual == len(in_year)
    assert got["certified_developers"].percent == round(100 * len(in_year) / 2000)
    assert got["nps"].actual == 33 and not got["nps"].met
