"""The catalog search: case, a leading '#', simple plurals, and no SQL wildcards from the query."""

from __future__ import annotations

import pytest

from lms.catalog import services as catalog
from lms.catalog.models import Course, Tag
from lms.extensions import db


@pytest.fixture
def courses(app) -> None:
    """Two live courses: one tagged `gpu`, one about batching strategies."""
    db.session.add_all(
        [
            Course(
                slug="gpus",
                title="Inference hardware",
                summary="Memory and throughput.",
                tier="advanced",
                tags=[Tag(name="gpu"), Tag(name="hardware")],
            ),
            Course(
                slug="batching",
                title="Batching requests",
                summary="Queueing strategy for a busy API.",
                tier="intermediate",
                tags=[Tag(name="serving")],
            ),
        ]
    )
    db.session.commit()


def slugs(query: str) -> list[str]:
    return [c.slug for c in catalog.list_courses(query=query)]


@pytest.mark.parametrize("query", ["gpu", "GPU", "GPUs", "gpus", "#gpu", "#GPUs", "  # gpu "])
def test_a_tag_is_found_whatever_the_case_plural_or_hash(courses, query):
    assert slugs(query) == ["gpus"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("batches", ["batching"]),  # -es plural of a title word
        ("strategies", ["batching"]),  # -ies plural of a summary word
        ("INFERENCE", ["gpus"]),  # title, upper case
        ("throughputs", ["gpus"]),  # summary, plural
        ("#serving", ["batching"]),
    ],
)
def test_titles_and_summaries_match_case_and_plural_insensitively(courses, query, found):
    assert slugs(query) == found


@pytest.mark.parametrize("query", ["%", "_", "gp_", "quantum"])
def test_wildcards_are_plain_characters_and_an_unknown_word_finds_nothing(courses, query):
    assert slugs(query) == []


def test_a_bare_hash_filters_nothing(courses):
    assert slugs("#") == ["batching", "gpus"]
