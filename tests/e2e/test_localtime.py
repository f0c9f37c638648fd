"""Local time in the browser: a learner in New York signs up, the profile shows the zone the browser
reported, and an assignment's due date (stored UTC) is shown in New York time with its label."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from lms import create_app
from lms.config import ROOT
from lms.extensions import db
from tests.e2e.conftest import shot
from tests.factories import load_fixture_courses

COURSE = "llm-api-fundamentals"
ASSIGNMENT = "assignments/token-counter.ipynb"
# 03:30 UTC on the 16th is still the 15th in New York (EST, UTC-5), and a cut-off in summer time (EDT).
DUE = "2027-01-16T03:30:00Z"
CUTOFF = "2027-07-01T16:00:00Z"


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The demo courses, the token counter given a due date and cut-off in its course file."""
    root = tmp_path_factory.mktemp("e2e-localtime")
    courses = root / "courses"
    shutil.copytree(ROOT / "courses", courses)
    manifest = courses / COURSE / "course.yml"
    text = manifest.read_text()
    entry = f"      - assignment: {ASSIGNMENT}\n"
    assert entry in text
    manifest.write_text(text.replace(entry, f"{entry}        due: {DUE}\n        cutoff: {CUTOFF}\n"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'e2e.db'}",
            "INSTANCE_DIR": root,
            "SECRET_KEY": "e2e-secret",
            "COURSES_DIR": courses,
        }
    )
    with app.app_context():
        db.create_all()
        load_fixture_courses(courses)
    return app


@pytest.fixture
def new_york(browser):
    """A browser whose clock says America/New_York, as a learner's laptop there would."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="en-US", timezone_id="America/New_York"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def test_a_learner_in_new_york_sees_due_dates_in_new_york_time(new_york, base_url):
    page = new_york
    page.goto(base_url + "/register")
    page.get_by_label("Name", exact=True).fill("Nia York")
    page.get_by_label("E-mail").fill("nia@example.com")
    page.get_by_label("Password", exact=True).fill("a very long password")
    page.get_by_label("Repeat password").fill("a very long password")
    page.get_by_label("I have read and accept the code of conduct").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Welcome to Academy, Nia York!")).to_be_visible()

    page.goto(base_url + "/profile")
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
    shot(page, "localtime-01-profile")

    page.goto(f"{base_url}/courses/{COURSE}")
    page.get_by_role("button", name="Enroll for free").click()
    page.goto(f"{base_url}/courses/{COURSE}/token-counter")
    rules = page.locator("dl.rules")
    expect(rules.locator("dd").first).to_have_text(re.compile(r"^Jan 15, 2027, 10:30\sPM EST$"))
    expect(rules).to_contain_text(re.compile(r"No uploads after Jul 1, 2027, 12:00\sPM EDT"))
    shot(page, "localtime-02-due-date")

    # Changed in the profile, the same due date follows the new zone.
    page.goto(base_url + "/profile")
    page.get_by_label("Time zone").select_option("Asia/Shanghai")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    page.goto(f"{base_url}/courses/{COURSE}/token-counter")
    expect(rules.locator("dd").first).to_have_text(re.compile(r"^Jan 16, 2027, 11:30\sAM CST$"))
