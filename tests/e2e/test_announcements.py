"""An announcement in Chromium, from the instructor's form to the learner's dashboard: the instructor
previews (rendered Markdown, the recipient count) and sends; a real `flask worker run` fans it out and
writes the e-mail to the outbox; the learner sees it on the dashboard and in the bell, and dismisses it.
Screenshots at 1280 and 375 px."""

from __future__ import annotations

from playwright.sync_api import expect

from lms.announcements.models import Announcement, AnnouncementState
from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import log_in, shot
from tests.factories import make_user
from tests.lms.assignments.helpers import wait_for

NARROW = {"width": 375, "height": 812}
WIDE = {"width": 1280, "height": 860}


def _state(live_app) -> str | None:
    with live_app.app_context():
        return db.session.scalar(db.select(Announcement.state))


def test_an_announcement_from_preview_to_dismissal(browser, base_url, live_app, worker):
    with live_app.app_context():
        make_user("instructor", email="instructor@academy.test", name="Ivy Instructor")
        learner = make_user(email="lena@example.com", name="Lena Learner")
        enroll(learner.id, catalog.get_course("llm-api-fundamentals"))
        db.session.commit()
        course_id = catalog.get_course("llm-api-fundamentals").id

    teacher = browser.new_context(viewport=WIDE, locale="en-US").new_page()
    log_in(teacher, base_url, "instructor@academy.test")
    teacher.get_by_role("link", name="Announcements").click()
    teacher.get_by_role("link", name="New announcement").click()
    teacher.select_option("select[name=to]", f"course:{course_id}")
    teacher.fill("input[name=title]", "Office hours on Thursday")
    teacher.fill("textarea[name=body]", "Bring **your notebook** and one question.\n\n- 16:00 UTC\n- Room 2")
    teacher.get_by_role("button", name="Preview").click()
    expect(teacher.locator(".announcement-reach")).to_contain_text("LLM API fundamentals: 1 recipient.")
    expect(teacher.locator(".announcement-preview strong")).to_have_text("your notebook")
    shot(teacher, "announcement-preview-1280")
    teacher.set_viewport_size(NARROW)
    shot(teacher, "announcement-preview-375")
    teacher.set_viewport_size(WIDE)
    teacher.get_by_role("button", name="Send to 1 recipient").click()
    teacher.wait_for_url("**/announcements")
    expect(teacher.locator(".flash")).to_contain_text("Announcement queued for 1 recipient(s)")

    wait_for(lambda: _state(live_app) == AnnouncementState.SENT, 60, "the worker's fan-out")
    outbox = live_app.config["INSTANCE_DIR"] / "outbox"
    mailed = wait_for(lambda: list(outbox.glob("*.eml")), 60, "the e-mail in the outbox")
    assert b"lena@example.com" in mailed[0].read_bytes()
    teacher.reload()
    expect(teacher.locator("tbody tr .state")).to_have_text("Sent")
    expect(teacher.locator("tbody tr td.num")).to_have_text("1")
    shot(teacher, "announcement-list-1280")

    reader = browser.new_context(viewport=WIDE, locale="en-US").new_page()
    log_in(reader, base_url, "lena@example.com")
    card = reader.locator("article.announcement")
    expect(card.get_by_role("heading", name="Office hours on Thursday")).to_be_visible()
    expect(card).to_contain_text("From Ivy Instructor")
    expect(card.locator("strong")).to_have_text("your notebook")
    bell = reader.locator("a.bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    shot(reader, "announcement-dashboard-1280")
    reader.set_viewport_size(NARROW)
    shot(reader, "announcement-dashboard-375")
    reader.set_viewport_size(WIDE)

    bell.click()
    reader.wait_for_url("**/notifications")
    expect(reader.locator(".inbox-item.unread")).to_contain_text("Announcement: Office hours on Thursday")
    reader.get_by_role("link", name="My learning").click()
    reader.get_by_role("button", name="Dismiss “Office hours on Thursday”").click()
    reader.wait_for_url("**/dashboard")
    expect(reader.locator("article.announcement")).to_have_count(0)
    expect(bell).to_have_attribute("aria-label", "Notifications")
    reader.goto(base_url + "/notifications")  # still in the inbox, read
    expect(reader.locator(".inbox-item")).to_contain_text("Announcement: Office hours on Thursday")
    expect(reader.locator(".inbox-item.unread")).to_have_count(0)
    teacher.context.close()
    reader.context.close()
