"""An instructor grants a learner an extension from the gradebook page, in the browser: the learner
picked in the dropdown gets it, the page says so and shows the new due date."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user

BOOK = "/teach/assignments/llm-api-fundamentals/token-counter"


def test_instructor_grants_an_extension_from_the_gradebook(page, base_url, live_app):
    with live_app.app_context():
        make_user("instructor", email="instructor@academy.test", name="Ines Instructor")
        course = catalog.get_course("llm-api-fundamentals")
        for email, name in (("ada@example.com", "Ada Lovelace"), ("grace@example.com", "Grace Hopper")):
            enroll(make_user(email=email, name=name).id, course)
        db.session.commit()
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill("instructor@academy.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(base_url + BOOK)

    form = page.locator("form", has=page.get_by_role("button", name="Save extension"))
    form.get_by_label("Learner").select_option(label="Grace Hopper (grace@example.com)")
    form.get_by_label("New due date").fill("2030-03-15T17:45")
    form.get_by_label("Reason (optional)").fill("Conference travel")
    form.get_by_role("button", name="Save extension").click()

    expect(page.locator(".flash-success")).to_have_text(
        re.compile(r"Grace Hopper may now submit until Mar 15, 2030, 5:45\sPM UTC\.")
    )
    grace = page.locator("table.gradebook tr", has_text="Grace Hopper")
    expect(grace.locator(".pill.ok")).to_have_text(re.compile(r"extended to Mar 15, 2030, 5:45\sPM UTC"))
    expect(page.locator("table.gradebook tr", has_text="Ada Lovelace").locator(".pill.ok")).to_have_count(0)
    shot(page, "extension-01-granted")
