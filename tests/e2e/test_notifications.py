"""The bell and the inbox in Chromium: a notification committed while the learner is on a page shows
on their next page; opening it from the inbox marks it read and lands on the thing itself.
(The event here is written through notify() directly; wiring a domain's event, a waitlist
promotion, is the next step of issue 16.)"""

from __future__ import annotations

from playwright.sync_api import expect

from lms.extensions import db
from lms.notifications.models import Notification, NotificationKind
from lms.notifications.services import notify
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user


def test_bell_and_inbox_journey(page, base_url, live_app):
    with live_app.app_context():
        learner = make_user(email="bell@example.com", name="Bea Bell")
        learner_id = learner.id
    page.goto(base_url + "/login")
    page.fill("input[name=email]", "bell@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/dashboard**")
    bell = page.locator("a.bell")
    expect(bell).to_have_attribute("aria-label", "Notifications")
    expect(bell.locator(".bell-count")).to_have_count(0)

    with live_app.app_context():
        user = db.session.get(type(learner), learner_id)
        subject = {"title": "Workshop seat confirmed", "url": "/dashboard"}
        notify(user, NotificationKind.ANNOUNCEMENT, subject, {}, key="e2e:1")
        db.session.commit()

    page.goto(base_url + "/")  # the next page, its top bar served from the per-process cache before
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(bell.locator(".bell-count")).to_have_text("1")
    bell.click()
    page.wait_for_url("**/notifications")
    expect(page.locator(".inbox-item.unread")).to_have_count(1)
    shot(page, "notifications-inbox")
    page.get_by_role("button", name="Announcement: Workshop seat confirmed").click()
    page.wait_for_url("**/dashboard")
    expect(bell).to_have_attribute("aria-label", "Notifications")
    with live_app.app_context():
        assert db.session.scalar(db.select(Notification.read_at).where(Notification.user_id == learner_id))
