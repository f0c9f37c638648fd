"""Fixtures for the workspace: the app on the assignment courses (tests/lms/conftest.py: squares has
a hidden test and a Markdown answer), a signed-in learner, and helpers to wait for a run."""

from __future__ import annotations

import pytest

from lms.catalog import services as catalog
from tests.factories import login
from tests.lms.assignments.helpers import grading_app, wait_for

PAGE = "/courses/python-basics/squares/workspace"


@pytest.fixture
def app(make_app, courses_dir):
    with grading_app(make_app, courses_dir, WORKSPACE_KERNEL_POOL=1) as app:
        yield app


@pytest.fixture
def item(app):
    return catalog.get_item(catalog.get_course("python-basics"), "squares")


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
