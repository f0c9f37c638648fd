"""Issue 17's "Done when", in one journey through Chromium: a learner asks on a lesson and is shown a
similar answered thread while typing; another learner answers; the instructor marks it a staff
answer; the asker accepts it; a third learner flags a post and the instructor hides it from the
moderation queue. The instructor's queue and figures change with each step (each part's own journey
is in test_community_<part>.py; this one checks they work together)."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from lms.catalog import services as catalog
from lms.community import services
from lms.community.services import conduct
from lms.db import clock_at, utcnow
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import signed_in_page
from tests.factories import make_user

COURSE = "llm-api-fundamentals"  # taught by instructor@academy.test, a 12-hour answer time
LESSON = "01-first-request"


def _people_and_an_answered_thread(live_app) -> None:
    """Five members (code of conduct accepted) and, two days ago, a question Ben answered."""
    with live_app.app_context():
        course = catalog.get_course(COURSE)
        conduct.accept(make_user("instructor", email="instructor@academy.test", name="Ivy Instructor"))
        people = {}
        for key, name in (("ada", "Ada Asker"), ("ben", "Ben Answerer"), ("cy", "Cy Careful"), ("sam", "Sam Seller")):
            people[key] = make_user(email=f"{key}@example.com", name=name)
            enroll(people[key].id, course)
            conduct.accept(people[key])
        with clock_at(utcnow() - timedelta(days=2)):
            earlier = services.ask(
                people["ben"], course, title="How do I set a timeout on a request?", body="It hangs for minutes."
            )
        with clock_at(utcnow() - timedelta(days=2) + timedelta(hours=3)):
            services.reply(people["cy"], earlier, "Pass `timeout=30` to the client.")
        db.session.commit()


def _figures_card(staff, base_url: str):
    staff.goto(base_url + "/teach/")
    return staff.locator(f'.cf-card[data-course="{COURSE}"]')


def test_ask_suggest_answer_staff_mark_accept_flag_and_hide(browser, base_url, live_app):
    _people_and_an_answered_thread(live_app)
    staff = signed_in_page(browser, base_url, "instructor@academy.test")
    card = _figures_card(staff, base_url)
    expect(card.locator(".cf-queue")).to_have_text("Queue empty")
    expect(card.locator("dd").nth(1)).to_contain_text("no answer yet")  # no staff answer yet

    # The asker starts from the lesson's panel and is shown the answered thread while typing.
    ada = signed_in_page(browser, base_url, "ada@example.com")
    ada.goto(f"{base_url}/courses/{COURSE}/{LESSON}")
    ada.locator("#community").get_by_role("link", name="Ask a question").click()
    ada.locator("#thread-title").press_sequentially("request timeout", delay=20)
    suggestions = ada.locator("#similar-threads .cq-similar-results")
    expect(suggestions).to_contain_text("How do I set a timeout on a request?")
    ada.fill("#thread-title", "Why does my request time out with a long prompt?")
    ada.fill("textarea[name=body]", "With a 20-page prompt the call never returns.")
    ada.get_by_role("button", name="Post").click()
    ada.wait_for_url(re.compile(r"/community/\d+"))
    thread_url = ada.url.split("#")[0]
    ada.goto(f"{base_url}/courses/{COURSE}/{LESSON}")
    expect(ada.locator("#community .cq-thread", has_text="long prompt")).to_contain_text("Unanswered")

    # The instructor's queue has it, not yet overdue.
    staff.goto(f"{base_url}/courses/{COURSE}/community/queue")
    expect(staff.locator("table.cq-table tbody tr", has_text="long prompt")).to_contain_text("Due in")
    expect(_figures_card(staff, base_url).locator(".cf-queue")).to_have_text("1 unanswered")

    # Another learner answers; a third posts an advert.
    ben = signed_in_page(browser, base_url, "ben@example.com")
    ben.goto(thread_url)
    ben.fill("textarea[name=body]", "Stream the response, and raise the client's timeout.")
    ben.get_by_role("button", name="Reply").click()
    answer = ben.locator(".post", has_text="Stream the response")
    expect(answer).to_be_visible()
    answer_id = answer.get_attribute("id")
    sam = signed_in_page(browser, base_url, "sam@example.com")
    sam.goto(thread_url)
    sam.fill("textarea[name=body]", "Cheap GPU hours at example.com, DM me!")
    sam.get_by_role("button", name="Reply").click()
    advert_id = sam.locator(".post", has_text="Cheap GPU hours").get_attribute("id")

    # The instructor marks the answer as a staff answer; the asker accepts it.
    staff.goto(thread_url)
    staff.locator(f"#{answer_id}").get_by_role("button", name="Mark as staff answer").click()
    expect(staff.locator(f"#{answer_id} .badge-staff")).to_have_text("Staff answer")
    ada.goto(thread_url)
    ada.locator(f"#{answer_id}").get_by_role("button", name="Accept this answer").click()
    expect(ada.locator(f"#{answer_id} .badge-accepted")).to_contain_text("Accepted answer")

    # A third learner flags the advert; the instructor hides it from the moderation queue.
    cy = signed_in_page(browser, base_url, "cy@example.com")
    cy.goto(thread_url)
    advert = cy.locator(f"#{advert_id}")
    advert.get_by_text("Flag", exact=True).click()
    advert.get_by_label("Spam or advertising").check()
    advert.get_by_role("button", name="Send flag").click()
    expect(cy.get_by_text("Thank you: the moderators will review this post.")).to_be_visible()
    staff.goto(f"{base_url}/courses/{COURSE}/community/moderation")
    entry = staff.locator(f"#review-{advert_id.removeprefix('post-')}")
    entry.get_by_label("Reason (recorded in the moderation log)").first.fill("Advertising")
    entry.get_by_role("button", name="Hide").click()
    expect(staff.get_by_text("Done.")).to_be_visible()
    cy.reload()
    expect(cy.locator(f"#{advert_id}")).to_contain_text("Hidden pending review")
    expect(cy.locator(f"#{advert_id}")).not_to_contain_text("Cheap GPU hours")

    # The queue is empty again, and the figures count the answered question.
    staff.goto(f"{base_url}/courses/{COURSE}/community/queue")
    expect(staff.locator("table.cq-table tbody tr", has_text="long prompt")).to_have_count(0)
    card = _figures_card(staff, base_url)
    expect(card.locator(".cf-queue")).to_have_text("Queue empty")
    expect(card.locator("dd").nth(1)).to_contain_text("1 answered")  # the staff answer, timed from the mark
    for page in (staff, ada, ben, sam, cy):
        page.context.close()
