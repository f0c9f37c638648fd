"""Fuzz /api/v1 from its own OpenAPI document (schemathesis) against the app: no 500, responses as documented.

Driven by hypothesis directly (schemathesis' pytest plugin does not load under pytest 9), with a
bounded number of examples per operation so it stays well under a minute.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.lms.reports.helpers import build_world, login_as, token_for

EXAMPLES = 80


def test_api_answers_as_documented(app, client):
    world = build_world()
    headers = {"Authorization": f"Bearer {token_for(world.manager)}"}
    admin_headers = {"Authorization": f"Bearer {token_for(world.admin)}"}  # /programme: admins and analysts
    name = app.config["SESSION_COOKIE_NAME"]
    session = {name: login_as(client, world.manager).get_cookie(name).value}  # /me answers the session
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == {
        "/reports/teams",
        "/reports/completions",
        "/reports/community",
        "/me/recommendations",
        "/programme/figures",
        "/programme/daily",
    }
    statuses: set[tuple[str, int]] = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            if case.operation.path.startswith("/me/"):  # its own cookie jar: the session must not reach /reports
                response = case.call_and_validate(headers=headers, session=client, cookies=session)
            elif case.operation.path.startswith("/programme/"):
                response = case.call_and_validate(headers=admin_headers)
            else:
                response = case.call_and_validate(headers=headers)
            statuses.add((case.operation.path, response.status_code))

        fuzz()
    assert {path for path, status in statuses if status == 200} == {op.path for op in operations}
    assert 500 not in {status for _path, status in statuses}
