"""The team dashboard: figures from the database, SVG charts with their numbers, nothing inline."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lms.reports.services import team_dashboard
from tests.lms.reports.helpers import login_as


def test_dashboard_figures(world):
    board = team_dashboard(world.manager, world.team_a.id)
    assert board.members == 3 and board.enrolled == 3 and board.completed == 1
    courses = {c.title: c for c in board.courses}
    basics = courses["Python basics"]
    assert (basics.enrolled, basics.completed, basics.in_progress, basics.rate) == (2, 1, 1, 50.0)
    assert basics.exam_avg == 90.0 and basics.assignment_avg == 80.0
    assert courses["Python next steps"].rate == 0.0
    assert [(t.tier, t.enrolled, t.completed) for t in board.tiers] == [("beginner", 2, 1), ("intermediate", 1, 0)]
    assert board.exam_bins[9] == 1 and sum(board.exam_bins) == 1  # 90 % falls in 90-100
    assert board.assignment_bins[8] == 1
    assert board.weekly_active[-1][1] == 3  # all three had an event this week
    assert len(board.weekly_active) == 12 and board.weekly_active[-1][0].weekday() == 0
    names = [name for _uid, name in board.matrix_learners]
    assert names == ["Alice Archer", "Bob Baker", "Carol Clark"]
    assert board.matrix_cells[(world.alice.id, world.basics.id)] == (100, "completed")
    assert board.matrix_cells[(world.bob.id, world.basics.id)] == (25, "in_progress")
    assert (world.alice.id, world.nxt.id) not in board.matrix_cells
    assert {course for _uid, course in board.matrix_cells} == {c.course_id for c in board.courses}


def test_matrix_holds_only_the_courses_the_page_shows(world):
    from lms.db import utcnow
    from lms.extensions import db

    world.nxt.archived_at = utcnow()
    db.session.flush()
    board = team_dashboard(world.manager, world.team_a.id)
    assert [c.title for c in board.courses] == ["Python basics"]
    assert (world.carol.id, world.nxt.id) not in board.matrix_cells
    assert board.matrix_cells[(world.alice.id, world.basics.id)] == (100, "completed")


def test_weekly_activity_counts_weeks_apart(world):
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1)
    board = team_dashboard(world.manager, world.team_a.id, now=later)
    assert all(n == 0 for _week, n in board.weekly_active)


def test_page_has_svg_charts_with_tables_and_no_inline_style_or_script(client, world):
    login_as(client, world.manager)
    response = client.get(f"/reports/teams/{world.team_a.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<svg") >= 4 and html.count("<title>") >= 4
    assert "Completion rate per course" in html and "Active learners per week" in html
    assert not re.search(r"\sstyle=", html) and "<style" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # scripts come from files only
    assert "cdn" not in html.lower()
    assert "50%" in html  # basics rate, in the numbers table
    assert 'class="cell cell-completed"' in html


def test_matrix_pages_through_learners(world, client):
    from lms.accounts import services as accounts
    from lms.extensions import db
    from tests.factories import make_user

    accounts.add_members(world.team_a, [make_user("learner", f"p{n}@example.com", f"Zed {n:02d}") for n in range(50)])
    db.session.commit()
    board = team_dashboard(world.manager, world.team_a.id, page=2)
    assert board.pages == 2 and len(board.matrix_learners) == 3
    assert team_dashboard(world.manager, world.team_a.id, page=99).page == 2
    login_as(client, world.manager)
    assert "Page 2 of 2" in client.get(f"/reports/teams/{world.team_a.id}?page=2").get_data(as_text=True)
