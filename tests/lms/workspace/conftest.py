"""Fixtures for the workspace: the assignment fixture courses (squares has a hidden test and a
Markdown answer), an enrolled learner, and helpers to wait for a run."""

from __future__ import annotations

import pytest

from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning.services import enroll
from tests.factories import load_fixture_courses, login, make_user
from tests.lms.assignments.helpers import build_courses, wait_for

PAGE = "/courses/python-basics/squares/workspace"


@pytest.fixture(scope="session")
def courses_dir(tmp_path_factory):
    return build_courses(tmp_path_factory.mktemp("workspace-courses"))


@pytest.fixture
def app(make_app, courses_dir):
    app = make_app(
        COURSES_DIR=courses_dir, GRADING_CELL_TIMEOUT=5.0, GRADING_NOTEBOOK_TIMEOUT=20.0, WORKSPACE_KERNEL_POOL=1
    )
    with app.app_context():
        load_fixture_courses(courses_dir)
        yield app


@pytest.fixture
def item(app):
    return catalog.get_item(catalog.get_course("python-basics"), "squares")


@pytest.fixture
def learner(app):
    user = make_user()
    enroll(user.id, catalog.get_course("python-basics"))
    db.session.commit()
    return user


@pytest.fixture
def signed_in(client, learner):
    login(client, learner.email)
    return client


def save(client, version: int, cells: dict, page: str = PAGE):
    return client.put(page + "/draft", json={"version": version, "cells": cells})


def run_to_end(client, cell: str | None = None, page: str = PAGE) -> dict:
    """Start a run and poll its status until done; returns the final status."""
    response = client.post(page + "/runs", json={"cell": cell})
    assert response.status_code == 202, response.get_json()
    return wait_done(client, response.get_json()["status_url"])


def wait_done(client, url: str) -> dict:
    """Poll a run's status until it is done."""
    return wait_for(lambda: (s := client.get(url).get_json())["done"] and s, 30, "the run")
