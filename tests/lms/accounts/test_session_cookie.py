"""The cookie a login answers with is complete: pages after it do not have to rewrite it."""

from __future__ import annotations

import re

from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def test_the_login_cookie_already_holds_a_fresh_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        email = make_user().email
    client = app.test_client()
    login_form_token = TOKEN.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": login_form_token})  # fmt: skip
    assert response.status_code == 302 and "session=" in response.headers["Set-Cookie"]
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers  # nothing was missing from the session
    page_token = TOKEN.search(page.text).group(1)
    assert client.post("/logout", data={"csrf_token": page_token}).status_code == 302
    assert client.get("/dashboard").status_code == 302  # logged out: the page's token was valid
