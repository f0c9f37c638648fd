"""Answers that count in Chromium, on the thread page: a learner upvotes a reply (and takes the vote
back, and gives it again), the reply's author has no vote button on it, the instructor marks it as a
staff answer, pins the thread and turns the reply into an FAQ entry, the asker accepts it.
Screenshots at 1280 and 375 px of the thread page as the asker and as the instructor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.catalog import services as catalog
from lms.community import services
from lms.community.models import FaqEntry, ModerationLog, Post, Thread
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import shot, signed_in_page
from tests.factories import make_user
from tests.lms.community.conftest import accept_conduct

NARROW = {"width": 375, "height": 812}
COURSE = "llm-api-fundamentals"  # taught by instructor@academy.test (courses/llm-api-fundamentals/course.yml)


@pytest.fixture
def question(live_app):
    """A question on a lesson, asked and answered through the core services (asking and replying in
    the browser are the posting journey's)."""
    if "community.thread" not in live_app.view_functions:
        pytest.skip("needs the thread page (community.thread, issue 17 slice A)")
    with live_app.app_context():
        course = catalog.get_course(COURSE)
        lesson = next(i for m in course.modules for i in m.items if i.kind == "lesson")
        people = {}
        for key, name in (("asker", "Ada Asker"), ("answerer", "Ben Answerer"), ("voter", "Cy Voter")):
            people[key] = accept_conduct(make_user(email=f"{key}@example.com", name=name))
            enroll(people[key].id, course)
        accept_conduct(make_user("instructor", email="instructor@academy.test", name="Ivy Instructor"))
        thread = services.ask(
            people["asker"], course, title="Why does my retry loop never stop?", body="It retries forever.", item=lesson
        )
        reply = services.reply(
            people["answerer"], thread, "Cap the attempts:\n\n```python\nfor attempt in range(3):\n    ...\n```"
        )
        db.session.commit()
        return thread.id, reply.id


def test_votes_staff_answer_pin_faq_and_accept_on_the_thread_page(browser, base_url, live_app, question):
    thread_id, reply_id = question
    url = f"{base_url}/courses/{COURSE}/community/{thread_id}"
    actions = f'.answer-actions[data-post="{reply_id}"]'

    voter = signed_in_page(browser, base_url, "voter@example.com")
    voter.goto(url)
    vote = voter.locator(f"{actions} .vote-button")
    expect(vote).to_have_attribute("aria-pressed", "false")
    vote.click()
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote.locator(".vote-count")).to_have_text("1")
    vote.click()  # taken back
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(vote.locator(".vote-count")).to_have_text("0")
    vote.click()
    expect(vote.locator(".vote-count")).to_have_text("1")

    author = signed_in_page(browser, base_url, "answerer@example.com")
    author.goto(url)
    expect(author.locator(f"{actions} .vote-static .vote-count")).to_have_text("1")  # no vote on one's own post
    expect(author.locator(f"{actions} .vote-button")).to_have_count(0)

    staff = signed_in_page(browser, base_url, "instructor@academy.test")
    staff.goto(url)
    staff.locator(actions).get_by_role("button", name="Mark as staff answer").click()
    expect(staff.locator(f"{actions} .badge-staff")).to_have_text("Staff answer")
    staff.locator(".thread-answer-actions").get_by_role("button", name="Pin to the top").click()
    expect(staff.locator(".thread-answer-actions").get_by_role("button", name="Unpin")).to_be_visible()
    staff.locator(actions).get_by_role("link", name="Add to FAQ").click()
    expect(staff.locator("#faq-question")).to_have_value("Why does my retry loop never stop?")
    expect(staff.locator("#faq-answer")).to_have_value(
        "Cap the attempts:\n\n```python\nfor attempt in range(3):\n    ...\n```"
    )
    staff.fill("#faq-question", "How do I stop retrying forever?")
    staff.get_by_role("button", name="Add to the FAQ").click()
    expect(staff.locator(".flash-success")).to_have_text("Added to the FAQ.")
    assert f"/community/{thread_id}" in staff.url

    asker = signed_in_page(browser, base_url, "asker@example.com")
    asker.goto(url)
    asker.locator(actions).get_by_role("button", name="Accept this answer").click()
    expect(asker.locator(f"{actions} .badge-accepted")).to_have_text("✓ Accepted answer")
    expect(asker.locator(".thread-answer-actions .accepted-link")).to_have_attribute("href", f"#post-{reply_id}")
    shot(asker, "community-answers-asker-1280")
    asker.set_viewport_size(NARROW)
    shot(asker, "community-answers-asker-375")
    staff.goto(url)
    shot(staff, "community-answers-staff-1280")
    staff.set_viewport_size(NARROW)
    shot(staff, "community-answers-staff-375")

    with live_app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert db.session.get(Post, reply_id).vote_count == 1
        assert thread.accepted_post_id == reply_id and thread.accepted_by_id == thread.author_id
        assert thread.pinned_at is not None and thread.first_staff_answer_at is not None
        assert db.session.scalar(select(FaqEntry.question)) == "How do I stop retrying forever?"
        assert db.session.scalars(select(ModerationLog.action)).all() == ["pin"]
