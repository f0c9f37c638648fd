"""Community tests: the fixture courses (teacher@example.com teaches python-basics, not python-next),
a learner enrolled in python-basics who asks, another who answers."""

from __future__ import annotations

import pytest

from lms.catalog import services as catalog
from lms.community.models import CONDUCT_VERSION, CommunityMember
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses, make_user


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        load_fixture_courses(FIXTURES / "courses")
        yield app


@pytest.fixture
def basics(app):
    return catalog.get_course("python-basics")


@pytest.fixture
def other_course(app):
    return catalog.get_course("python-next")


@pytest.fixture
def lesson(basics):
    return next(i for m in basics.modules for i in m.items if i.kind == "lesson")


def accept_conduct(user):
    """The member accepted the code of conduct's current version (as at sign-up)."""
    db.session.add(CommunityMember(user_id=user.id, conduct_version=CONDUCT_VERSION, conduct_accepted_at=utcnow()))
    db.session.flush()
    return user


@pytest.fixture
def teacher(app):
    return accept_conduct(make_user("instructor", email="teacher@example.com", name="Tess Teacher"))


@pytest.fixture
def asker(basics):
    user = make_user(name="Ada Asker")
    enroll(user.id, basics)
    return accept_conduct(user)


@pytest.fixture
def answerer(basics):
    user = make_user(name="Ben Answerer")
    enroll(user.id, basics)
    return accept_conduct(user)
