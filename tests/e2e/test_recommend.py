"""A learner fails a quiz and is told, with the score, to review that module; skills and paths pages."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.accounts import services as accounts
from lms.extensions import db
from tests.e2e.conftest import shot
from tests.factories import met_profile_step

PASSWORD = "a very long password"


def _sign_up(page, base_url, name: str, email: str) -> None:
    page.goto(base_url + "/register")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("I have read and accept the code of conduct").check()
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name="Not now").click()  # the optional profile step (issue 18)
    page.wait_for_url("**/dashboard")


def test_failed_quiz_brings_a_review_recommendation(page, base_url):
    _sign_up(page, base_url, "Alan Turing", "alan@example.com")
    page.get_by_role("link", name="My learning").click()
    card = page.locator("section.rec-next")
    expect(card.get_by_role("heading", name="Next up")).to_be_visible()
    expect(card.get_by_role("link", name="Take the placement quiz")).to_be_visible()
    shot(page, "recommend-01-new-learner")

    page.goto(base_url + "/courses/llm-api-fundamentals")
    expect(page.locator("#module-first-request .rec-pill")).to_have_text("Recommended")
    page.get_by_role("button", name="Enroll for free").click()
    page.goto(base_url + "/courses/llm-api-fundamentals/first-request")
    for fieldset in page.locator("fieldset.question").all():
        fieldset.locator("input").first.check()  # mostly wrong answers
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text(re.compile(r"You scored \d+ of \d+\."))).to_be_visible()

    page.get_by_role("link", name="My learning").click()
    first = page.locator("section.rec-next li.rec").first
    expect(first).to_contain_text("Your first request")
    expect(first.locator(".rec-reason")).to_have_text(
        re.compile(
            r"You scored \d+% on First request check: "
            r"review Your first request before Tokens and byte-pair encoding\."
        )
    )
    shot(page, "recommend-02-review-after-failure")

    page.get_by_role("link", name="Skills", exact=True).click()
    expect(page.get_by_role("heading", name="My skills")).to_be_visible()
    expect(page.locator("svg.rec-chart").first).to_be_visible()
    page.get_by_text("Show the numbers").first.click()
    expect(page.get_by_role("cell", name="HTTP APIs", exact=True)).to_be_visible()  # the skill's title, not its slug
    shot(page, "recommend-03-skills")


def test_placement_marks_known_courses(page, base_url):
    _sign_up(page, base_url, "Grace Placement", "placed@example.com")
    page.goto(base_url + "/placement")
    expect(page.get_by_role("heading", name="Placement quiz")).to_be_visible()
    shot(page, "recommend-04-placement")
    questions = page.locator("fieldset.question").all()
    for fieldset in questions[:-2]:  # "Answer what you know": the last two are skipped
        fieldset.locator("input").first.check()
    # LLM API fundamentals entirely right: that course is marked known.
    for answer in (
        "The whole message history, including the model's earlier reply.",
        "By repeatedly merging the most frequent adjacent pair of symbols.",
        "Back off (honouring Retry-After) and retry.",
    ):
        page.get_by_label(answer).check()
    page.get_by_role("button", name="See my placement").click()
    expect(page.get_by_text(re.compile(r"Placement done: \d+ course\(s\) marked as known\."))).to_be_visible()
    n = len(questions)
    skipped = f"Unanswered, so counted as not known yet: question(s) {n - 1}, {n}."
    expect(page.get_by_text(skipped)).to_be_visible()
    page.get_by_text("Show the numbers").first.click()
    expect(page.get_by_text("Mastered · placement").first).to_be_visible()
    page.get_by_role("link", name="My learning").click()
    first = page.locator("section.rec-next li.rec").first
    expect(first).not_to_contain_text("Your first request")
    expect(first.locator(".rec-reason")).to_contain_text("The placement quiz showed you know LLM API fundamentals")
    shot(page, "recommend-05-after-placement")


def test_manager_assigns_a_path_that_shows_first(page, base_url, live_app):
    with live_app.app_context():
        manager = accounts.create_user("boss@example.com", PASSWORD, "Mia Boss", role="manager")
        learner = accounts.create_user("member@example.com", PASSWORD, "Sam Member")
        met_profile_step(learner)
        team = accounts.get_or_create_team("Platform squad")
        accounts.add_manager(team, manager)
        accounts.add_members(team, [learner])
        db.session.commit()
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill("boss@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(base_url + "/paths/new")
    page.get_by_label("Title").fill("Q1 onboarding")
    page.get_by_label("Course 1", exact=True).select_option("llm-api-fundamentals")
    page.get_by_label("Due date 1", exact=True).fill("2020-01-31")
    page.get_by_label("Course 2", exact=True).select_option("prompt-engineering")
    page.get_by_label("Due date 2", exact=True).fill("2099-03-31")
    shot(page, "recommend-06-new-path")
    page.get_by_role("button", name="Create path").click()
    page.get_by_label("Team").select_option(label="Platform squad")
    page.get_by_role("button", name="Assign path").click()
    expect(page.get_by_text("Path assigned.")).to_be_visible()
    shot(page, "recommend-07-paths")
    page.get_by_role("button", name="Log out").click()

    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill("member@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="My learning").click()
    path = page.locator("section.rec-path")
    expect(path.get_by_role("heading", name="Assigned path: Q1 onboarding")).to_be_visible()
    expect(path.get_by_text("1 overdue")).to_be_visible()
    first = page.locator("section.rec-next li.rec").first
    expect(first.locator(".rec-reason")).to_contain_text("Overdue in your path Q1 onboarding")
    shot(page, "recommend-08-assigned-path")
