"""Posting in Chromium: a learner asks about a lesson (the page names it) and previews the Markdown
through static/community.js before posting; another learner finds it in the course's list and replies
mentioning the asker; the asker edits (the history keeps the first version); the replier deletes
their reply and a tombstone stays. The console stays free of errors (no CSP refusals); each page
passes axe-core and fits 375 px. Screenshots at 1280 and 375 px."""

from __future__ import annotations

from playwright.sync_api import expect

from lms.catalog import services as catalog
from lms.community.models import CONDUCT_VERSION, CommunityMember
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import log_in, shot
from tests.e2e.test_accessibility import _axe
from tests.factories import make_user

COURSE = "llm-api-fundamentals"
NARROW = {"width": 375, "height": 812}
WIDE = {"width": 1280, "height": 860}


def _member(live_app, email: str, name: str) -> None:
    with live_app.app_context():
        user = make_user(email=email, name=name)
        enroll(user.id, catalog.get_course(COURSE))
        db.session.add(CommunityMember(user_id=user.id, conduct_version=CONDUCT_VERSION, conduct_accepted_at=utcnow()))
        db.session.commit()


def _login(browser, base_url: str, email: str):
    context = browser.new_context(viewport=WIDE, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, base_url, email)
    return page, errors


def _both_widths(page, name: str) -> None:
    """Screenshots at both widths, with no serious axe-core violation and nothing wider than 375 px."""
    assert _axe(page) == [], name
    shot(page, f"{name}-1280")
    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
    shot(page, f"{name}-375")
    page.set_viewport_size(WIDE)


def test_ask_on_a_lesson_with_preview_reply_edit_and_delete(browser, base_url, live_app):
    _member(live_app, "ada@example.com", "Ada Asker")
    _member(live_app, "ben@example.com", "Ben Answerer")
    with live_app.app_context():
        course = catalog.get_course(COURSE)
        lesson = next(i for _m, items in catalog.syllabus(course) for i in items if i.kind == "lesson")
        lesson_slug, lesson_title = lesson.slug, lesson.title

    visitor = browser.new_context(viewport=WIDE, locale="en-US").new_page()
    visitor.goto(f"{base_url}/courses/{COURSE}/community")
    expect(visitor.locator(".community-about").get_by_role("link", name="Log in")).to_be_visible()
    _both_widths(visitor, "community-visitor")
    visitor.context.close()

    ada, ada_errors = _login(browser, base_url, "ada@example.com")
    ada.goto(f"{base_url}/courses/{COURSE}/community")
    expect(ada.get_by_role("heading", name="No questions yet")).to_be_visible()
    _both_widths(ada, "community-empty")
    ada.goto(f"{base_url}/courses/{COURSE}/community/ask?item={lesson_slug}")
    expect(ada.locator(".about-item")).to_contain_text(lesson_title)
    ada.fill("#thread-title", "Why does my API call time out?")
    ada.fill("textarea[name=body]", "I call the API with **a long prompt**:\n\n```python\nclient.create(prompt=p)\n```")
    ada.fill("input[name=tags]", "timeouts")
    ada.get_by_role("button", name="Preview").click()
    expect(ada.locator(".post-preview strong")).to_have_text("a long prompt")  # fetched, no page load
    expect(ada.locator(".post-preview pre code")).to_contain_text("client.create")
    _both_widths(ada, "community-ask-preview")
    ada.get_by_role("button", name="Post").click()
    expect(ada.get_by_role("heading", name="Why does my API call time out?")).to_be_visible()
    thread_url = ada.url

    ben, ben_errors = _login(browser, base_url, "ben@example.com")
    ben.goto(f"{base_url}/courses/{COURSE}/community")
    row = ben.locator(".thread-row", has_text="Why does my API call time out?")
    expect(row).to_contain_text(lesson_title)
    expect(row).to_contain_text("Unanswered")
    _both_widths(ben, "community-list")
    row.get_by_role("link", name="Why does my API call time out?").click()
    ben.fill("textarea[name=body]", "@AdaAsker raise the client's `timeout`, see [the docs](https://example.org/docs).")
    ben.get_by_role("button", name="Reply").click()
    reply = ben.locator(".post", has_text="raise the client")
    expect(reply.locator(".mention")).to_have_text("@AdaAsker")
    expect(reply.locator("a[href='https://example.org/docs']")).to_have_attribute("rel", "nofollow ugc noopener")

    ada.goto(thread_url)
    ada.locator(".post.opening").get_by_role("link", name="Edit").click()
    assert _axe(ada) == []  # the edit page
    ada.fill("textarea[name=body]", "I call the API with a long prompt and `timeout=5`.")
    ada.get_by_role("button", name="Save").click()
    opening = ada.locator(".post.opening")
    expect(opening).to_contain_text("timeout=5")
    opening.get_by_role("link", name="edited").click()
    expect(ada.locator(".revision-body")).to_contain_text("**a long prompt**")
    assert _axe(ada) == []  # the history page
    ada.go_back()

    ben.goto(thread_url)
    reply = ben.locator(".post", has_text="raise the client")
    reply.locator("summary", has_text="Delete").click()
    reply.get_by_role("button", name="Yes, delete").click()
    expect(ben.locator(".flash")).to_contain_text("Your post was deleted.")
    expect(ben.locator(".tombstone")).to_have_text("This post was deleted.")
    expect(ben.locator(".posts")).not_to_contain_text("raise the client")
    ada.reload()
    expect(ada.locator(".tombstone")).to_have_text("This post was deleted.")
    _both_widths(ada, "community-thread")
    ada.goto(f"{base_url}/courses/{COURSE}")
    ada.locator(".leave-course summary").click()
    expect(ada.get_by_role("button", name="Yes, leave the course")).to_be_visible()
    _both_widths(ada, "community-course-page")
    assert not ada_errors and not ben_errors, ada_errors + ben_errors
