"""A live server on a free port and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from lms import create_app
from lms.config import ROOT
from lms.extensions import db
from tests.factories import PASSWORD, load_fixture_courses
from tests.lms.assignments.helpers import Worker

SHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("e2e-instance")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'e2e.db'}",
            "INSTANCE_DIR": instance,
            "SECRET_KEY": "e2e-secret",
            "COURSES_DIR": ROOT / "courses",
        }
    )
    with app.app_context():
        db.create_all()
        load_fixture_courses(ROOT / "courses")
    return app


@pytest.fixture(scope="module")
def base_url(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def worker(live_app):
    """A real grading worker process on the live app's database, for the module's journeys."""
    runner = Worker(live_app.config)
    yield runner
    runner.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def shot(page, name: str) -> Path:
    """Keep a screenshot of the step under test-output/screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    # From the top: a page left scrolled (e.g. to an anchor) draws the sticky top bar mid-page.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, email: str) -> None:
    """Log in through the form; instructors land on /teach, learners on /dashboard."""
    page.goto(base_url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def signed_in_page(browser, base_url: str, email: str):
    """A page of its own browser context (1280 px, English), logged in as `email`: one per person
    of a journey where several people take turns."""
    page = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US").new_page()
    page.set_default_timeout(10_000)
    log_in(page, base_url, email)
    return page
