"""The workspace's JSON endpoints tell a signed-out learner apart from a refusal or a network failure:
401 with a JSON body (never a redirect to the login form, nor the HTML 'Form expired' 400), and JSON
for forbidden, missing and invalid requests; the page itself still sends a browser to sign in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import LoginSession
from lms.extensions import db
from tests.factories import PASSWORD, make_user
from tests.lms.workspace.conftest import PAGE

JSON = {"Accept": "application/json"}
BODY = {"version": 0, "cells": {"squares": "x = 1"}}


@pytest.fixture
def web(make_app, courses_dir, learner):
    """A client signed in through the login form with CSRF on, holding the workspace page's token."""
    app = make_app(COURSES_DIR=courses_dir, WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        client.csrf = sign_in(client, learner.email)
        yield client


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, email: str) -> str:
    """Sign in through the form; the CSRF token of the new session (the one the workspace page holds)."""
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": _token(client.get("/login").text)})
    return _token(client.get("/skills").text)


def requests(client):
    """Every request the workspace script makes, with the page's token and JSON accepted."""
    headers = {**JSON, "X-CSRFToken": client.csrf}
    return {
        "load draft": client.get(PAGE + "/draft", headers=headers),
        "save draft": client.put(PAGE + "/draft", json=BODY, headers=headers),
        "run": client.post(PAGE + "/runs", json={"cell": None}, headers=headers),
        "submit": client.post(PAGE + "/submit", data="{}", headers=headers),
        "preview": client.post("/workspace/preview", json={"text": "x"}, headers=headers),
    }


def _assert_signed_out(answers: dict) -> None:
    for name, response in answers.items():
        assert response.status_code == 401, (name, response.status_code, response.data[:200])
        body = response.get_json()
        assert body["error"] == "signed_out" and "Sign in again" in body["message"], name
        assert body["login_url"].startswith("/login"), name


def test_signed_out_in_another_tab_answers_401_json_not_a_400_page(web):
    logout = web.post("/logout", data={"csrf_token": web.csrf})
    assert logout.status_code == 302  # the session cookie, and the CSRF token in it, are gone
    _assert_signed_out(requests(web))


def test_a_session_ended_on_the_server_answers_401_json_not_a_redirect(web, learner):
    for token in db.session.scalars(select(LoginSession.token).where(LoginSession.user_id == learner.id)):
        accounts.end_session(token)  # e.g. signed out everywhere, or the session expired
    db.session.commit()
    _assert_signed_out(requests(web))
    page = web.get(PAGE)  # a browser opening the page is still sent to sign in, and back here after
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")


def test_a_stale_token_while_signed_in_says_reload(web):
    answer = web.put(PAGE + "/draft", json=BODY, headers={**JSON, "X-CSRFToken": "stale"})
    assert answer.status_code == 400 and answer.get_json()["error"] == "page_expired"


def test_forbidden_missing_and_invalid_requests_answer_json(web, make_app):
    headers = {**JSON, "X-CSRFToken": web.csrf}
    invalid = web.put(PAGE + "/draft", json={"version": "x"}, headers=headers)
    assert invalid.status_code == 400 and invalid.get_json()["message"].startswith("The draft could not be read")
    missing = web.get("/courses/python-basics/nope/workspace/draft", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    stranger = make_user()
    web.post("/logout", data={"csrf_token": web.csrf})
    web.csrf = sign_in(web, stranger.email)  # not enrolled: the page itself is refused
    refused = web.put(PAGE + "/draft", json=BODY, headers={**JSON, "X-CSRFToken": web.csrf})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
