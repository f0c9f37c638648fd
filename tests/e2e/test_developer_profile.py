"""Issue 18: a new developer meets the optional profile step after sign-up, fills it in, lands on
the dashboard, and edits it later from the profile page; an analyst sees only counts."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.accounts import services as accounts
from lms.extensions import db
from tests.e2e.conftest import shot, signed_in_page
from tests.factories import PASSWORD


def test_sign_up_profile_step_dashboard_and_later_edit(page, base_url, live_app, browser):
    page.goto(base_url + "/register")
    page.get_by_label("Name", exact=True).fill("Linus Dev")
    page.get_by_label("E-mail").fill("linus@example.com")
    page.get_by_label("Password", exact=True).fill("a very long password")
    page.get_by_label("Repeat password").fill("a very long password")
    page.get_by_label("I have read and accept the code of conduct").check()
    page.get_by_role("button", name="Create account").click()

    # The optional step, once, between the form and the dashboard.
    expect(page).to_have_url(re.compile(r"/welcome/profile\?next=/dashboard$"))
    expect(page.get_by_role("heading", name="Tell us a little about you")).to_be_visible()
    shot(page, "developer-profile-step")
    page.get_by_label("What kind of developer are you?").select_option("partner")
    page.get_by_label("Organisation").fill("Northwind")
    page.get_by_label("rag", exact=True).check()
    page.get_by_label("Years of experience").fill("99")  # out of range: said, nothing saved
    page.get_by_label("Country").select_option("DE")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Between 0 and 60, please.")
    expect(page.get_by_label("Organisation")).to_have_value("Northwind")  # nothing typed is lost
    page.get_by_label("Years of experience").fill("8")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_text("Thank you: your developer profile is saved.")).to_be_visible()

    # Later: from the profile page to the developer profile, which keeps the answers.
    page.goto(base_url + "/profile")
    page.get_by_role("link", name="Developer profile").click()
    expect(page.get_by_label("rag", exact=True)).to_be_checked()
    expect(page.get_by_label("Country")).to_have_value("DE")
    page.get_by_label("Role").fill("Staff engineer")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Developer profile saved.")).to_be_visible()
    expect(page.get_by_label("Role")).to_have_value("Staff engineer")
    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, "developer-profile-edit-375")

    # An analyst: counts only, a one-person answer suppressed.
    with live_app.app_context():
        accounts.create_user("ana@example.com", PASSWORD, "Ana Lyst", role="analyst")
        db.session.commit()
    analyst = signed_in_page(browser, base_url, "ana@example.com")
    analyst.goto(base_url + "/developers/")
    expect(analyst.get_by_role("heading", name="Developer type")).to_be_visible()
    expect(analyst.get_by_text("fewer than 5").first).to_be_visible()
    shot(analyst, "developer-overview")
    analyst.context.close()
