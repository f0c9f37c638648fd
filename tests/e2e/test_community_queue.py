"""The instructor's queue and figures in the browser: questions asked through the services (one
past the course's 12-hour SLA, one fresh, one answered by a learner and by staff); the teaching
page shows the course's figures and the queue's count, the queue lists the overdue question first,
marked, at 1280 and 375 px."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from lms.catalog import services as catalog
from lms.community.models import CONDUCT_VERSION, CommunityMember
from lms.community.services import ask, reply
from lms.db import clock_at, utcnow
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import shot
from tests.e2e.test_accessibility import _axe
from tests.factories import PASSWORD, make_user

HOUR = timedelta(hours=1)


def _member(role: str, email: str, name: str, course=None):
    user = make_user(role, email=email, name=name)
    if course is not None:
        enroll(user.id, course)
    db.session.add(CommunityMember(user_id=user.id, conduct_version=CONDUCT_VERSION, conduct_accepted_at=utcnow()))
    db.session.flush()
    return user


def _questions(live_app) -> None:
    with live_app.app_context():
        course = catalog.get_course("llm-api-fundamentals")  # sla_hours: 12 in its course.yml
        lesson = catalog.get_item(course, "01-first-request")
        teacher = _member("instructor", "instructor@academy.test", "Ines Instructor")
        ada = _member("learner", "ada@example.com", "Ada Lovelace", course)
        grace = _member("learner", "grace@example.com", "Grace Hopper", course)
        now = utcnow()
        with clock_at(now - 3 * 24 * HOUR):
            answered = ask(ada, course, title="Which header carries the API key?", body="Bearer or x-api-key?")
        with clock_at(now - 3 * 24 * HOUR + 2 * HOUR):
            reply(grace, answered, "Authorization: Bearer, for most providers.")
        with clock_at(now - 3 * 24 * HOUR + 5 * HOUR):
            reply(teacher, answered, "Right; see the lesson's second example.")
        with clock_at(now - 20 * HOUR):
            ask(grace, course, title="Why does my request time out after 60 s?", body="Streaming is off.", item=lesson)
        with clock_at(now - 2 * HOUR):
            ask(ada, course, title="Is temperature 0 deterministic?", body="Same prompt, two answers.")
        db.session.commit()


def test_the_instructor_sees_the_overdue_question_and_the_figures(page, base_url, live_app):
    _questions(live_app)
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill("instructor@academy.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/teach/")

    card = page.locator('.cf-card[data-course="llm-api-fundamentals"]')
    expect(card.get_by_role("link", name="2 unanswered · 1 overdue")).to_be_visible()
    expect(card.locator("dd").first).to_contain_text("2 hours")  # Grace answered after two hours
    expect(card.locator("dd").nth(1)).to_contain_text("5 hours")  # the instructor after five
    expect(card).to_contain_text("1 of 1 questions")  # a staff answer within 24 h, of those a day old
    expect(page.locator("#queue-link")).to_contain_text("2")
    card.scroll_into_view_if_needed()
    shot(page, "community-queue-00-teaching-1280")

    page.locator("#queue-link").click()
    expect(page).to_have_url(base_url + "/community/queue")
    rows = page.locator("table.cq-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Why does my request time out after 60 s?")
    expect(rows.first).to_have_class("cq-overdue")
    expect(rows.first).to_contain_text("Overdue by 8 hours")
    expect(rows.nth(1)).to_contain_text("Due in 10 hours")
    expect(page.locator("#queue-summary")).to_contain_text("1 overdue")
    assert _axe(page) == []
    shot(page, "community-queue-01-all-1280")

    rows.first.get_by_role("link", name="LLM API fundamentals").click()
    expect(page).to_have_url(base_url + "/courses/llm-api-fundamentals/community/queue")
    expect(page.get_by_text("Answer time: 12 h")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.locator("table.cq-table tbody tr.cq-overdue")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1  # no sideways scroll
    shot(page, "community-queue-02-course-375")
    page.goto(base_url + "/teach/")
    expect(page.locator('.cf-card[data-course="llm-api-fundamentals"]')).to_be_visible()
    assert _axe(page) == []
    shot(page, "community-queue-03-teaching-375")
