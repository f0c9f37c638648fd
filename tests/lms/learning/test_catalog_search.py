"""The catalog page answers the examples its own search placeholder offers, in every language."""

from __future__ import annotations

import html
import re

import pytest

from lms.config import ROOT
from tests.factories import load_fixture_courses
from tests.lms.learning.helpers import placeholder_examples


def catalog_placeholder(client, language: str) -> str:
    """The placeholder of the catalog's search box, as rendered for this language."""
    page = client.get("/", headers={"Accept-Language": language})
    match = re.search(r'<input type="search" name="q"[^>]*placeholder="([^"]*)"', page.text)
    assert match, "the catalog has no search box"
    return html.unescape(match.group(1))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_each_placeholder_example_finds_a_course(app, client, language):
    load_fixture_courses(ROOT / "courses")  # the demo catalog, which the placeholder promises
    examples = placeholder_examples(catalog_placeholder(client, language))
    assert examples
    for example in examples:
        page = client.get("/", query_string={"q": example}, headers={"Accept-Language": language})
        assert 'class="course-card' in page.text, f"{example!r} ({language}) finds no course"


@pytest.mark.parametrize("query", ["quantum teleportation", "%", "_"])
def test_a_query_without_match_shows_the_empty_state(app, client, query):
    load_fixture_courses(ROOT / "courses")
    page = client.get("/", query_string={"q": query}, headers={"Accept-Language": "en"})
    assert "No course matches" in page.text
    assert 'class="course-card' not in page.text
