"""A learner downloads a notebook, completes it, uploads it, watches it graded; the instructor
sees the gradebook. A real worker process grades in the sandbox."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from lms.config import ROOT
from lms.extensions import db
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user
from tests.grading.notebooks import solutions
from tests.lms.assignments.helpers import Worker

SOURCE = ROOT / "courses" / "llm-api-fundamentals" / "assignments" / "token-counter.ipynb"
PAGE = "/courses/llm-api-fundamentals/token-counter"


@pytest.fixture(scope="module")
def worker(live_app):
    runner = Worker(live_app.config)
    yield runner
    runner.stop()


@pytest.fixture
def tab(browser):
    """A page whose console must stay clean, except the 400 of a refused upload (expected)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "400" not in m.text else None)
    yield page
    context.close()
    assert not errors, errors


def _complete(release: bytes) -> bytes:
    """The release with every answer cell filled from the instructor's solution."""
    answers = solutions(SOURCE)
    nb = json.loads(release)
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return json.dumps(nb).encode()


def _login(page, base_url, email):
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_learner_submits_a_notebook_and_the_instructor_sees_the_gradebook(tab, base_url, live_app, worker, tmp_path):
    with live_app.app_context():
        make_user(email="ada@example.com", name="Ada Lovelace")
        make_user("instructor", email="instructor@academy.test", name="Ines Instructor")
        db.session.commit()
    page = tab
    _login(page, base_url, "ada@example.com")
    page.goto(base_url + "/courses/llm-api-fundamentals")
    page.get_by_role("button", name="Enroll for free").click()
    page.goto(base_url + PAGE)
    expect(page.get_by_role("heading", name="Download the notebook")).to_be_visible()
    shot(page, "assignments-01-page")

    with page.expect_download() as download:
        page.locator("#download-release").click()
    release = tmp_path / "release.ipynb"
    download.value.save_as(release)
    assert "BEGIN SOLUTION" not in release.read_text()

    # A wrong file dropped on the zone: refused with its own message, nothing stored
    page.evaluate(
        """() => { const dt = new DataTransfer();
                   dt.items.add(new File(["not a notebook"], "notes.ipynb", {type: "application/json"}));
                   document.querySelector('.drop-target').dispatchEvent(
                     new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); }"""
    )
    expect(page.locator(".upload-message.error")).to_contain_text("not valid JSON")
    shot(page, "assignments-02-refused")

    # The completed notebook through the file picker
    completed = tmp_path / "token-counter.ipynb"
    completed.write_bytes(_complete(release.read_bytes()))
    page.locator("#notebook-file").set_input_files(str(completed))
    expect(page.locator(".drop-file")).to_contain_text("token-counter.ipynb")
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#latest .state")).to_have_text(re.compile("Queued|Grading|Graded"))
    if page.locator(".live").count():
        shot(page, "assignments-03-grading")
    expect(page.locator("#latest .state")).to_have_text("Graded", timeout=60_000)
    expect(page.locator("#latest .score-value")).to_have_text("8")
    expect(page.locator("#latest .test.pass")).to_have_count(3)
    expect(page.get_by_role("link", name="Download the full feedback (HTML)")).to_be_visible()
    expect(page.locator("#attempts")).to_contain_text("counts")
    shot(page, "assignments-04-graded")

    # The instructor's gradebook
    page.context.clear_cookies()
    _login(page, base_url, "instructor@academy.test")
    page.goto(base_url + "/teach/assignments/")
    expect(page.get_by_role("heading", name="Gradebooks")).to_be_visible()
    shot(page, "assignments-05-gradebooks")
    page.locator("a[href='/teach/assignments/llm-api-fundamentals/token-counter']").click()
    row = page.locator("table.gradebook tr", has_text="Ada Lovelace")
    expect(row).to_contain_text("8 / 8")
    expect(row.locator(".state")).to_have_text("Graded")
    shot(page, "assignments-06-gradebook")
    row.get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", name="Autograded tests")).to_be_visible()
    shot(page, "assignments-07-submission")
