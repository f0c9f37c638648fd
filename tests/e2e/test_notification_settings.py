"""The notification settings page in Chromium: a kind turned off from the inbox's Settings link,
stored and shown; screenshots of the settings at 1280 and 375 px and of the unsubscribe page."""

from __future__ import annotations

from playwright.sync_api import expect

from lms.notifications import services
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user


def test_settings_page_changes_a_preference(page, base_url, live_app):
    """From the inbox to the settings, one kind turned off and saved; the choice is stored and shown.
    Screenshots at 1280 and 375 px, and of the unsubscribe page a mail's footer links to."""
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
