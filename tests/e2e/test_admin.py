"""An admin disables an account through the page, confirming first; its owner is then told why
the login fails. The admin's navigation fits one line at 1280 px."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user


def _log_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_admin_disables_a_user_who_is_then_told_at_login(browser, page, live_app, base_url):
    with live_app.app_context():
        make_user("admin", email="root@example.com", name="Ada Admin")
        make_user(email="leaving@example.com", name="Lee Leaving")

    _log_in(page, base_url, "root@example.com")
    expect(page.get_by_role("link", name="My learning")).to_be_visible()
    # Measured once the stylesheet applies: a layout forced before it arrives is the unstyled list
    # (it failed so twice in full runs, one line per link).
    page.wait_for_load_state("load")
    nav = page.get_by_role("navigation", name="Main")
    # One line at 1280 px: the navigation's text lies on one line (its flex items never wrap
    # themselves; their labels do) and nothing overflows it.
    lines = nav.evaluate(
        """nav => { const walker = document.createTreeWalker(nav, NodeFilter.SHOW_TEXT), bottoms = new Set();
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const range = document.createRange(); range.selectNodeContents(node);
          for (const r of range.getClientRects()) if (r.width > 0) bottoms.add(Math.round(r.bottom));
        }
        return [...bottoms]; }"""
    )
    assert max(lines) - min(lines) < 4, lines
    assert nav.evaluate("nav => nav.scrollWidth <= nav.clientWidth")
    nav.get_by_text("Admin", exact=True).click()
    expect(nav.get_by_role("link", name="Users")).to_be_visible()
    shot(page, "admin-00-nav-1280")
    nav.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    shot(page, "admin-01-users-1280")

    row = page.locator("tr", has_text="leaving@example.com")
    expect(row.get_by_text("Active", exact=True)).to_be_visible()
    row.get_by_role("link", name="Disable").click()
    expect(page.get_by_role("heading", name="Disable leaving@example.com?")).to_be_visible()
    shot(page, "admin-02-confirm-disable")
    page.get_by_role("button", name="Disable account").click()
    expect(page.get_by_text("Disabled leaving@example.com.")).to_be_visible()
    row = page.locator("tr", has_text="leaving@example.com")
    expect(row.get_by_text("Disabled", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Enable")).to_be_visible()
    shot(page, "admin-03-disabled")

    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    try:
        other = context.new_page()
        other.set_default_timeout(10_000)
        _log_in(other, base_url, "leaving@example.com", "not the password")
        expect(other.get_by_text("Wrong e-mail or password.")).to_be_visible()
        _log_in(other, base_url, "leaving@example.com")
        expect(other.get_by_text("This account is disabled. Contact an administrator.")).to_be_visible()
        expect(other.get_by_role("link", name="My learning")).to_have_count(0)
        shot(other, "admin-04-disabled-login")
    finally:
        context.close()
