"""Fixtures for assignments: a course folder with two assignments, both queue back-ends."""

from __future__ import annotations

import pytest

from lms.catalog import services as catalog
from tests.factories import enrolled_learner
from tests.lms.assignments.helpers import RedisServer, build_courses, grading_app


@pytest.fixture(scope="session")
def courses_dir(tmp_path_factory):
    return build_courses(tmp_path_factory.mktemp("assignment-courses"))


@pytest.fixture(scope="session")
def redis_url():
    """A real redis-server for the session (Debian package), stopped at the end."""
    server = RedisServer()
    yield server.url
    server.stop()


@pytest.fixture
def own_redis():
    """A redis-server for one test, which may stop and start it (an outage); request it before
    make_app, so it is still up when the app's teardown resets the login limits stored in it."""
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def app(make_app, courses_dir):
    with grading_app(make_app, courses_dir) as app:
        yield app


@pytest.fixture(params=["sqlite", "redis"])
def queued_app(request, make_app, courses_dir):
    """The app on SqliteHuey (instance/queue.db) or on a real Redis."""
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    if url:
        from redis import Redis

        Redis.from_url(url).flushdb()
    with grading_app(make_app, courses_dir, QUEUE_URL=url) as app:
        yield app


@pytest.fixture
def course(app):
    return catalog.get_course("python-basics")


@pytest.fixture
def learner(app):
    return enrolled_learner()
