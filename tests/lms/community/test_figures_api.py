"""GET /api/v1/reports/community: the figures for report readers (a manager's token, an admin),
from known data; strict parameters; 401, 403 and 404 in the API's error format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.db import clock_at
from tests.factories import login, make_user
from tests.lms.community.test_figures import known  # noqa: F401  (the fixture: known questions and answers)
from tests.lms.reports.helpers import token_for

URL = "/api/v1/reports/community"
JANUARY = {"from": "2030-01-01", "to": "2030-01-31"}
NOW = datetime(2030, 1, 27, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("known")


@pytest.fixture
def bearer():
    return {"Authorization": f"Bearer {token_for(make_user('manager'))}"}


def _get(client, headers=None, **params):
    with clock_at(NOW):
        return client.get(URL, query_string=params, headers=headers or {})


def test_every_course_together_and_each(client, bearer):
    response = _get(client, bearer, **JANUARY)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["platform"]["questions"] == 7
    assert body["platform"]["first_answer"] == {"answered": 6, "median": 3.5 * 3600, "p90": 7.5 * 3600}
    basics = next(c for c in body["courses"] if c["slug"] == "python-basics")
    assert basics["title"] == "Python basics" and basics["period"] == {
        "start": "2030-01-01",
        "end": "2030-01-27",
    }  # to: today at most
    assert basics["first_answer"] == {"answered": 5, "median": 3 * 3600, "p90": 7.6 * 3600}
    assert basics["first_staff_answer"] == {"answered": 2, "median": 16.5 * 3600, "p90": 27.3 * 3600}
    assert basics["answered_24h"] == {"within": 1, "of": 6, "percent": 17}
    assert {"starts": "2030-01-07", "questions": 6, "answers": 6, "posters": 3} in basics["weeks"]


def test_one_course(client, bearer):
    body = _get(client, bearer, course="python-next", **JANUARY).json
    assert body["platform"] is None and [c["slug"] for c in body["courses"]] == ["python-next"]
    assert body["courses"][0]["first_answer"]["median"] == 5 * 3600


def test_default_period_is_the_last_twelve_weeks(client, bearer):
    body = _get(client, bearer).json
    assert body["platform"]["period"] == {"start": "2029-11-05", "end": "2030-01-27"}
    assert len(body["platform"]["weeks"]) == 12


@pytest.mark.parametrize(
    "params, problems",
    [
        ({"from": "Jan 1"}, {"from": "a date as YYYY-MM-DD"}),
        ({"to": "2030-01-32"}, {"to": "a date as YYYY-MM-DD"}),
        ({"course": "Not A Slug"}, {"course": "a course slug: lowercase letters, digits and hyphens"}),
        (
            {"team_id": "1", "from": ["2030-01-01", "2030-01-02"]},
            {"team_id": "unknown parameter", "from": "give it once"},
        ),
    ],
)
def test_bad_parameters(client, bearer, params, problems):
    response = _get(client, bearer, **params)
    assert response.status_code == 400
    assert response.json == {"error": "Invalid query parameters.", "status": 400, "details": problems}


def test_every_well_formed_period_is_answered_and_says_which_days_counted(client, bearer):
    backwards = _get(client, bearer, **{"from": "2030-02-01", "to": "2030-01-01"}).json["platform"]
    assert backwards["period"] == {"start": "2030-02-01", "end": "2030-01-01"}
    assert backwards["questions"] == 0 and backwards["weeks"] == []
    ancient = _get(client, bearer, **{"from": "2000-01-01", "to": "0002-01-01"}).json["platform"]  # found by the fuzz
    assert ancient["period"] == {"start": "2000-01-01", "end": "0002-01-01"} and ancient["questions"] == 0
    long = _get(client, bearer, **{"from": "0001-01-01", "to": "9999-12-31"}).json["platform"]
    assert long["period"] == {"start": "2028-01-28", "end": "2030-01-27"}  # 731 days up to today
    assert long["questions"] == 7


def test_who_may_read(client, bearer, teacher, asker):
    assert _get(client, bearer, course="no-such-course").json == {"error": "No such course.", "status": 404}
    assert _get(client).status_code == 401
    assert _get(client, {"Authorization": "Bearer nope"}).status_code == 401
    login(client, teacher.email)  # instructors see their courses' figures on their page, not here
    assert _get(client).json == {"error": "Only managers and admins can read reports.", "status": 403}
    client.post("/logout")
    login(client, asker.email)
    assert _get(client).status_code == 403
    client.post("/logout")
    login(client, make_user("admin").email)
    assert _get(client).status_code == 200
