"""The shared page frame is cached per process: it must still show every change at once."""

from __future__ import annotations

import re

from lms.accounts import services as accounts
from lms.extensions import db
from tests.factories import login, make_user

HIDDEN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _nav(html: str) -> str:
    return html.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]


def test_frame_follows_role_name_language_and_page(app, client):
    user = make_user(email="ada@example.com", name="Ada")
    login(client, user.email)
    nav = _nav(client.get("/dashboard").text)
    assert "Ada" in nav and "Teaching" not in nav and "Admin" not in nav
    assert 'href="/dashboard" aria-current="page"' in nav

    accounts.set_role(db.session.get(type(user), user.id), "admin")
    user.display_name = "Ada L."
    db.session.commit()
    nav = _nav(client.get("/dashboard").text)
    assert "Ada L." in nav and "Teaching" in nav and "Admin" in nav

    catalog_nav = _nav(client.get("/").text)
    assert 'href="/" aria-current="page"' in catalog_nav and 'href="/dashboard" aria-current' not in catalog_nav

    client.post("/language", data={"locale": "zh", "next": "/dashboard"})
    assert "我的学习" in _nav(client.get("/dashboard").text)

    client.post("/logout")
    nav = _nav(client.get("/").text)
    assert "Ada" not in nav and "/login" in nav


def test_frame_token_is_the_sessions_own_and_accepted(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        emails = [make_user(email=f"{n}@example.com").email for n in ("one", "two")]
    tokens = []
    for email in emails:
        client = app.test_client()
        page = client.get("/login").text
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        form = {"email": email, "password": "correct horse battery", "csrf_token": token}
        assert client.post("/login", data=form).status_code == 302
        shown = HIDDEN_TOKEN.findall(client.get("/dashboard").text)
        assert len(set(shown)) == 1 and HIDDEN_TOKEN.findall(client.get("/").text)[0] == shown[0]
        tokens.append(shown[0])
        assert client.post("/logout", data={"csrf_token": shown[0]}).status_code == 302
        assert client.get("/dashboard").status_code == 302  # logged out: the cached token was valid
    assert tokens[0] != tokens[1]


def test_cached_page_still_shows_a_flash_once(app, client):
    user = make_user(email="grace@example.com", name="Grace")
    login(client, user.email)
    client.get("/dashboard")
    first = client.get("/dashboard").text  # from the page cache
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Path assigned to you")]
    flashed = client.get("/dashboard").text
    assert "Path assigned to you" in flashed and "Path assigned to you" not in first
    assert "Path assigned to you" not in client.get("/dashboard").text
