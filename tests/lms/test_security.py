"""CSRF on every form, access per role, cookies and headers."""

from __future__ import annotations

import pytest

from lms.extensions import db
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses, login, make_user

POST_ROUTES = [
    "/login", "/register", "/logout", "/profile", "/language", "/reset/token",
    "/courses/python-basics/enroll", "/courses/python-basics/01-hello/complete",
    "/courses/python-basics/basics/quiz", "/admin/users/1",
]  # fmt: skip


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        load_fixture_courses(FIXTURES / "courses")
        yield app


def test_every_post_without_csrf_token_is_refused(csrf_app):
    admin = make_user("admin", email="admin@example.com")
    client = csrf_app.test_client()
    # Log in with a real token first so that authenticated routes reach the CSRF check.
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    assert login_with_token(client, admin.email, token).status_code == 302
    for route in POST_ROUTES:
        response = client.post(route, data={"email": "x@example.com"})
        assert response.status_code == 400, route
        assert "security token" in response.text, route
    assert client.get("/dashboard").status_code == 200  # still logged in: logout was refused too


def login_with_token(client, email, token):
    from tests.factories import PASSWORD

    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("learner", "/admin/users", 403),
        ("learner", "/teach/", 403),
        ("manager", "/admin/users", 403),
        ("manager", "/teach/", 403),
        ("instructor", "/admin/users", 403),
        ("instructor", "/teach/", 200),
        ("admin", "/admin/users", 200),
        ("admin", "/teach/", 200),
    ],
)
def test_access_per_role(client, role, path, status):
    user = make_user(role)
    login(client, user.email)
    assert client.get(path).status_code == status


def test_learner_cannot_change_roles(client):
    learner = make_user(email="me@example.com")
    login(client, learner.email)
    response = client.post(
        f"/admin/users/{learner.id}", data={f"u{learner.id}-role": "admin", f"u{learner.id}-active": "y"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert learner.role == "learner"


def test_anonymous_is_sent_to_login(client):
    for path in ("/dashboard", "/admin/users", "/teach/", "/profile", "/courses/python-basics/01-hello"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_admin_sets_role_and_cannot_lock_self_out(client):
    admin = make_user("admin")
    other = make_user()
    login(client, admin.email)
    client.post(f"/admin/users/{other.id}", data={f"u{other.id}-role": "instructor", f"u{other.id}-active": "y"})
    db.session.expire_all()
    assert other.role == "instructor"
    response = client.post(
        f"/admin/users/{admin.id}",
        data={f"u{admin.id}-role": "learner", f"u{admin.id}-active": "y"},
        follow_redirects=True,
    )
    assert "You cannot remove your own admin access." in response.text
    db.session.expire_all()
    assert admin.role == "admin"
    assert client.post("/admin/users/99999", data={}).status_code == 404


def test_security_headers_and_cookie_flags(client, make_app):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    make_user(email="me@example.com")
    login(client, "me@example.com")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    prod = make_app(ACADEMY_ENV="production", SESSION_COOKIE_SECURE=True)
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert "Strict-Transport-Security" in prod.test_client().get("/healthz").headers


def test_production_refuses_to_start_without_secret(monkeypatch, tmp_path):
    from lms.config import ConfigError, load_config

    monkeypatch.setenv("ACADEMY_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"INSTANCE_DIR": tmp_path})


def test_secure_cookie_default_follows_environment(monkeypatch, tmp_path):
    from lms.config import load_config

    monkeypatch.setenv("ACADEMY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert load_config({"INSTANCE_DIR": tmp_path})["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("ACADEMY_ENV", "development")
    assert load_config({"INSTANCE_DIR": tmp_path})["SESSION_COOKIE_SECURE"] is False


def test_error_pages_are_friendly(client):
    response = client.get("/courses/no-such-course")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.text
