"""Managers read only their teams, admins every team, learners nothing: by URL, filter and API."""

from __future__ import annotations

import re

import pytest

from tests.lms.reports.helpers import login_as, token_for

PAGES = (
    "/reports/",
    "/reports/completions",
    "/reports/completions.csv",
    "/reports/completions.xlsx",
    "/reports/tokens",
)


def test_learners_and_instructors_never_see_reports(client, world):
    from tests.factories import make_user

    instructor = make_user("instructor", "ivy@example.com", "Ivy Instructor")
    for user in (world.alice, instructor):
        login_as(client, user)
        for url in (*PAGES, f"/reports/teams/{world.team_a.id}", "/reports/completions.pdf"):
            assert client.get(url).status_code == 403, url
        assert client.get("/api/v1/reports/completions").status_code == 403
        assert b">Reports<" not in client.get("/dashboard").data
        assert client.post("/reports/tokens", data={"name": "x"}).status_code == 403
        client.post("/logout")


def test_anonymous_is_sent_to_login_and_api_says_401(client, world):
    assert client.get("/reports/").status_code == 302
    response = client.get("/api/v1/reports/completions")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_manager_sees_own_team_only(client, world):
    login_as(client, world.manager)
    index = client.get("/reports/").get_data(as_text=True)
    assert "Team A" in index and "Team B" not in index
    team_page = client.get(f"/reports/teams/{world.team_a.id}")
    assert team_page.status_code == 200
    # the weekly chart's 12 axis labels are short days ("Sep 21"): with the year they ran into each other
    weekly = team_page.text.split("Active learners per week", 1)[1].split("</svg>", 1)[0]
    weeks = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', weekly)
    assert len(weeks) == 12 and all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", w) for w in weeks), weeks
    assert client.get(f"/reports/teams/{world.team_b.id}").status_code == 404
    assert client.get("/reports/teams/999999").status_code == 404
    page = client.get("/reports/completions").get_data(as_text=True)
    assert "Alice Archer" in page and "Dave Dunn" not in page


@pytest.mark.parametrize(
    "path",
    ["/reports/completions", "/reports/completions.csv", "/reports/completions.xlsx", "/reports/completions.pdf"],
)
def test_another_teams_id_in_the_filter_is_refused(client, world, path):
    login_as(client, world.manager)
    response = client.get(path, query_string={"team_id": world.team_b.id})
    assert response.status_code == 404
    assert b"Dave" not in response.data


def test_csv_without_team_filter_holds_only_own_teams(client, world):
    login_as(client, world.manager)
    body = client.get("/reports/completions.csv").get_data(as_text=True)
    assert "alice@example.com" in body and "dave@example.com" not in body


def test_admin_sees_every_team(client, world):
    login_as(client, world.admin)
    assert client.get(f"/reports/teams/{world.team_b.id}").status_code == 200
    body = client.get("/reports/completions.csv").get_data(as_text=True)
    assert "alice@example.com" in body and "dave@example.com" in body


def test_api_token_reads_only_its_managers_teams(client, world):
    secret = token_for(world.manager)
    headers = {"Authorization": f"Bearer {secret}"}
    rows = client.get("/api/v1/reports/completions", headers=headers).json["items"]
    assert {r["team"] for r in rows} == {"Team A"}
    response = client.get("/api/v1/reports/completions", headers=headers, query_string={"team_id": world.team_b.id})
    assert response.status_code == 404 and response.json["error"]
    teams = client.get("/api/v1/reports/teams", headers=headers).json["items"]
    assert [t["name"] for t in teams] == ["Team A"]


def test_bad_revoked_or_demoted_tokens_are_refused(client, world):
    secret = token_for(world.manager)
    assert client.get("/api/v1/reports/teams", headers={"Authorization": "Bearer acad_nope"}).status_code == 401
    assert client.get("/api/v1/reports/teams", headers={"Authorization": f"Basic {secret}"}).status_code == 401
    login_as(client, world.manager)
    from lms.reports.tokens import list_tokens

    token_id = list_tokens(world.manager)[0].id
    assert client.post(f"/reports/tokens/{token_id}/revoke").status_code == 302
    anonymous = client.application.test_client()
    response = anonymous.get("/api/v1/reports/teams", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_managers_cannot_revoke_each_others_tokens(client, world):
    token_for(world.other_manager)
    from lms.reports.tokens import list_tokens

    theirs = list_tokens(world.other_manager)[0]
    login_as(client, world.manager)
    assert client.post(f"/reports/tokens/{theirs.id}/revoke").status_code == 404
    assert list_tokens(world.other_manager, active_only=True)


def test_demoted_manager_token_stops_working(client, world):
    from lms.accounts import services as accounts
    from lms.extensions import db

    secret = token_for(world.manager)
    accounts.set_role(world.manager, "learner")
    db.session.commit()
    response = client.get("/api/v1/reports/teams", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
