"""A new developer signs up, browses, enrolls, reads, takes a quiz and sees progress."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot


def _result_shown_below_the_top_bar(page) -> None:
    """After submitting, the quiz opens at its result: the heading sits below the sticky top bar,
    inside the viewport, and the result has focus (a screen reader reads the score)."""
    expect(page.locator("#results")).to_be_focused()
    page.wait_for_function(
        """() => {
          const bar = document.querySelector('.topbar').getBoundingClientRect();
          const box = document.querySelector('#results h2').getBoundingClientRect();
          return box.top >= bar.bottom && box.bottom <= window.innerHeight;
        }"""
    )


def test_new_learner_journey(page, base_url):
    page.goto(base_url + "/")
    expect(page.get_by_role("heading", name="Build on large models, with confidence")).to_be_visible()
    shot(page, "01-catalog")

    # Sign up
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Name", exact=True).fill("Grace Hopper")
    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_label("Password", exact=True).fill("a very long password")
    page.get_by_label("Repeat password").fill("a very long password")
    page.get_by_label("I have read and accept the code of conduct").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Welcome to Academy, Grace Hopper!")).to_be_visible()
    # Then the optional profile step (issue 18), skipped here, and the dashboard, which says what to
    # do next: the placement quiz
    expect(page.get_by_role("heading", name="Tell us a little about you")).to_be_visible()
    page.get_by_role("button", name="Not now").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("link", name="Take the placement quiz")).to_be_visible()
    page.get_by_role("link", name="Catalog").click()

    # Browse: tier tab and search
    page.get_by_role("navigation", name="Tiers").get_by_role("link", name="Advanced").click()
    expect(page.get_by_role("link", name="Serving models at scale")).to_be_visible()
    expect(page.get_by_role("link", name="LLM API fundamentals")).to_have_count(0)
    page.get_by_role("link", name="All", exact=True).click()
    page.get_by_role("searchbox", name="Search courses").fill("byte-pair")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="LLM API fundamentals")).to_be_visible()
    page.get_by_role("link", name="LLM API fundamentals").click()

    # Enroll and read the first lesson
    expect(page.get_by_role("heading", name="Syllabus")).to_be_visible()
    page.get_by_role("button", name="Enroll for free").click()
    expect(page.get_by_text("You are enrolled in LLM API fundamentals.")).to_be_visible()
    shot(page, "02-course")
    page.get_by_role("link", name=re.compile("^Continue")).click()
    expect(page.locator(".prose h1")).to_be_visible()
    expect(page.locator(".prose pre .highlight, .prose pre.highlight").first).to_be_visible()
    shot(page, "03-lesson")
    page.get_by_role("button", name="Mark complete and continue").click()

    # The next item is the first quiz: answer it
    expect(page.locator("form.quiz")).to_be_visible()
    for fieldset in page.locator("fieldset.question").all():
        fieldset.locator("input").first.check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text(re.compile(r"You scored \d+ of \d+\."))).to_be_visible()
    expect(page.locator(".explanation").first).to_be_visible()
    _result_shown_below_the_top_bar(page)
    shot(page, "04-quiz-result")
    # Narrow, where the top bar wraps to two rows: the result is still not hidden under it
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("button", name="Submit again").click()
    _result_shown_below_the_top_bar(page)
    page.set_viewport_size({"width": 1280, "height": 860})

    # Dashboard shows the course in progress
    page.get_by_role("link", name="My learning").click()
    row = page.locator("article.dash-row", has_text="LLM API fundamentals")
    expect(row).to_be_visible()
    expect(row.get_by_text("In progress")).to_be_visible()
    value = int(row.locator("progress").get_attribute("value"))
    assert 0 < value < 100
    shot(page, "05-dashboard")


def test_narrow_screen_and_chinese(page, base_url):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(base_url + "/")
    page.get_by_role("button", name="中文").click()
    page.get_by_role("button", name="菜单").click()  # below 768 px the navigation is behind it
    expect(page.get_by_role("link", name="课程目录")).to_be_visible()
    shot(page, "06-catalog-zh-mobile")
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Catalog", exact=True)).to_be_visible()
