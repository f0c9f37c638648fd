"""An admin opens the programme dashboard from the top bar, changes the period and the segment and
downloads the CSV; an analyst lands on the dashboard at login and reads it (at 1280 and 375 px)."""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.catalog.models import Course, Item
from lms.developers.models import Segment, SegmentMember
from lms.extensions import db
from lms.learning import services as learning
from lms.signals import segment_recomputed
from tests.e2e.conftest import shot

PASSWORD = "programme password 123"


@pytest.fixture(scope="module")
def people(live_app):
    """An admin, an analyst, six learners (three finished a course) and a segment of five of them."""
    with live_app.app_context():
        accounts.create_user("ada.admin@example.com", PASSWORD, "Ada Admin", role="admin")
        accounts.create_user("ann.analyst@example.com", PASSWORD, "Ann Analyst", role="analyst")
        course = db.session.scalar(select(Course).where(Course.slug == "llm-api-fundamentals"))
        items = list(db.session.scalars(select(Item).where(Item.course_id == course.id, Item.archived_at.is_(None))))
        learners = [accounts.create_user(f"dev{n}@example.com", PASSWORD, f"Developer {n}") for n in range(6)]
        for n, learner in enumerate(learners):
            learning.enroll(learner.id, course)
            for item in items if n < 3 else items[:1]:
                learning.record_event(learner.id, course.id, "lesson_completed", item_id=item.id)
        segment = Segment(name="Early adopters", member_count=5)
        db.session.add(segment)
        db.session.flush()
        db.session.add_all(SegmentMember(segment_id=segment.id, user_id=u.id) for u in learners[:5])
        db.session.flush()
        segment_recomputed.send(segment, user_ids={u.id for u in learners[:5]})  # as the segments' recompute does
        db.session.commit()
        return segment.id


def test_admin_cuts_the_dashboard_and_an_analyst_reads_it(page, browser, base_url, people, tmp_path):
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill("ada.admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Admin").click()
    nav.get_by_role("link", name="Programme").click()
    expect(page.get_by_role("heading", name="Programme", exact=True)).to_be_visible()
    completions = page.locator("tr[data-figure=completions] td").nth(1)
    expect(completions).to_have_text("3")
    expect(page.locator("svg.chart").first).to_be_visible()

    page.get_by_label("Period", exact=True).select_option("week")
    page.get_by_label("Segment", exact=True).select_option(label="Early adopters (5)")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: "period=week" in url and f"segment={people}" in url)
    expect(page.get_by_text("Segment “Early adopters” (5 members)")).to_be_visible()
    expect(completions).to_have_text("3")
    shot(page, "programme-01-segment-week")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    path = tmp_path / "programme.csv"
    download.value.save_as(path)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] == "scope: Early adopters" and rows[1][:4] == [
        "day",
        "new_developers",
        "active_learners",
        "enrolments",
    ]
    assert len([r for r in rows[2:] if r and r[0][:2] == "20"]) == 7

    analyst = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US").new_page()
    try:
        analyst.goto(base_url + "/login")
        analyst.get_by_label("E-mail").fill("ann.analyst@example.com")
        analyst.get_by_label("Password").fill(PASSWORD)
        analyst.get_by_role("button", name="Log in").click()
        analyst.wait_for_url(lambda url: "/login" not in url)
        assert analyst.url == base_url + "/programme/", analyst.url  # the analyst's landing page
        expect(analyst.get_by_role("heading", name="Programme", exact=True)).to_be_visible()
        expect(analyst.get_by_role("navigation", name="Main").get_by_role("link", name="Programme")).to_be_visible()
        expect(analyst.get_by_role("link", name="Targets")).to_have_count(0)
        analyst.set_viewport_size({"width": 375, "height": 800})
        shot(analyst, "programme-02-analyst-375")
    finally:
        analyst.context.close()
