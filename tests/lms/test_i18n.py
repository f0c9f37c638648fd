"""English and Chinese: from the browser, the session switch, or the profile."""

from __future__ import annotations

from lms.extensions import db
from tests.factories import login, make_user


def test_browser_language_picks_chinese(client):
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert '<html lang="zh">' in page
    assert "课程目录" in page  # "Catalog"


def test_language_switch_and_profile_choice(client):
    client.post("/language", data={"locale": "zh", "next": "/"})
    assert "课程目录" in client.get("/").text
    user = make_user(email="me@example.com")
    user.locale = "en"
    db.session.commit()
    login(client, user.email)
    assert "Catalog" in client.get("/", headers={"Accept-Language": "zh"}).text
