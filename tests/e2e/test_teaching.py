"""Instructor and manager journeys in the browser: the instructor lands on the teaching page, opens
the course grid, opens a learner's submission, leaves a comment and +2 points with a reason, sees the
grid's new score and the course's content analytics (at 1280 and 375 px); the learner reads the
comment and the adjusted score; a manager lands on reports.
The notebook is graded in-process by the real grader."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from lms.assignments import services, worker
from lms.catalog import services as catalog
from lms.config import ROOT
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user
from tests.grading.notebooks import solutions

SOURCE = ROOT / "courses" / "llm-api-fundamentals" / "assignments" / "token-counter.ipynb"
GRID = "/teach/courses/llm-api-fundamentals/grades"
ANALYTICS = "/teach/courses/llm-api-fundamentals/analytics"
PAGE = "/courses/llm-api-fundamentals/token-counter"


def _graded_without_encode(live_app) -> tuple[int, float]:
    """Ada's token counter with every answer but `encode` (its 3 points' test fails), graded now."""
    with live_app.app_context():
        ada = make_user(email="ada@example.com", name="Ada Lovelace")
        enroll(make_user(email="grace@example.com", name="Grace Hopper").id, catalog.get_course("llm-api-fundamentals"))
        item = catalog.get_item(catalog.get_course("llm-api-fundamentals"), "token-counter")
        enroll(ada.id, item.course)
        nb = json.loads(services.engine_release(services.current_release(item.id)).notebook_bytes)
        answers = {k: v for k, v in solutions(SOURCE).items() if k != "encode"}
        for cell in nb["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell["source"] = answers[grade_id]
        submission, _ = services.submit(ada, item, json.dumps(nb).encode(), max_bytes=1 << 20)
        db.session.commit()
        assert worker.grade_now(submission.id, submission.run) == "graded"
        db.session.expire_all()
        return submission.id, services.status(submission)["score"]


def _log_in(page, base_url, email: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_instructor_adjusts_a_submission_from_the_grid_and_each_role_lands_on_its_page(page, base_url, live_app):
    with live_app.app_context():
        make_user("instructor", email="instructor@academy.test", name="Ines Instructor")
        make_user("manager", email="manager@academy.test", name="Maya Manager")
    submission_id, score = _graded_without_encode(live_app)
    assert score == 5  # 8 points, the encode test's 3 lost

    # The instructor lands on the teaching page, marked in the nav
    _log_in(page, base_url, "instructor@academy.test")
    expect(page).to_have_url(base_url + "/teach/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Teaching")).to_have_attribute("aria-current", "page")
    shot(page, "teaching-00-landing-1280")
    page.locator("tr", has_text="LLM API fundamentals").get_by_role("link", name="All grades").click()

    # The grid: Ada's cell is her counting attempt, linked to the submission
    expect(page).to_have_url(base_url + GRID)
    ada = page.locator("table.grade-grid tbody tr", has_text="Ada Lovelace")
    cell = ada.locator(f"a[href='/teach/assignments/submissions/{submission_id}']")
    expect(cell).to_have_text("5 / 8")
    expect(page.locator("table.grade-grid thead")).to_contain_text("exam")  # the exam is a column
    shot(page, "teaching-01-grid-1280")
    cell.click()

    # The submission: a comment and +2 points with a reason; a missing reason is refused first
    expect(page.get_by_role("heading", name="Comment and points adjustment")).to_be_visible()
    form = page.locator("form.review-form")
    form.get_by_label("Comment for the learner (Markdown)").fill("Your **merge loop** is right; see `encode`.")
    form.get_by_label("Points adjustment").fill("+2")
    form.get_by_role("button", name="Save comment and adjustment").click()
    expect(page.locator(".flash-error")).to_contain_text("Give a reason for the points adjustment")
    expect(form.get_by_label("Comment for the learner (Markdown)")).to_have_value(
        "Your **merge loop** is right; see `encode`."
    )
    form.get_by_label("Reason for the adjustment").fill("encode was right; the test was too strict")
    form.get_by_role("button", name="Save comment and adjustment").click()
    expect(page.locator(".flash-success")).to_contain_text("the learner sees it")
    history = page.locator("#history table")
    expect(history.locator("tr", has_text="Points adjustment")).to_contain_text("encode was right")
    expect(page.locator(".score-value")).to_have_text("7")
    shot(page, "teaching-02-submission-reviewed")

    # Back on the grid: the new score counts
    page.goto(base_url + GRID)
    expect(ada.locator(f"a[href='/teach/assignments/submissions/{submission_id}']")).to_have_text("7 / 8")
    shot(page, "teaching-03-grid-adjusted-1280")

    # Content analytics, from the grid: the encode test failed Ada's one graded submission
    page.get_by_role("link", name="Content analytics").click()
    expect(page).to_have_url(base_url + ANALYTICS)
    expect(page.get_by_role("heading", name="Assignment tests")).to_be_visible()
    failing = page.locator(".ca-table tr", has_text="1 / 1")
    expect(failing).to_have_count(1)
    expect(failing).to_contain_text("100%")
    expect(page.locator("svg.chart")).to_be_visible()  # lesson reach bars
    shot(page, "teaching-03b-analytics-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= 375")  # wide tables scroll in their boxes
    shot(page, "teaching-03c-analytics-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(base_url + GRID)

    # 375 px: the grid scrolls within its own box, which fits the screen (the top bar's own overflow at
    # this width is the mobile navigation's, fixed elsewhere)
    page.set_viewport_size({"width": 375, "height": 800})
    wrap = page.locator(".grid-wrap")
    expect(wrap).to_be_visible()
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth && el.getBoundingClientRect().right <= 375")
    shot(page, "teaching-04-grid-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    _log_out(page)

    # The learner reads the comment and the adjusted score
    _log_in(page, base_url, "ada@example.com")
    expect(page).to_have_url(base_url + "/dashboard")
    page.goto(base_url + PAGE)
    note = page.locator("#latest .instructor-note")
    expect(note).to_contain_text("From your instructor")
    expect(note.locator("strong")).to_have_text("merge loop")
    expect(note).to_contain_text(re.compile(r"Points adjustment: \+2"))
    expect(page.locator("#latest .score-value")).to_have_text("7")
    shot(page, "teaching-05-learner-feedback")
    _log_out(page)

    # A manager lands on reports
    _log_in(page, base_url, "manager@academy.test")
    expect(page).to_have_url(base_url + "/reports/")
    expect(nav.get_by_role("link", name="Reports")).to_have_attribute("aria-current", "page")
