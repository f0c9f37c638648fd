"""A visitor types the search placeholder's own examples into the catalog's search box, in English and Chinese."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.lms.learning.helpers import placeholder_examples


def search_each_example(page) -> None:
    """Type every example the placeholder offers and see at least one course each time."""
    box = page.get_by_role("searchbox")
    examples = placeholder_examples(box.get_attribute("placeholder") or "")
    assert examples
    for example in examples:
        box = page.get_by_role("searchbox")
        box.fill(example)
        with page.expect_navigation():  # the form's GET: wait for the answer page, not a fixed time
            box.press("Enter")
        expect(page.get_by_role("searchbox")).to_have_value(example)
        expect(page.locator("article.course-card").first).to_be_visible()
        expect(page.locator("section.empty")).to_have_count(0)


def test_placeholder_examples_find_courses(page, base_url):
    page.goto(base_url + "/")
    search_each_example(page)
    shot(page, "catalog-search-en")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("link", name="课程目录")).to_be_visible()
    search_each_example(page)
    shot(page, "catalog-search-zh")
