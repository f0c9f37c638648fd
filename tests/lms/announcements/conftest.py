"""Announcements' tests: the fixture courses (teacher@example.com teaches python-basics, not
python-next) and an app that mails to the test's real SMTP server."""

from __future__ import annotations

import pytest

from lms.catalog import services as catalog
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses, make_user


@pytest.fixture
def app(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url, MAIL_FROM="Academy <academy@example.test>", ANNOUNCEMENT_RATE_LIMIT="3 per hour")
    with app.app_context():
        load_fixture_courses(FIXTURES / "courses")
        yield app


@pytest.fixture
def teacher(app):
    return make_user("instructor", email="teacher@example.com", name="Tess Teacher")


@pytest.fixture
def basics(app):
    return catalog.get_course("python-basics")


@pytest.fixture
def other_course(app):
    return catalog.get_course("python-next")
