"""A learner downloads a notebook, completes it, uploads it, watches it graded; the instructor
sees the gradebook, marks a hand-graded answer and reads the grade history. A real worker process
grades in the sandbox."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from lms.assignments import services
from lms.assignments.models import Submission
from lms.assignments.tasks import enqueue_grading
from lms.catalog import services as catalog
from lms.catalog.content import load_courses
from lms.catalog.sync import sync_courses
from lms.config import ROOT
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user
from tests.grading import notebooks as squares
from tests.grading.notebooks import solutions
from tests.lms.assignments.helpers import build_courses, solve, wait_for

SOURCE = ROOT / "courses" / "llm-api-fundamentals" / "assignments" / "token-counter.ipynb"
PAGE = "/courses/llm-api-fundamentals/token-counter"


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


def _graded_squares(live_app, tmp_path) -> int:
    """The test course's `squares` assignment (its `explain` cell is graded by hand) beside the real
    catalog, a learner's answer to it, graded by the worker; returns the submission id."""
    with live_app.app_context():
        loaded = load_courses(build_courses(tmp_path) / "python-basics")
        assert loaded.ok, [str(p) for p in loaded.problems]
        sync_courses(loaded.courses, archive_missing=False)
        make_user("instructor", email="teacher@example.com", name="Tess Teacher")
        grace = make_user(email="grace@example.com", name="Grace Hopper")
        item = catalog.get_item(catalog.get_course("python-basics"), "squares")
        enroll(grace.id, item.course)
        release = services.engine_release(services.current_release(item.id)).notebook_bytes
        submission, _ = services.submit(grace, item, solve(release, "squares", squares.CORRECT), max_bytes=1 << 20)
        db.session.commit()
        enqueue_grading([(submission.id, submission.run)])
        submission_id = submission.id

        def graded() -> bool:
            db.session.expire_all()
            return db.session.get(Submission, submission_id).state == "graded"

        wait_for(graded, 60, "the squares submission graded")
    return submission_id


def test_instructor_marks_by_hand_and_reads_the_grade_history(tab, base_url, live_app, worker, tmp_path):
    submission_id = _graded_squares(live_app, tmp_path)
    page = tab
    _login(page, base_url, "teacher@example.com")
    page.goto(base_url + "/teach/assignments/python-basics/squares")
    page.locator("table.gradebook tr", has_text="Grace Hopper").get_by_role("link", name="Open").click()
    expect(page.locator("#history")).to_contain_text("No changes yet")

    form = page.locator("form.manual-form", has_text="explain")
    form.locator("input[name=points]").fill("1")
    form.locator("textarea[name=comment]").fill("Clear explanation of the range.")
    form.get_by_role("button", name="Save mark").click()
    expect(page.locator(".flash-success")).to_contain_text("Mark saved")
    history = page.locator("#history")
    expect(history.locator("tr.change")).to_have_count(2)  # the points and the comment
    mark = history.locator("tr.change-manual_mark")
    expect(mark).to_contain_text("Tess Teacher")
    expect(mark).to_contain_text("Points for explain")

    # Taking back a point already given needs a reason; refused without one, nothing written
    form = page.locator("form.manual-form", has_text="explain")
    form.locator("input[name=points]").fill("0.5")
    form.get_by_role("button", name="Save mark").click()
    expect(page.locator(".flash-error")).to_contain_text("Give a reason")
    expect(history.locator("tr.change")).to_have_count(2)
    form = page.locator("form.manual-form", has_text="explain")
    form.locator("input[name=points]").fill("0.5")
    form.locator("input[name=reason]").fill("The mark scheme asks for the range bounds too.")
    form.get_by_role("button", name="Save mark").click()
    expect(history.locator("tr.change")).to_have_count(3)
    newest = history.locator("tr.change").first
    expect(newest).to_contain_text("0.5")
    expect(newest).to_contain_text("The mark scheme asks for the range bounds too.")
    shot(page, "assignments-08-history")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export the assignment's history (CSV)").click()
    exported = download.value.path().read_text()
    assert exported.count(",manual_mark,") == 2 and exported.count(",comment,") == 1
    assert f",{submission_id}," in exported and "The mark scheme asks for the range bounds too." in exported
