"""An admin writes a segment in Chromium, without JavaScript help: one group, "Add a group", a
second group, the preview count, a contradictory rule refused with its message, then saved with its
size. Screenshots at 1280 and 375 px."""

from __future__ import annotations

from playwright.sync_api import expect

from lms.developers.models import DeveloperProfile
from lms.extensions import db
from tests.e2e.conftest import shot, signed_in_page
from tests.factories import make_user

NARROW = {"width": 375, "height": 812}


def _row(page, group: int, row: int, field: str, op: str, value: str) -> None:
    page.select_option(f"select[name='{group}-{row}-field']", field)
    page.select_option(f"select[name='{group}-{row}-op']", op)
    page.fill(f"input[name='{group}-{row}-value']", value)


def test_an_admin_builds_a_segment_of_two_groups(browser, base_url, live_app):
    with live_app.app_context():
        make_user("admin", email="segments-admin@academy.test", name="Sam Admin")
        for n, kind in enumerate(["partner", "partner", "student", "student", "external", "partner"]):
            user = make_user(email=f"dev{n}@example.com", profile_asked=False)
            db.session.add(DeveloperProfile(user_id=user.id, developer_type=kind, years_experience=n * 2))
        db.session.commit()

    page = signed_in_page(browser, base_url, "segments-admin@academy.test")
    page.locator("summary", has_text="Admin").click()
    page.get_by_role("link", name="Segments").click()
    page.get_by_role("link", name="New segment").click()
    page.fill("input[name=name]", "Experienced partners and students")
    _row(page, 0, 0, "developer_type", "eq", "partner")
    _row(page, 0, 1, "developer_type", "eq", "student")
    page.get_by_role("button", name="Add a group").click()
    expect(page.locator("select[name='1-0-field']")).to_be_visible()
    expect(page.locator("input[name='0-1-value']")).to_have_value("student")  # the typed rows are kept

    # A second group that contradicts nothing on its own, but a single "is" on another type would.
    _row(page, 1, 0, "developer_type", "eq", "external")
    page.get_by_role("button", name="Add a group").click()
    _row(page, 2, 0, "developer_type", "eq", "partner")
    page.get_by_role("button", name="Save the segment").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "“Developer type is external” and “Developer type is partner” cannot both be true"
    )
    expect(page.locator("input[name='2-0-value']")).to_have_value("partner")
    shot(page, "segment-refused-1280")

    _row(page, 1, 0, "years_experience", "range", "4-")
    page.select_option("select[name='2-0-field']", "")
    page.fill("input[name='2-0-value']", "")
    page.get_by_role("button", name="Preview the count").click()
    expect(page.locator("#segment-preview")).to_have_text("These rules match 3 people right now.")
    shot(page, "segment-preview-1280")
    page.set_viewport_size(NARROW)
    shot(page, "segment-preview-375")
    page.set_viewport_size({"width": 1280, "height": 860})

    page.get_by_role("button", name="Save the segment").click()
    expect(page.locator(".flash")).to_contain_text("Segment “Experienced partners and students” saved: 3 people.")
    expect(page.locator("#segment-size")).to_have_text("3 people")
    expect(page.locator(".segment-rules li")).to_have_text(
        ["Developer type is partner or Developer type is student", "Years of experience at least 4"]
    )
    shot(page, "segment-page-1280")
    page.get_by_role("link", name="Segments", exact=True).first.click()
    expect(page.locator(".segment-list tbody tr")).to_contain_text("3")
    shot(page, "segment-list-1280")
