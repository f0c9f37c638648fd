"""No N+1: a report page and an API page run the same few queries for 3 learners or 40."""

from __future__ import annotations

from lms.accounts import services as accounts
from lms.extensions import db
from lms.learning import services as learning
from tests.factories import counted_queries, make_user
from tests.lms.reports.helpers import build_world, login_as, token_for


def _measure(client, headers):
    with counted_queries() as page:
        assert client.get("/reports/completions").status_code == 200
    with counted_queries() as api:
        assert client.get("/api/v1/reports/completions?per_page=50", headers=headers).status_code == 200
    with counted_queries() as dash:
        assert client.get(f"/reports/teams/{_measure.team_id}").status_code == 200
    return len(page), len(api), len(dash)


def test_query_counts_do_not_grow_with_rows(client, app):
    world = build_world()
    _measure.team_id = world.team_a.id
    login_as(client, world.manager)
    headers = {"Authorization": f"Bearer {token_for(world.manager)}"}
    small = _measure(client, headers)
    extra = [make_user("learner", f"x{n}@example.com", f"Extra {n:02d}") for n in range(40)]
    accounts.add_members(world.team_a, extra)
    for user in extra:
        learning.enroll(user.id, world.basics)
        learning.enroll(user.id, world.nxt)
    db.session.commit()
    large = _measure(client, headers)
    assert small == large, (small, large)
    assert large[0] <= 6 and large[1] <= 6 and large[2] <= 16, large
