"""A manager logs in, reads the team dashboard, filters the completion report and downloads XLSX."""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.catalog.models import Course, Item
from lms.certification import exams
from lms.extensions import db
from lms.learning import services as learning
from tests.e2e.conftest import shot

PASSWORD = "manager password 123"


@pytest.fixture(scope="module")
def team(live_app):
    """A team of four: two passed every step of LLM API fundamentals (one passed its exam too, the other
    still owes it), two are under way."""
    with live_app.app_context():
        manager = accounts.create_user("maya@example.com", PASSWORD, "Maya Manager", role="manager")
        team = accounts.get_or_create_team("Applied AI")
        accounts.add_manager(team, manager)
        course = db.session.scalar(select(Course).where(Course.slug == "llm-api-fundamentals"))
        other = db.session.scalar(select(Course).where(Course.slug == "prompt-engineering"))
        items = list(db.session.scalars(select(Item).where(Item.course_id == course.id, Item.archived_at.is_(None))))
        names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "=cmd|' /C calc'!A0"]
        learners = [accounts.create_user(f"l{n}@example.com", PASSWORD, name) for n, name in enumerate(names)]
        accounts.add_members(team, learners)
        for n, learner in enumerate(learners):
            learning.enroll(learner.id, course)
            learning.enroll(learner.id, other)
            done = items if n < 2 else items[:n]
            for item in done:
                learning.record_event(learner.id, course.id, "lesson_completed", item_id=item.id)
        attempt = exams.start(learners[0].id, course)
        exams.submit(attempt, {q["id"]: q["correct"] for q in exams.questions_of(attempt, reveal=True)})
        db.session.commit()
        return team.id


def test_manager_filters_and_downloads_xlsx(page, base_url, team, tmp_path):
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill("maya@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    page.get_by_role("link", name="Applied AI").click()
    expect(page.get_by_role("heading", name="Applied AI")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("td.cell-completed")).to_have_count(1)  # Ada; Alan still owes the exam:
    expect(page.locator("td.cell-exam_remaining")).to_have_text("Exam")
    expect(page.locator("td.cell-exam_remaining")).to_have_attribute("title", "Exam remaining")
    shot(page, "reports-01-team-dashboard")

    page.get_by_role("link", name="Completion report").first.click()
    page.get_by_label("Course").select_option(label="LLM API fundamentals")
    page.get_by_label("Status").select_option(label="Exam remaining")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("table.report tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Alan Turing")
    expect(rows.first).to_contain_text("Exam remaining")
    page.get_by_label("Status").select_option(label="Completed")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_text("Ada Lovelace")).to_be_visible()
    expect(page.get_by_text("Grace Hopper")).to_have_count(0)
    shot(page, "reports-02-completion-report")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download XLSX").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".xlsx"
    book = openpyxl.load_workbook(path)
    lines = list(book["Completions"].iter_rows(values_only=True))
    assert [line[1] for line in lines[1:]] == ["Ada Lovelace"]
    assert lines[1][7] == "completed" and lines[1][10] == 100 and lines[1][11] is True
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Status"] == "Completed" and summary["Rows"] == 1

    page.get_by_role("link", name="Reset").click()
    expect(page.get_by_text("'=cmd|' /C calc'!A0", exact=False)).to_have_count(0)
    expect(page.get_by_text("=cmd|' /C calc'!A0").first).to_be_visible()  # plain text on the page
