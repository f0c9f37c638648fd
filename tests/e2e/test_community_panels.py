"""The community panel and search before asking in Chromium: a learner sees the questions beside a
lesson, then, typing a title on the ask page, is shown a similar thread someone already answered
(and not an unanswered one). Screenshots at 1280 and 375 px.

The threads are made through the services in the setup (the posting pages have their own e2e)."""

from __future__ import annotations

from playwright.sync_api import expect

from lms.catalog import services as catalog
from lms.community import services
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import log_in, shot
from tests.factories import make_user
from tests.lms.community.conftest import accept_conduct

NARROW = {"width": 375, "height": 812}
WIDE = {"width": 1280, "height": 860}
COURSE = "llm-api-fundamentals"


def test_panel_on_a_lesson_and_similar_answered_threads_while_typing_a_title(live_app, base_url, browser):
    with live_app.app_context():
        course = catalog.get_course(COURSE)
        lesson = catalog.get_item(course, "01-first-request")
        lena = accept_conduct(make_user(email="lena@example.com", name="Lena Learner"))
        omar = accept_conduct(make_user(email="omar@example.com", name="Omar Other"))
        for learner in (lena, omar):
            enroll(learner.id, course)
        answered = services.ask(
            omar, course, title="Where do I put the API key?", body="An environment variable or the code?", item=lesson
        )
        services.reply(lena, answered, "In an environment variable: never in the notebook you share.")
        services.ask(omar, course, title="Which API key scopes do I need?", body="Nobody answered me yet.")
        db.session.commit()

    page = browser.new_context(viewport=WIDE, locale="en-US").new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, base_url, "lena@example.com")

    page.goto(f"{base_url}/courses/{COURSE}/01-first-request")
    panel = page.locator("#community")
    expect(panel.get_by_role("heading", name="Questions and discussion")).to_be_visible()
    expect(panel.locator(".cq-thread")).to_have_count(1)
    expect(panel.locator(".cq-thread")).to_contain_text("Where do I put the API key?")
    expect(panel.locator(".cq-thread")).to_contain_text("1 reply")
    panel.scroll_into_view_if_needed()
    shot(page, "community-panel-lesson-1280")
    page.set_viewport_size(NARROW)
    shot(page, "community-panel-lesson-375")
    page.set_viewport_size(WIDE)

    page.goto(f"{base_url}/courses/{COURSE}")  # the course page: every module's threads, a filter per module
    panel = page.locator("#community")
    expect(panel.locator(".cq-thread")).to_have_count(2)
    panel.get_by_role("link", name="Your first request").click()
    expect(panel.locator(".cq-thread")).to_have_count(1)
    expect(panel.locator(".cq-modules [aria-current]")).to_have_text("Your first request")
    shot(page, "community-panel-course-1280")
    page.set_viewport_size(NARROW)
    shot(page, "community-panel-course-375")
    page.set_viewport_size(WIDE)

    page.goto(f"{base_url}/courses/{COURSE}/community/search?q=API+key")  # the course's thread search
    expect(page.locator(".cq-hit")).to_have_count(2)
    expect(page.locator(".cq-hit", has_text="Where do I put the API key?")).to_contain_text("1 reply")
    shot(page, "community-search-1280")
    page.set_viewport_size(NARROW)
    shot(page, "community-search-375")
    page.set_viewport_size(WIDE)

    page.goto(f"{base_url}/courses/{COURSE}/01-first-request")
    page.locator("#community").get_by_role("link", name="Ask a question").click()
    page.wait_for_url("**/community/ask?item=01-first-request")
    results = page.locator("#similar-threads .cq-similar-results")
    expect(results).to_have_attribute("aria-live", "polite")
    page.locator("#thread-title").press_sequentially("where to put my api key", delay=20)
    expect(results.locator("li")).to_have_count(1)
    expect(results).to_contain_text("Where do I put the API key?")
    expect(results).to_contain_text("Answered")
    expect(results).not_to_contain_text("scopes")  # not answered: never suggested
    shot(page, "community-similar-1280")
    page.set_viewport_size(NARROW)
    shot(page, "community-similar-375")
    page.locator("#thread-title").fill("")
    expect(results.locator("li")).to_have_count(0)
    assert not errors, f"browser console errors: {errors}"
