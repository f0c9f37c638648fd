"""CSRF on every form, access per role, cookies and headers."""

from __future__ import annotations

import io
import logging
import re

import pytest

from lms.extensions import db
from lms.reports import tokens
from tests.conftest import FIXTURES
from tests.factories import PASSWORD, load_fixture_courses, login, make_user

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The CSRF allow-list of ../shared/DECISIONS.md ("CSRF exemptions"); no other route may be exempt,
# and each must exist. `POST /verify` checks an uploaded certificate PDF and changes nothing.
# `POST /unsubscribe/<token>` is the RFC 8058 one-click unsubscribe: a mail client POSTs
# "List-Unsubscribe=One-Click" to the URL of the List-Unsubscribe header, with no cookie and no CSRF
# token; the signed token in the URL is the credential (tests/lms/notifications/test_unsubscribe.py).
CSRF_EXEMPT = frozenset({("POST", "/verify"), ("POST", "/unsubscribe/<token>")})


def allow_listed(method: str, rule) -> bool:
    return (method, rule.rule) in CSRF_EXEMPT


def state_changing_routes(app) -> list[tuple[str, object]]:
    """(method, rule) for every rule of every blueprint (API included) that takes a state-changing method."""
    return sorted(
        ((method, rule) for rule in app.url_map.iter_rules() for method in rule.methods & STATE_CHANGING),
        key=lambda pair: (pair[1].rule, pair[0]),
    )


def url_for_rule(app, method: str, rule, known: dict[str, object]) -> str:
    """A URL that routes to exactly this rule: real objects' ids and slugs where we have them,
    else any value of the converter's type (CSRFProtect runs in before_request, before the view
    looks anything up)."""
    defaults = {"IntegerConverter": 1, "FloatConverter": 1.0, "UUIDConverter": "00000000-0000-4000-8000-000000000000"}
    values = {
        name: known.get(name, defaults.get(type(converter).__name__, "x"))
        for name, converter in rule._converters.items()
    }
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {values}"
    path = built[1]
    matched, _args = app.url_map.bind("localhost").match(path, method=method, return_rule=True)
    assert matched is rule, f"{method} {path} routes to {matched.rule}, not {rule.rule}: add a value to `known`"
    return path


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        load_fixture_courses(FIXTURES / "courses")
        yield app


def _token(client, url: str = "/login") -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).text).group(1)


def _snapshot() -> dict[str, list[str]]:
    """Every row of every table, so that any write a refused request made shows up."""
    db.session.remove()
    with db.engine.connect() as conn:
        return {table.name: sorted(map(repr, conn.execute(table.select()))) for table in db.metadata.sorted_tables}


def _csrf_refused(response, records, path: str) -> bool:
    """Refused by CSRFProtect: the app's CSRFError page, and its log line for this path."""
    logged = any(r.getMessage().startswith(f"CSRF rejected: {path} ") for r in records)
    return response.status_code == 400 and "security token" in response.text and logged


def test_every_state_changing_route_without_csrf_token_is_refused(csrf_app, caplog):
    """Enumerates app.url_map; only the allow-list above may take a request without a token."""
    admin = make_user("admin", email="admin@example.com")
    learner = make_user(email="learner@example.com")
    api_token, _secret = tokens.create_token(admin, "csrf test")
    db.session.commit()
    known = {
        "user_id": learner.id,
        "token_id": api_token.id,
        "slug": "python-basics",
        "item_slug": "01-hello",
        "kind": "course",
        "token": "some-reset-token",
        "public_id": "ACAD-0000-0000",
    }

    signed_in = csrf_app.test_client()
    token = _token(signed_in)
    response = signed_in.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    with_session = csrf_app.test_client()  # anonymous, with a session (and its CSRF secret) from the login page
    _token(with_session)
    clients = {"signed in as admin": signed_in, "anonymous": with_session, "no cookie": csrf_app.test_client()}

    routes = state_changing_routes(csrf_app)
    assert len(routes) >= 40, routes  # the enumeration found the routes of every blueprint
    missing = {pair for pair in CSRF_EXEMPT if pair not in {(m, r.rule) for m, r in routes}}
    assert not missing, f"allow-listed routes missing from app.url_map: {sorted(missing)}"

    before = _snapshot()
    unprotected, not_exempt = [], []
    caplog.set_level(logging.INFO)
    for method, rule in routes:
        path = url_for_rule(csrf_app, method, rule, known)
        for who, client in clients.items():
            caplog.clear()
            response = client.open(path, method=method, data={"email": "x@example.com", "name": "x", "text": "x"})
            refused = _csrf_refused(response, caplog.records, path)
            if allow_listed(method, rule) and refused:
                not_exempt.append(f"{method} {rule.rule} ({who})")
            elif not allow_listed(method, rule) and not refused:
                unprotected.append(f"{method} {rule.rule} ({who}): {response.status_code}")
    assert not unprotected, "state-changing routes that took a request without a CSRF token:\n" + "\n".join(unprotected)
    assert not not_exempt, "allow-listed routes refused without a token:\n" + "\n".join(not_exempt)
    assert _snapshot() == before  # nothing a refused request could have written
    assert signed_in.get("/dashboard").status_code == 200  # still logged in: logout was refused too


def test_allow_listed_verify_works_without_token(csrf_app):
    """POST /verify really is exempt: an upload without a token reaches the PDF check."""
    make_user(email="me@example.com")
    anonymous, signed_in = csrf_app.test_client(), csrf_app.test_client()
    token = _token(signed_in)
    signed_in.post("/login", data={"email": "me@example.com", "password": PASSWORD, "csrf_token": token})
    assert signed_in.get("/dashboard").status_code == 200
    for client in (anonymous, signed_in):
        response = client.post("/verify", data={"pdf": (io.BytesIO(b"\x89PNG, not a PDF"), "photo.png")})
        assert "security token" not in response.text
        assert "not a PDF file" in response.text


def test_api_refuses_cookie_authenticated_writes_without_token(csrf_app):
    """/api/v1 has no CSRF exemption. Its routes are GET only today (bearer token or a manager's
    session cookie); a write with the session cookie and no token is refused (405 for a method the
    route lacks, CSRF 400 once it has one: the enumerating test above covers that case)."""
    manager = make_user("manager", email="manager@example.com")
    client = csrf_app.test_client()
    client.post("/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": _token(client)})
    rules = [rule for rule in csrf_app.url_map.iter_rules() if rule.endpoint.startswith("api.")]
    assert rules
    before = _snapshot()
    for rule in rules:
        path = url_for_rule(csrf_app, "GET", rule, {})
        # the cookie does authenticate the API; the programme's figures are for admins and analysts
        assert client.get(path).status_code == (403 if "/programme/" in path else 200), path
        for method in sorted(STATE_CHANGING):
            response = client.open(path, method=method, json={})
            expected = 400 if method in rule.methods else 405
            assert response.status_code == expected, (method, path, response.status_code)
    assert _snapshot() == before


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
