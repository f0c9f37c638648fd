"""English and Chinese: from the browser, the session switch, or the profile."""

from __future__ import annotations

from lms.extensions import db
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses, login, make_user


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


def test_a_service_refusal_reaches_a_chinese_learner_in_chinese(client):
    """Services raise lazily translated errors, so the words are chosen when the view shows them."""
    load_fixture_courses(FIXTURES / "courses")
    user = make_user()
    user.locale = "zh"
    db.session.commit()
    login(client, user.email)
    client.post("/courses/python-basics/enroll")
    page = client.post("/courses/python-basics/basics/quiz", data={"q-print": "0"}, follow_redirects=True).text
    assert "请回答所有问题后再提交。" in page and "Answer every question" not in page
