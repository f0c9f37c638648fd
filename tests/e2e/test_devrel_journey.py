"""Issue 18's Done-when, in one journey through Chromium:
a new developer signs up and fills the optional profile; files a feature request from the top bar's
"Feedback"; a second developer typing a similar title is offered it and votes instead of filing it
twice; an admin triages it to planned, then done with its outcome, on the board; both developers'
bells tell them; it appears on the public "You asked, we did"; the admin creates a segment and cuts
the programme dashboard by it (and downloads the CSV); an analyst lands on the dashboard, cuts it
the same way, reads the profile counts (small cells hidden) and can change nothing (their POSTs
answer 403). It replaces the slices' own journeys of the profile step, the hub and the dashboard."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.catalog.models import Course, Item
from lms.developers.models import DeveloperProfile
from lms.extensions import db
from lms.learning import services as learning
from tests.e2e.conftest import shot, signed_in_page
from tests.factories import make_user

TITLE = "Offline mode for the lesson pages"
OUTCOME = "Lesson pages now open offline after a first visit."
NARROW = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def people(live_app):
    """A voter, an admin, an analyst, and five partner developers (three finished a course)."""
    with live_app.app_context():
        make_user(email="bo@example.com", name="Bo Voter")
        make_user("admin", email="root@example.com", name="Ro Admin")
        make_user("analyst", email="ann@example.com", name="Ann Analyst")
        course = db.session.scalar(select(Course).where(Course.slug == "llm-api-fundamentals"))
        items = list(db.session.scalars(select(Item).where(Item.course_id == course.id, Item.archived_at.is_(None))))
        for n in range(5):
            partner = make_user(email=f"partner{n}@example.com", profile_asked=False)
            db.session.add(DeveloperProfile(user_id=partner.id, developer_type="partner"))
            learning.enroll(partner.id, course)
            for item in items if n < 3 else items[:1]:
                learning.record_event(partner.id, course.id, "lesson_completed", item_id=item.id)
        db.session.commit()


def _row(page, group: int, row: int, field: str, op: str, value: str) -> None:
    page.select_option(f"select[name='{group}-{row}-field']", field)
    page.select_option(f"select[name='{group}-{row}-op']", op)
    page.fill(f"input[name='{group}-{row}-value']", value)


def test_developer_relations_journey(page, browser, base_url, people, tmp_path):
    # A new developer: the form, then the optional profile step (a bad value keeps what was typed).
    page.set_default_timeout(10_000)
    page.goto(base_url + "/register")
    page.get_by_label("Name", exact=True).fill("Linus Dev")
    page.get_by_label("E-mail").fill("linus@example.com")
    page.get_by_label("Password", exact=True).fill("a very long password")
    page.get_by_label("Repeat password").fill("a very long password")
    page.get_by_label("I have read and accept the code of conduct").check()
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/welcome/profile\?next=/dashboard$"))
    expect(page.get_by_role("heading", name="Tell us a little about you")).to_be_visible()
    page.get_by_label("What kind of developer are you?").select_option("partner")
    page.get_by_label("Organisation").fill("Northwind")
    page.get_by_label("rag", exact=True).check()
    page.get_by_label("Years of experience").fill("99")
    page.get_by_label("Country").select_option("DE")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Between 0 and 60, please.")
    expect(page.get_by_label("Organisation")).to_have_value("Northwind")
    shot(page, "devrel-01-profile-step")
    page.get_by_label("Years of experience").fill("8")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_text("Thank you: your developer profile is saved.")).to_be_visible()

    # ...edits it later from the profile page, and files a feature request from the top bar.
    page.goto(base_url + "/profile")
    page.get_by_role("link", name="Developer profile").click()
    expect(page.get_by_label("rag", exact=True)).to_be_checked()
    page.get_by_label("Role").fill("Staff engineer")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Developer profile saved.")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback").click()
    expect(page.get_by_role("heading", name="Feedback", level=1)).to_be_visible()
    page.get_by_role("link", name="File feedback").click()
    page.get_by_label("What is it?").select_option("feature_request")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Details").fill("On a train the lessons should still open.")
    page.get_by_role("button", name="File it").click()
    expect(page.locator(".flash-success")).to_contain_text("Others can now vote for it")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)

    # A second developer types a similar title: the open item is offered, with its Vote button.
    bo = signed_in_page(browser, base_url, "bo@example.com")
    bo.goto(base_url + "/feedback/new")
    bo.get_by_label("Title").press_sequentially("offline lesson pages", delay=20)
    similar = bo.locator("#similar-items .fb-similar-box")
    expect(similar).to_contain_text(TITLE)
    assert similar.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    shot(bo, "devrel-02-similar")
    similar.get_by_role("button", name=f"Vote for “{TITLE}”").click()
    expect(bo.locator(".flash-success")).to_contain_text("Vote counted")
    expect(bo.locator(".fb-votes")).to_contain_text("1")

    # Staff triage on the board (no JavaScript needed): planned, then done, which needs an outcome.
    admin = signed_in_page(browser, base_url, "root@example.com")
    admin.goto(base_url + "/feedback/triage?view=board")
    column = admin.locator(".fb-column", has=admin.get_by_role("heading", name="New"))
    expect(column).to_contain_text(TITLE)
    shot(admin, "devrel-03-board")
    column.get_by_role("link", name=TITLE).click()
    admin.get_by_label("Status").select_option("planned")
    admin.get_by_label("Priority").select_option("P2")
    admin.get_by_role("button", name="Save triage").click()
    expect(admin.locator(".fb-meta")).to_contain_text("Planned")
    admin.get_by_label("Status").select_option("done")
    admin.get_by_role("button", name="Save triage").click()
    expect(admin.locator(".flash-error")).to_contain_text("Say what came of it")
    admin.get_by_label("Status").select_option("done")
    admin.get_by_label("Outcome").fill(OUTCOME)
    admin.get_by_role("button", name="Save triage").click()
    expect(admin.locator(".fb-outcome")).to_contain_text("open offline")
    expect(admin.locator("#triage")).to_contain_text("Planned → Done")
    admin.set_viewport_size(NARROW)  # the board scrolls in its own region
    admin.goto(base_url + "/feedback/triage?view=board")
    expect(admin.locator(".fb-column", has=admin.get_by_role("heading", name="Done"))).to_contain_text(TITLE)
    assert admin.evaluate("document.documentElement.scrollWidth <= 375")
    admin.set_viewport_size({"width": 1280, "height": 860})

    # Both developers are told (planned, then done).
    for person in (page, bo):
        person.goto(base_url + "/feedback/")
        expect(person.locator(".bell .bell-count")).to_have_text("2")
        person.locator(".bell").click()
        expect(person.locator(".inbox")).to_contain_text(f"Done: {TITLE}")
        expect(person.locator(".inbox")).to_contain_text(f"Planned: {TITLE}")
    shot(page, "devrel-04-bell")

    # "You asked, we did": public, with the outcome and no names.
    visitor = browser.new_context(viewport=NARROW, locale="en-US").new_page()
    visitor.goto(base_url + "/feedback/we-did")
    expect(visitor.locator(".fb-done-item", has_text=TITLE)).to_contain_text(OUTCOME)
    expect(visitor.locator("main")).not_to_contain_text("Linus Dev")
    assert visitor.evaluate("document.documentElement.scrollWidth <= 375")
    shot(visitor, "devrel-05-we-did-375")

    # The admin creates a segment (the five partners and Linus) and cuts the dashboard by it.
    admin.locator("summary", has_text="Admin").click()
    admin.get_by_role("link", name="Segments").click()
    admin.get_by_role("link", name="New segment").click()
    admin.fill("input[name=name]", "Partners")
    _row(admin, 0, 0, "developer_type", "eq", "partner")
    admin.get_by_role("button", name="Save the segment").click()
    expect(admin.locator(".flash")).to_contain_text("Segment “Partners” saved: 6 people.")
    segment_id = admin.url.rstrip("/").split("/")[-1]
    admin.locator("summary", has_text="Admin").click()
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Programme").click()
    completions = admin.locator("tr[data-figure=completions] td").nth(1)
    expect(completions).to_have_text("3")
    admin.get_by_label("Period", exact=True).select_option("week")
    admin.get_by_label("Segment", exact=True).select_option(label="Partners (6)")
    admin.get_by_role("button", name="Show").click()
    admin.wait_for_url(lambda url: "period=week" in url and f"segment={segment_id}" in url)
    expect(admin.get_by_text("Segment “Partners” (6 members)")).to_be_visible()
    expect(completions).to_have_text("3")
    expect(admin.locator("svg.chart").first).to_be_visible()
    shot(admin, "devrel-06-programme-segment")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Download CSV").click()
    path = tmp_path / "programme.csv"
    download.value.save_as(path)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] == "scope: Partners" and rows[1][:2] == ["day", "new_developers"]
    assert len([r for r in rows[2:] if r and r[0][:2] == "20"]) == 7

    # An analyst lands on the dashboard, cuts it by the segment, and can change nothing.
    analyst = signed_in_page(browser, base_url, "ann@example.com")
    assert analyst.url == base_url + "/programme/", analyst.url
    analyst.get_by_label("Segment", exact=True).select_option(label="Partners (6)")
    analyst.get_by_role("button", name="Show").click()
    expect(analyst.get_by_text("Segment “Partners” (6 members)")).to_be_visible()
    expect(analyst.get_by_role("link", name="Targets")).to_have_count(0)
    analyst.goto(base_url + "/developers/")  # who our developers are: counts only, small cells hidden
    expect(analyst.get_by_role("heading", name="Developer type")).to_be_visible()
    expect(analyst.get_by_text("fewer than 5").first).to_be_visible()
    expect(analyst.locator("main")).not_to_contain_text("Linus")
    analyst.goto(base_url + f"/developers/segments/{segment_id}")
    expect(analyst.locator("#segment-size")).to_have_text("6 people")
    expect(analyst.get_by_role("button", name="Delete")).to_have_count(0)
    token = analyst.locator("input[name=csrf_token]").first.get_attribute("value")
    for url, form in (
        (f"/developers/segments/{segment_id}/delete", {}),
        ("/developers/segments/new", {"name": "Mine"}),
        ("/feedback/new", {"category": "feature_request", "title": "An analyst's wish"}),
        ("/programme/targets", {}),
    ):
        answer = analyst.request.post(base_url + url, form={"csrf_token": token, **form}, max_redirects=0)
        assert answer.status == 403, (url, answer.status)
    analyst.goto(base_url + f"/developers/segments/{segment_id}")
    expect(analyst.locator("#segment-size")).to_have_text("6 people")
    analyst.set_viewport_size(NARROW)
    analyst.goto(base_url + "/programme/")
    shot(analyst, "devrel-07-analyst-375")
    assert analyst.evaluate("document.documentElement.scrollWidth <= 375")
    for p in (bo, admin, visitor, analyst):
        p.context.close()
