"""After login each role lands on its own page: instructors on teaching, managers on reports,
learners (and admins) on the dashboard; a safe `next=` still wins; the nav marks where one is."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize(
    ("role", "landing"),
    [("learner", "/dashboard"), ("instructor", "/teach/"), ("manager", "/reports/"), ("admin", "/dashboard")],
)
def test_each_role_lands_on_its_page(client, role, landing):
    user = make_user(role)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == landing
    assert client.get("/login").headers["Location"] == landing  # signed in already: the same page
    page = client.get(landing)
    assert page.status_code == 200
    assert f'href="{landing}" aria-current="page"' in page.text  # the nav marks the current page


def test_a_safe_next_wins_over_the_landing_page(client):
    instructor, manager = make_user("instructor"), make_user("manager")
    to_course = client.post("/login?next=/courses/x", data={"email": instructor.email, "password": PASSWORD})
    assert to_course.headers["Location"] == "/courses/x"
    client.post("/logout")
    unsafe = client.post("/login?next=//evil.example/", data={"email": manager.email, "password": PASSWORD})
    assert unsafe.headers["Location"] == "/reports/"
