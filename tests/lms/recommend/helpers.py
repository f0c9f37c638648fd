"""Helpers for the recommend tests: the fixture catalog and quiz answers."""

from __future__ import annotations

from lms.catalog.models import Course
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses

RIGHT = {"print": [0], "types": [0, 1]}
WRONG = {"print": [1], "types": [2]}


def load_catalog() -> dict[str, Course]:
    return load_fixture_courses(FIXTURES / "courses")
