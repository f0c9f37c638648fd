"""Moderation in Chromium: a member flags a reply from the thread page (the flag form of
_post_moderation_actions.html), the course's instructor finds it in the moderation queue and hides
it with a reason, the moderation log shows who did it and why, and the member now sees the reply
hidden pending review. Screenshots at 1280 and 375 px (the thread with the flag form, the queue,
the log, the code of conduct)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.catalog import services as catalog
from lms.community import services
from lms.community.services import conduct
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import log_in, shot
from tests.factories import make_user

NARROW = {"width": 375, "height": 812}
WIDE = {"width": 1280, "height": 860}
SLUG = "llm-api-fundamentals"


def _member(course, email: str, name: str, role: str = "learner"):
    user = make_user(role, email=email, name=name)
    if role == "learner":
        enroll(user.id, course)
    conduct.accept(user)
    return user


def test_a_member_flags_a_reply_and_a_moderator_hides_it_from_the_queue(browser, base_url, live_app):
    if "community.thread" not in live_app.view_functions:
        pytest.skip("needs the community thread page (community.thread), built in parallel")
    with live_app.app_context():
        course = catalog.get_course(SLUG)
        _member(course, "instructor@academy.test", "Ivy Instructor", role="instructor")
        asker = _member(course, "ada@example.com", "Ada Asker")
        spammer = _member(course, "sam@example.com", "Sam Seller")
        _member(course, "fay@example.com", "Fay Flagger")
        thread = services.ask(asker, course, title="How do I stream a chat completion?", body="It waits for the end.")
        reply = services.reply(spammer, thread, "Cheap GPU hours at example.com, DM me!")
        db.session.commit()
        thread_path, reply_id = f"/courses/{SLUG}/community/{thread.id}", reply.id

    member_context = browser.new_context(viewport=NARROW, locale="en-US")
    member = member_context.new_page()
    log_in(member, base_url, "fay@example.com")
    member.goto(base_url + thread_path)
    post = member.locator(f"#post-{reply_id}")
    post.get_by_text("Flag", exact=True).click()
    post.get_by_label("Spam or advertising").check()
    post.get_by_label("Note for the moderators (optional)").fill("An advert, not an answer")
    shot(member, "community-flag-form-375")
    post.get_by_role("button", name="Send flag").click()
    expect(member.get_by_text("Thank you: the moderators will review this post.")).to_be_visible()
    expect(member.locator(f"#post-{reply_id}").get_by_text("You flagged this post")).to_be_visible()

    staff_context = browser.new_context(viewport=WIDE, locale="en-US")
    staff = staff_context.new_page()
    log_in(staff, base_url, "instructor@academy.test")
    staff.goto(f"{base_url}/courses/{SLUG}/community/moderation")
    entry = staff.locator(f"#review-{reply_id}")
    expect(entry).to_contain_text("An advert, not an answer")
    expect(entry).to_contain_text("Fay Flagger")
    shot(staff, "community-moderation-queue-1280")
    entry.get_by_role("button", name="Hide").click()  # the reason is required: the browser asks first
    expect(entry.get_by_label("Reason (recorded in the moderation log)").first).to_be_focused()
    entry.get_by_label("Reason (recorded in the moderation log)").first.fill("Advertising")
    entry.get_by_role("button", name="Hide").click()
    expect(staff.get_by_text("Done.")).to_be_visible()
    expect(staff.locator(f"#review-{reply_id}").get_by_text("Hidden", exact=True)).to_be_visible()
    staff.set_viewport_size(NARROW)
    shot(staff, "community-moderation-queue-375")
    staff.set_viewport_size(WIDE)
    staff.get_by_role("link", name="Moderation log").click()
    row = staff.get_by_role("row").filter(has_text="Advertising")
    expect(row).to_contain_text("Ivy Instructor")
    expect(row).to_contain_text("How do I stream a chat completion?")
    shot(staff, "community-moderation-log-1280")

    member.reload()
    expect(member.locator(f"#post-{reply_id}")).to_contain_text("Hidden pending review")
    expect(member.locator(f"#post-{reply_id}")).not_to_contain_text("Cheap GPU hours")
    member.goto(base_url + "/community/conduct")
    expect(member.get_by_text("You accepted this version")).to_be_visible()
    shot(member, "community-conduct-375")
    staff_context.close()
    member_context.close()
