"""Report rows derive from the event log; filters narrow them; the read model matches a rebuild."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.reports.models import ReportActivity, ReportProgress
from lms.reports.progress import rebuild_activity, rebuild_progress, week_start
from lms.reports.query import ReportFilter, completion_rows


def rows(viewer, **filters):
    return {(r.learner, r.course): r for r in completion_rows(viewer, ReportFilter(**filters))}


def test_rows_hold_progress_scores_and_exam_verdict(world):
    got = rows(world.manager)
    assert set(got) == {
        ("Alice Archer", "Python basics"),
        ("Bob Baker", "Python basics"),
        ("Carol Clark", "Python next steps"),
    }
    alice = got[("Alice Archer", "Python basics")]
    assert (alice.team, alice.tier, alice.progress, alice.status) == ("Team A", "beginner", 100, "completed")
    assert (alice.assignment_best, alice.assignments_graded) == (80.0, 1)  # best of 2/5 and 4/5
    assert (alice.exam_best, alice.exam_passed) == (90.0, True)
    assert alice.last_activity is not None and alice.enrolled_at.date() == date.today()
    from lms.certification.models import Certificate

    cert = db.session.scalar(select(Certificate).where(Certificate.user_id == world.alice.id))
    assert (alice.certificate_id, alice.certificate_issued_at) == (
        (cert.public_id, cert.issued_at) if cert else (None, None)
    )
    bob = got[("Bob Baker", "Python basics")]
    assert (bob.progress, bob.status, bob.exam_best, bob.exam_passed) == (25, "in_progress", None, None)
    carol = got[("Carol Clark", "Python next steps")]
    assert (carol.progress, carol.status, carol.tier) == (0, "not_started", "intermediate")
    dave = rows(world.other_manager)[("Dave Dunn", "Python basics")]
    assert (dave.exam_best, dave.exam_passed, dave.assignment_best) == (50.0, False, 100.0)


def test_filters_narrow_the_rows(world):
    m = world.manager
    assert set(rows(m, course_id=world.nxt.id)) == {("Carol Clark", "Python next steps")}
    assert set(rows(m, tier="beginner")) == {("Alice Archer", "Python basics"), ("Bob Baker", "Python basics")}
    assert set(rows(m, status="completed")) == {("Alice Archer", "Python basics")}
    assert set(rows(m, status="in_progress")) == {("Bob Baker", "Python basics")}
    assert len(rows(m, enrolled_from=date.today(), enrolled_to=date.today())) == 3
    assert rows(m, enrolled_to=date.today() - timedelta(days=1)) == {}
    assert rows(m, enrolled_from=date.today() + timedelta(days=1)) == {}
    assert rows(m, enrolled_from=date.today(), enrolled_to=date.today() - timedelta(days=1)) == {}
    assert set(rows(world.admin, team_id=world.team_b.id)) == {("Dave Dunn", "Python basics")}


def test_bad_filters_are_refused():
    with pytest.raises(ValueError):
        ReportFilter(tier="expert")
    with pytest.raises(ValueError):
        ReportFilter(status="done")


def test_read_model_kept_by_receiver_equals_a_rebuild(world):
    def snapshot():
        return sorted(
            (
                p.user_id,
                p.course_id,
                p.done,
                p.exam_best,
                p.assignment_best,
                p.assignments_graded,
                p.last_activity_at,
                p.started,
                p.exam_pending,
            )
            for p in db.session.scalars(select(ReportProgress))
        )

    def weeks():
        return sorted((a.user_id, a.week_start) for a in db.session.scalars(select(ReportActivity)))

    from datetime import UTC, datetime

    from lms.learning.services import record_event

    for when in (datetime(2026, 11, 29, 23, 59, tzinfo=UTC), datetime(2026, 11, 16, 0, 0, tzinfo=UTC)):
        record_event(world.alice.id, world.basics.id, "lesson_completed", item_id=None, occurred_at=when)
    assert week_start(datetime(2026, 11, 29, 23, 59, tzinfo=UTC)).isoformat() == "2026-11-23"
    live, live_weeks = snapshot(), weeks()
    assert rebuild_progress() == len(live) and rebuild_activity() == len(live_weeks)
    assert snapshot() == live and weeks() == live_weeks
    assert {w.isoformat() for u, w in live_weeks if u == world.alice.id} >= {"2026-11-23", "2026-11-16"}


def test_report_page_filters_and_paginates(client, world):
    from tests.lms.reports.helpers import login_as

    login_as(client, world.manager)
    page = client.get("/reports/completions", query_string={"status": "completed"}).get_data(as_text=True)
    assert "Alice Archer" in page and "Bob Baker" not in page
    bad = client.get("/reports/completions", query_string={"enrolled_from": "2026-02-01", "enrolled_to": "2026-01-01"})
    assert bad.status_code == 400 and "The end date is before the start date." in bad.get_data(as_text=True)
    assert client.get("/reports/completions", query_string={"enrolled_from": "yesterday"}).status_code == 400
    assert client.get("/reports/completions.csv", query_string={"tier": "expert"}).status_code == 400
