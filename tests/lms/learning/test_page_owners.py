"""Learning's pages show parts owned by domains above it only through what create_app plugs in."""

from __future__ import annotations

from lms.certification import rules
from tests.factories import login, make_user


def test_create_app_plugs_in_the_assignment_page_and_the_course_panels(app):
    assert set(app.extensions["item_pages"]) == {"assignment"}
    assert set(app.extensions["course_panels"]) == {"recommended", "exam_url", "certificate"}
    assert app.extensions["exams_remaining"] is rules.exams_remaining  # the status label asks it


def test_assignment_page_is_rendered_by_assignments_and_lost_without_it(app, client, catalog, monkeypatch):
    login(client, make_user().email)
    client.post("/courses/python-basics/enroll")
    page = client.get("/courses/python-basics/add")
    assert page.status_code == 200 and "Upload your completed notebook" in page.text
    assert "Add two numbers" in page.text and 'class="outline-title"' in page.text  # learning's outline
    monkeypatch.setitem(app.extensions, "item_pages", {})
    assert client.get("/courses/python-basics/add").status_code == 404
    monkeypatch.setitem(app.extensions, "course_panels", {})
    assert client.get("/courses/python-basics").status_code == 200
