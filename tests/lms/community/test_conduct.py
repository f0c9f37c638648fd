"""The code of conduct: readable by anyone in en and zh, accepted on the sign-up form (refused without
the box, nothing created) or on its page (returning only to same-site paths), and asked again when
its version changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.community import services
from lms.community.models import CONDUCT_VERSION, CommunityMember
from lms.extensions import db
from tests.factories import login, make_user

SIGN_UP = {"email": "new@example.com", "display_name": "New Person", "password": "a long password 1"}


def _standing(user_id: int) -> CommunityMember | None:
    db.session.expire_all()
    return db.session.get(CommunityMember, user_id)


def test_the_page_is_readable_by_anyone_in_english_and_chinese(app):
    client = app.test_client()
    page = client.get("/community/conduct").text
    assert "Code of conduct" in page and CONDUCT_VERSION in page and "Be kind and assume good faith" in page
    assert "I accept" not in page and "/register" in page  # visitors accept it when they sign up
    chinese = client.get("/community/conduct", headers={"Accept-Language": "zh-CN"}).text
    assert "行为准则" in chinese and "友善待人" in chinese and "Be kind" not in chinese


def test_sign_up_records_the_accepted_version(app):
    response = app.test_client().post("/register", data={**SIGN_UP, "confirm": SIGN_UP["password"], "conduct": "y"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    standing = _standing(user.id)
    assert standing.conduct_version == CONDUCT_VERSION and standing.conduct_accepted_at is not None


def test_sign_up_without_the_box_is_refused_and_creates_nothing(app):
    page = app.test_client().get("/register").text
    assert 'name="conduct"' in page and "/community/conduct" in page
    response = app.test_client().post("/register", data={**SIGN_UP, "confirm": SIGN_UP["password"]})
    assert response.status_code == 200
    assert "Please accept the code of conduct to join." in response.text
    assert '<a href="#conduct">' in response.text  # in the error summary, linking to the box
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(CommunityMember)) == 0


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/courses/python-basics/community", "/courses/python-basics/community"),
        ("//evil.example/x", "/dashboard"),
        ("https://evil.example/x", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        (None, "/dashboard"),
    ],
)
def test_an_older_account_accepts_on_the_page_and_returns_to_a_same_site_next(app, basics, target, landing):
    user = make_user()  # created before the community: no standing yet
    with pytest.raises(services.ConductRequired):
        services.check_can_post(user, basics)
    client = app.test_client()
    login(client, user.email)
    query = {"next": target} if target else {}
    page = client.get("/community/conduct", query_string=query).text
    assert "I accept the code of conduct" in page
    response = client.post("/community/conduct", data=query)
    assert response.status_code == 302 and response.location == landing
    standing = _standing(user.id)
    assert standing.conduct_version == CONDUCT_VERSION
    assert "You accepted this version" in client.get("/community/conduct").text


def test_a_new_version_asks_again(app, asker, basics):
    _standing(asker.id).conduct_version = "2020-01"
    db.session.commit()
    with pytest.raises(services.ConductRequired):
        services.ask(asker, basics, title="Hello", body="Hi")
    client = app.test_client()
    login(client, asker.email)
    assert "The code of conduct changed since you accepted it" in client.get("/community/conduct").text
    client.post("/community/conduct")
    assert _standing(asker.id).conduct_version == CONDUCT_VERSION
    services.check_can_post(db.session.get(User, asker.id), basics)


def test_a_visitor_cannot_accept(app):
    response = app.test_client().post("/community/conduct")
    assert response.status_code == 302 and "/login" in response.location
    assert db.session.scalar(select(func.count()).select_from(CommunityMember)) == 0
