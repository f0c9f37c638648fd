"""Fixtures shared by several domain folders (a folder's conftest.py or module may override one
with a different fixture of the same name: certification's `catalog`, the `world` of
reports/test_exports.py and test_panels.py, recommend/test_dashboard_cache.py's `learner`)."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from tests.factories import enrolled_learner, load_fixture_courses
from tests.lms.assignments.helpers import build_courses
from tests.lms.reports.helpers import build_world


@pytest.fixture
def catalog(app):
    """The fixture courses (tests/fixtures/courses), loaded and committed; every course by slug."""
    return load_fixture_courses(FIXTURES / "courses")


@pytest.fixture
def world(app):
    """Two teams with their managers, learners at every stage (reports/helpers.py)."""
    return build_world()


@pytest.fixture(scope="session")
def courses_dir(tmp_path_factory):
    """The fixture courses plus the squares assignment, for assignments/ and workspace/ (read only)."""
    return build_courses(tmp_path_factory.mktemp("assignment-courses"))


@pytest.fixture
def learner(app):
    """A learner enrolled in python-basics (the folder's `app` has synced the courses)."""
    return enrolled_learner()
