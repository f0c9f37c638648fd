"""Audiences on every surface: a course (and a workshop) limited to a segment and a team stays
invisible (404, absent from lists) to people outside; its members, its staff, admins and who
enrolled (or registered) before it narrowed still see it. One test per surface, all over the same
viewers and one setup for the module (a viewer's requests only ever widen what they already see)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from lms import create_app
from lms.extensions import db
from tests.conftest import FreshContextClient, _clean, _test_config
from tests.factories import PASSWORD
from tests.lms.developers.audience_world import build_world

SEES = {
    "anonymous": False,
    "outside": False,
    "inside": True,
    "team": True,
    "enrolled": True,
    "staff": True,
    "admin": True,
}
SUMMARY = "A small course used by the tests."  # python-basics' summary, in no other course


@pytest.fixture(scope="module")
def shared(database_url, _schema, tmp_path_factory) -> Iterator[dict]:
    """The limited world, and one client per viewer, signed in once."""
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("audiences") / "instance"))
    app.test_client_class = FreshContextClient
    with app.app_context():
        world = build_world()
        clients = {"anonymous": app.test_client()}
        for name, email in world["emails"].items():
            clients[name] = app.test_client()
            assert clients[name].post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    yield {"world": world, "clients": clients}
    _clean(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _status(method: str, url: str, **kwargs) -> Callable:
    """A surface seen when it does not answer 404 (redirects to enrol or sign in count as seen)."""
    return lambda client, world: client.open(url.format(**world), method=method, **kwargs).status_code != 404


def _api(key: str, rows: Callable) -> Callable:
    """A surface of /api/v1/me/recommendations: python-basics is among the course slugs of `key`."""
    url = "/api/v1/me/recommendations"
    return lambda client, world: "python-basics" in [slug for x in client.get(url).get_json()[key] for slug in rows(x)]


def _shows(url: str, needle: str) -> Callable:
    return lambda client, world: needle.format(**world) in client.get(url.format(**world)).get_data(as_text=True)


SIGNED_IN_ONLY = {
    "assigned_paths",
    "enrolment",
    "item",
    "notebook",
    "workspace",
    "report",
    "survey",
    "recommendations",
    "dashboard",
    "certificates",
    "workshop_register",
    "feedback_item",
}  # login_required: a visitor is sent to sign in first
SURFACES = {
    "catalog": _shows("/", SUMMARY),
    "tag_counts": _shows("/", "#testing"),  # python-basics alone carries the tag
    "course_page": _status("GET", "/courses/python-basics"),
    "prerequisite_lists": lambda client, world: (
        'href="/courses/python-basics"' in client.get("/courses/python-next").text
        and "After: Python basics" in client.get("/").text
    ),
    "enrolment": _status("POST", "/courses/python-basics/enroll"),
    "item": _status("GET", "/courses/python-basics/{lesson}"),
    "notebook": _status("GET", "/courses/python-basics/{assignment}/notebook.ipynb"),
    "workspace": _status("GET", "/courses/python-basics/{assignment}/workspace"),
    "report": _status("POST", "/feedback/report/python-basics/{lesson}", data={"kind": "problem", "body": "Typo."}),
    "survey": _status("GET", "/feedback/surveys/course/python-basics"),
    "community": _status("GET", "/courses/python-basics/community"),
    "recommendations": _api("recommendations", lambda rec: [rec["course_slug"]]),
    "assigned_paths": _api("paths", lambda path: [row["course_slug"] for row in path["courses"]]),
    "dashboard": _shows("/dashboard", "/courses/python-basics"),
    "certificates": _shows("/certificates", "Pythonista certificate"),
    "workshops": _shows("/workshops/", "Workshop limited-rag"),
    "workshop_page": _status("GET", "/workshops/limited-rag"),
    "workshop_register": _status("POST", "/workshops/sessions/{session_id}/register"),
    "feedback_item": _status("GET", "/feedback/items/{wish}"),
    "feedback_home": _shows("/feedback/", "Limited wish for the course"),
    "feedback_we_did": _shows("/feedback/we-did", "Limited outcome shipped"),
}


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_a_limited_course_exists_only_for_its_audience_staff_and_earlier_learners(shared, surface):
    viewers = [name for name in SEES if not (name == "anonymous" and surface in SIGNED_IN_ONLY)]
    seen = {name: SURFACES[surface](shared["clients"][name], shared["world"]) for name in viewers}
    assert seen == {name: SEES[name] for name in viewers}
