"""The reset-password flow runs from the e-mail's link: "Forgot password?" on the login page, the
worker writes the mail (an .eml in the live app's outbox, no MAIL_URL), the link read from it sets a
new password, and the person signs in with it."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user
from tests.lms.assignments.helpers import Worker, wait_for

NEW_PASSWORD = "a fresh passphrase 42"


@pytest.fixture(scope="module")
def mail_worker(live_app, base_url):
    """`flask worker run` on the live app's database and queue, its mail linking to the live server."""
    runner = Worker(live_app.config, workers=1, GRADING_KERNEL_POOL="0", MAIL_URL="", ACADEMY_BASE_URL=base_url)
    yield runner
    runner.stop()


def _both_widths(page, name: str) -> None:
    shot(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 860})


def _messages_to(outbox: Path, to: str) -> list:
    messages = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in outbox.glob("*.eml")]
    return [message for message in messages if message["To"] == to]


def _mailed_link(live_app, worker: Worker, to: str, path: str) -> str:
    """The link of the one message to `to` the worker wrote, waited for (each file appears whole)."""
    outbox = Path(live_app.config["INSTANCE_DIR"]) / "outbox"
    messages = wait_for(lambda: _messages_to(outbox, to), 60, f"the mail to {to} in {outbox}\n{worker.output()}")
    assert len(messages) == 1, [m["Subject"] for m in messages]
    text = messages[0].get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:\d+/" + path + r"/[\w-]+", text)[0]


def test_the_reset_password_flow_runs_from_the_emails_link(page, base_url, live_app, mail_worker):
    with live_app.app_context():
        make_user(email="rosa@example.com", name="Rosa Reset")
    page.goto(base_url + "/login")
    _both_widths(page, "accounts-login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url("**/forgot")
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    _both_widths(page, "accounts-forgot")
    page.fill("input[name=email]", "rosa@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    _both_widths(page, "accounts-forgot-sent")

    link = _mailed_link(live_app, mail_worker, "Rosa Reset <rosa@example.com>", "reset")
    assert link.startswith(base_url)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    _both_widths(page, "accounts-reset")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=confirm]", NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url("**/login")
    expect(page.locator(".flash-success")).to_have_text("Password changed. Log in with the new one.")

    page.fill("input[name=email]", "rosa@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    expect(page.locator(".flash-error")).to_have_text("Wrong e-mail or password.")  # the old one is gone
    page.fill("input[name=password]", NEW_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/dashboard**")

    # Used: a clear page offering a new link, answered 410, which Chromium reports on the console;
    # a tab of its own, since the `page` fixture fails on any console error.
    used = page.context.new_page()
    assert used.goto(link).status == 410
    expect(used.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(used.get_by_role("link", name="Send me a new link")).to_have_attribute("href", "/forgot")
    _both_widths(used, "accounts-reset-used")


def test_with_verification_on_a_sign_up_confirms_its_address_from_the_mail(page, base_url, live_app, mail_worker):
    live_app.config["EMAIL_VERIFICATION"] = True  # this module's app; read per request
    try:
        page.goto(base_url + "/register")
        page.fill("input[name=display_name]", "Vera Verify")
        page.fill("input[name=email]", "vera@example.com")
        page.fill("input[name=password]", NEW_PASSWORD)
        page.fill("input[name=confirm]", NEW_PASSWORD)
        page.check("input[name=conduct]")
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

        page.goto(base_url + "/login")
        page.fill("input[name=email]", "vera@example.com")
        page.fill("input[name=password]", NEW_PASSWORD)
        page.press("input[name=password]", "Enter")
        expect(page.get_by_role("alert")).to_contain_text("Confirm your e-mail address first")
        expect(page.get_by_role("button", name="Send the link again")).to_be_visible()
        _both_widths(page, "accounts-login-unverified")

        page.goto(_mailed_link(live_app, mail_worker, "Vera Verify <vera@example.com>", "confirm"))
        _both_widths(page, "accounts-confirm-email")
        page.get_by_role("button", name="Confirm my address").click()
        page.wait_for_url("**/login")
        expect(page.locator(".flash-success")).to_have_text("Your e-mail address is confirmed. Log in to start.")
        page.fill("input[name=email]", "vera@example.com")
        page.fill("input[name=password]", NEW_PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url("**/dashboard**")
    finally:
        live_app.config["EMAIL_VERIFICATION"] = False
