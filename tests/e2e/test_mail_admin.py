"""Admins' mail pages in Chromium: a failed delivery tried again from the deliveries page, and a
message of the development outbox opened, its HTML part drawn in the sandboxed frame under the
strict CSP (a blocked frame or style would be a console error, which the `page` fixture fails on)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from lms.db import utcnow
from lms.extensions import db
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.notifications.services import notify
from lms.notifications.tasks import send_mail
from tests.e2e.conftest import SHOTS, shot
from tests.factories import PASSWORD, make_user

CONTEXT = {
    "author": "Ada Lovelace",
    "body": "The **workshop** moves to Friday.",
    "sent_at": "2026-12-07T09:00:00+00:00",
}


def _seed(live_app) -> None:
    with live_app.app_context():
        make_user("admin", email="mailadmin@example.com", name="Mia Admin")
        people = [
            make_user(email=f"{name.split()[0].lower()}@example.com", name=name)
            for name in ("Li Wei", "Ana Silva", "Sam Carter", "Noor Haddad")
        ]
        ids = [
            notify(
                person,
                NotificationKind.ANNOUNCEMENT,
                {"title": "Workshop moved", "url": "/workshops"},
                CONTEXT,
                key="e2e-mail:1",
            )
            for person in people
        ]
        db.session.commit()
        for new in ids[:2]:
            assert send_mail(new) == "sent"  # to instance/outbox/: the e2e app has no MAIL_URL
        retrying, failed = db.session.get(Notification, ids[2]), db.session.get(Notification, ids[3])
        failed.email_state, failed.attempts, failed.next_attempt_at = EmailState.FAILED, 6, None
        failed.last_error = "SMTPRecipientsRefused: {'noor@example.com': (550, b'5.1.1 No such mailbox')}"
        retrying.attempts, retrying.next_attempt_at = 2, utcnow() + timedelta(minutes=2)
        retrying.last_error = "ConnectionRefusedError: [Errno 111] Connection refused"
        db.session.commit()


def test_mail_admin_journey(page, base_url, live_app):
    _seed(live_app)
    page.goto(base_url + "/login")
    page.fill("input[name=email]", "mailadmin@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/dashboard**")

    page.locator("summary", has_text="Admin").click()
    page.get_by_role("link", name="Mail deliveries").click()
    page.wait_for_url("**/admin/mail/deliveries")
    failed = page.locator(".delivery", has_text="noor@example.com")
    expect(failed).to_contain_text("Failed")
    expect(failed).to_contain_text("5.1.1 No such mailbox")
    expect(page.locator(".delivery", has_text="sam@example.com")).to_contain_text("Retrying")
    shot(page, "mail-deliveries-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "mail-deliveries-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    failed.get_by_role("button", name="Try again").click()
    expect(page.locator(".flash")).to_contain_text("noor@example.com will be sent again")
    expect(page.locator(".delivery", has_text="noor@example.com")).to_have_count(0)

    page.locator("summary", has_text="Admin").click()
    page.locator(".navmenu-items").get_by_role("link", name="Outbox").click()
    page.wait_for_url("**/admin/mail/outbox")
    expect(page.locator(".delivery")).to_have_count(2)
    shot(page, "mail-outbox-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "mail-outbox-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.locator(".delivery-title").first.click()
    page.wait_for_url("**/admin/mail/outbox/*.eml")
    expect(page.locator(".mail-headers")).to_contain_text("Content-Language")
    expect(page.locator(".mail-text")).to_contain_text("The **workshop** moves to Friday.")
    frame = page.frame_locator("iframe.mail-html")
    expect(frame.locator("h1")).to_contain_text("Workshop moved")
    shot(page, "mail-outbox-message-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    expect(frame.locator("h1")).to_contain_text("Workshop moved")
    shot(page, "mail-outbox-message-375")
    # A full-page capture leaves the out-of-process sandboxed frame blank at this width: the frame alone.
    page.locator("iframe.mail-html").screenshot(path=str(SHOTS / "mail-outbox-message-375-frame.png"))
