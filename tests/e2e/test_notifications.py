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


def test_settings_page_changes_a_preference(page, base_url, live_app):
    """From the inbox to the settings, one kind turned off and saved; the choice is stored and shown.
    Screenshots at 1280 and 375 px, and of the unsubscribe page a mail's footer links to."""
    from lms.notifications import services

    with live_app.app_context():
        learner_id = make_user(email="prefs@example.com", name="Pia Prefs").id
        unsubscribe = "/unsubscribe/" + services.unsubscribe_token(learner_id, "announcement")
    page.goto(base_url + "/login")
    page.fill("input[name=email]", "prefs@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/dashboard**")
    page.goto(base_url + "/notifications")
    page.get_by_role("link", name="Settings").click()
    page.wait_for_url("**/notifications/settings")
    announcements = page.get_by_role("group", name="Announcements")
    expect(announcements.get_by_label("E-mail at once")).to_be_checked()
    expect(page.get_by_role("group", name="Grades").get_by_label("Daily digest")).to_be_checked()
    shot(page, "notifications-settings-1280")
    announcements.get_by_label("Off").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash-success")).to_have_text("Saved.")
    expect(page.get_by_role("group", name="Announcements").get_by_label("Off")).to_be_checked()
    with live_app.app_context():
        assert services.delivery_for(learner_id, "announcement") == services.Delivery.OFF
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(page.get_by_role("group", name="Announcements").get_by_label("Off")).to_be_checked()
    shot(page, "notifications-settings-375")
    page.goto(base_url + unsubscribe)
    expect(page.get_by_role("button", name="Stop these e-mails")).to_be_visible()
    shot(page, "notifications-unsubscribe-375")
