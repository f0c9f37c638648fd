"""The cookie a login answers with is complete: pages after it do not have to rewrite it."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def test_the_login_cookie_already_holds_a_fresh_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        email = make_user().email
    client = app.test_client()
    login_form_token = TOKEN.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": login_form_token})
    assert response.status_code == 302 and "session=" in response.headers["Set-Cookie"]
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers  # nothing was missing from the session
    page_token = TOKEN.search(page.text).group(1)
    assert client.post("/logout", data={"csrf_token": page_token}).status_code == 302
    assert client.get("/dashboard").status_code == 302  # logged out: the page's token was valid


def _signed_in(app):
    with app.app_context():
        email = make_user().email
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client, client.get_cookie("session").value


def test_a_verified_cookie_is_trusted_again_only_byte_for_byte(make_app):
    app = make_app()
    client, cookie = _signed_in(app)
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 200  # the second time from the verified cookies
    payload, _sep, signature = cookie.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    attacker = app.test_client()
    attacker.set_cookie("session", forged)
    assert attacker.get("/dashboard").status_code == 302  # to the login page
    assert client.get("/dashboard").status_code == 200


def test_a_verified_cookie_still_expires_with_the_session_lifetime(make_app):
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(hours=1))
    client, _cookie = _signed_in(app)
    assert client.get("/dashboard").status_code == 200
    app.session_interface.clock = lambda: time.time() + 2 * 3600
    assert client.get("/dashboard").status_code == 302


def test_changing_a_session_leaves_the_verified_cookie_it_came_from_as_it_was(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = TOKEN.search(client.get("/login").text).group(1)
    client.get("/login")  # Flask-Login marks an anonymous session not fresh: the cookie changes once
    english = client.get_cookie("session").value
    assert "Log in" in client.get("/login").text  # verified and kept
    assert client.get_cookie("session").value == english
    client.post("/language", data={"locale": "zh", "csrf_token": token, "next": "/"})
    assert client.get_cookie("session").value != english
    assert "登录" in client.get("/login").text
    replay = app.test_client()
    replay.set_cookie("session", english)
    assert "Log in" in replay.get("/login").text
