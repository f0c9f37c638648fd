"""The reporting API: tokens shown once and stored hashed, strict parameters, pagination, OpenAPI."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from lms.extensions import db
from lms.reports.models import ApiToken
from tests.factories import PASSWORD
from tests.lms.reports.helpers import login_as, token_for


def test_token_is_shown_once_and_stored_hashed(client, world):
    login_as(client, world.manager)
    page = client.get("/reports/tokens").get_data(as_text=True)
    assert "No tokens yet." in page
    response = client.post("/reports/tokens", data={"name": "HR sync"})
    assert response.headers["Cache-Control"] == "no-store"
    created = response.get_data(as_text=True)
    secret = created.split('id="token-secret">')[1].split("<")[0]
    assert secret.startswith("acad_") and len(secret) > 40
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in token.token_hash
    assert token.prefix == secret[:12]
    again = client.get("/reports/tokens").get_data(as_text=True)
    assert secret not in again and "HR sync" in again and token.prefix in again
    response = client.application.test_client().get(
        "/api/v1/reports/teams", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200 and response.json["items"][0]["name"] == "Team A"


def test_blank_token_name_is_refused_and_nothing_stored(client, world):
    login_as(client, world.manager)
    response = client.post("/reports/tokens", data={"name": "  "})
    assert response.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def _csrf(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]


def test_token_forms_need_csrf(make_app, world):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = _csrf(client, "/login")
    client.post("/login", data={"email": world.manager.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/reports/tokens", data={"name": "x"}).status_code == 400
    assert db.session.scalar(select(ApiToken)) is None
    assert (
        client.post("/reports/tokens", data={"name": "x", "csrf_token": _csrf(client, "/reports/tokens")}).status_code
        == 200
    )
    assert db.session.scalar(select(ApiToken)).name == "x"


def test_completions_paginate_with_next_links(client, world):
    headers = {"Authorization": f"Bearer {token_for(world.admin)}"}
    first = client.get("/api/v1/reports/completions?per_page=2", headers=headers).json
    assert first["page"] == 1 and first["has_more"] is True and len(first["items"]) == 2
    second = client.get(first["next"], headers=headers).json
    assert second["has_more"] is False and second["next"] is None
    names = [r["learner"] for r in first["items"] + second["items"]]
    assert names == ["Alice Archer", "Bob Baker", "Carol Clark", "Dave Dunn"]
    row = first["items"][0]
    assert row["status"] == "completed" and row["exam_passed"] is True and row["progress"] == 100
    assert row["enrolled_at"].endswith("+00:00")


BAD = [
    ("tier=expert", "tier"),
    ("status=x", "status"),
    ("team_id=abc", "team_id"),
    ("team_id=0", "team_id"),
    ("team_id=99999999999999999999", "team_id"),
    ("per_page=501", "per_page"),
    ("page=0", "page"),
    ("enrolled_from=2026-13-01", "enrolled_from"),
    ("colour=red", "colour"),
    ("tier=beginner&tier=advanced", "tier"),
]


def test_bad_parameters_answer_400_naming_them(client, world):
    headers = {"Authorization": f"Bearer {token_for(world.manager)}"}
    for query, field in BAD:
        response = client.get(f"/api/v1/reports/completions?{query}", headers=headers)
        assert response.status_code == 400, query
        assert field in response.json["details"], query


def test_filters_work_through_the_api(client, world):
    headers = {"Authorization": f"Bearer {token_for(world.manager)}"}
    got = client.get(f"/api/v1/reports/completions?course_id={world.nxt.id}", headers=headers).json["items"]
    assert [r["learner"] for r in got] == ["Carol Clark"]
    got = client.get("/api/v1/reports/completions?status=in_progress&tier=beginner", headers=headers).json["items"]
    assert [r["learner"] for r in got] == ["Bob Baker"]


def test_session_of_a_manager_also_reads_the_api(client, world):
    login_as(client, world.manager)
    assert client.get("/api/v1/reports/teams").status_code == 200


def test_openapi_document_describes_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {
        "/reports/teams",
        "/reports/completions",
        "/reports/community",
        "/me/recommendations",
        "/programme/figures",
        "/programme/daily",
    }
    assert doc["info"]["version"] == "1.3.0"
    params = {p["name"] for p in doc["paths"]["/programme/daily"]["get"]["parameters"]}
    assert params == {"period", "start", "end", "segment"}
    params = {p["name"] for p in doc["paths"]["/reports/community"]["get"]["parameters"]}
    assert params == {"course", "from", "to"}
    params = {p["name"] for p in doc["paths"]["/reports/completions"]["get"]["parameters"]}
    assert params == {"team_id", "course_id", "tier", "status", "enrolled_from", "enrolled_to", "page", "per_page"}
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["paths"]["/me/recommendations"]["get"]["security"] == [{"sessionCookie": []}]
    assert doc["components"]["securitySchemes"]["sessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
    }


def test_my_recommendations_answer_errors_in_the_api_format(client, world):
    response = client.get("/api/v1/me/recommendations")
    assert response.status_code == 401
    assert response.json == {"error": "Sign in to read your own data.", "status": 401}
    login_as(client, world.alice)
    assert set(client.get("/api/v1/me/recommendations").json) == {"recommendations", "paths"}
