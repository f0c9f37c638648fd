"""Sign-up, login, sessions that really end, password hashing and profile rules."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.accounts import services
from lms.accounts.models import User
from lms.extensions import db
from tests.factories import PASSWORD, login, make_user


def register(client, email="new@example.com", password="a long password 1", confirm=None, name="New Person"):
    return client.post(
        "/register",
        data={
            "email": email,
            "display_name": name,
            "password": password,
            "confirm": confirm or password,
            "conduct": "y",
        },
    )


def test_register_logs_in_and_hashes_with_argon2id(make_app):
    from lms.accounts.services import DEFAULT_HASH_PARAMS

    production = make_app(PASSWORD_HASH=DEFAULT_HASH_PARAMS)
    client = production.test_client()
    response = register(client)
    assert response.status_code == 302
    with production.app_context():
        user = services.find_user("NEW@example.com ")
        assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert client.get("/welcome/profile").status_code == 200  # signed in: the optional profile step


def test_register_lands_on_the_dashboard(client):
    """The optional profile step, then the dashboard, which says what to do next (the placement quiz)."""
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/welcome/profile?next=/dashboard"


def test_register_duplicate_email_is_refused_and_stores_nothing(client):
    make_user(email="taken@example.com")
    response = register(client, email="Taken@Example.com")
    assert response.status_code == 200
    assert "An account with this e-mail already exists." in response.text
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_register_rejects_bad_fields(client):
    cases = [
        dict(email="not-an-email"),
        dict(password="short", confirm="short"),
        dict(confirm="something else entirely"),
        dict(name="x" * 101),
        dict(email="a" * 250 + "@example.com"),
    ]
    for case in cases:
        response = register(client, **case)
        assert response.status_code == 200, case
        assert 'class="error"' in response.text, case
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_wrong_password_gives_a_clear_message(client):
    make_user(email="me@example.com")
    response = client.post("/login", data={"email": "me@example.com", "password": "wrong password!"})
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.text
    assert client.get("/dashboard").status_code == 302


def test_logout_revokes_the_session_even_if_the_cookie_is_replayed(app, client):
    make_user(email="me@example.com")
    assert login(client, "me@example.com").status_code == 302
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    assert attacker.get("/dashboard").status_code == 302  # back to login


def test_disabling_an_account_ends_its_sessions(client):
    user = make_user(email="me@example.com")
    login(client, "me@example.com")
    assert client.get("/dashboard").status_code == 200
    services.set_active(user, False)
    db.session.commit()
    assert client.get("/dashboard").status_code == 302
    assert login(client, "me@example.com").status_code == 200  # refused: form shown again


def test_disabled_account_is_told_so_only_with_the_right_password(client):
    """The right password proves ownership, so saying 'disabled' reveals nothing to a prober."""
    user = make_user(email="me@example.com")
    services.set_active(user, False)
    db.session.commit()
    response = login(client, "me@example.com")
    assert response.status_code == 200
    assert "This account is disabled. Contact an administrator." in response.text
    assert "Wrong e-mail or password." not in response.text
    assert client.get("/dashboard").status_code == 302
    response = client.post("/login", data={"email": "me@example.com", "password": "wrong password!"})
    assert "Wrong e-mail or password." in response.text
    assert "disabled" not in response.text


def test_login_rate_limit_per_ip(client):
    make_user(email="me@example.com")
    for _ in range(10):
        client.post("/login", data={"email": "me@example.com", "password": "wrong password!"})
    response = client.post("/login", data={"email": "me@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.text


def test_login_rate_limit_per_account_across_addresses(client):
    make_user(email="me@example.com")
    for n in range(10):
        client.post(
            "/login",
            data={"email": "me@example.com", "password": "x" * 12},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
    response = client.post(
        "/login", data={"email": "ME@example.com", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.1.1"}
    )
    assert response.status_code == 429


def test_an_app_built_after_one_without_limits_still_limits_logins(make_app):
    """Flask-Limiter keeps `enabled` on its one Limiter and gave it to the next app whose config
    did not say: after an app with limits off (the deadline test's), no later app had any."""
    make_app(RATELIMIT_ENABLED=False)
    app = make_app()
    with app.app_context():
        make_user(email="me@example.com")
        client = app.test_client()
        for _ in range(10):
            client.post("/login", data={"email": "me@example.com", "password": "wrong password!"})
        assert client.post("/login", data={"email": "me@example.com", "password": PASSWORD}).status_code == 429


def test_next_parameter_only_follows_local_paths(client):
    make_user(email="me@example.com")
    response = client.post("/login?next=https://evil.example/", data={"email": "me@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"


def test_profile_update_and_bad_timezone(client):
    user = make_user(email="me@example.com")
    login(client, "me@example.com")
    data = {"display_name": "Mei", "certificate_name": "王美", "locale": "zh", "timezone": "Asia/Shanghai"}
    assert client.post("/profile", data=data).status_code == 302
    db.session.refresh(user)
    assert (user.certificate_name, user.locale, user.timezone) == ("王美", "zh", "Asia/Shanghai")
    bad = client.post("/profile", data={**data, "locale": "en", "timezone": "Mars/Olympus", "display_name": "Changed"})
    assert "未知时区" in bad.text or "Unknown time zone" in bad.text  # the page is in the saved language, zh
    db.session.refresh(user)
    assert user.display_name == "Mei"


def test_cli_users_and_teams(runner):
    created = runner.invoke(args=["users", "create", "ana@example.com", "--role", "learner", "--team", "Core"])
    assert created.exit_code == 0 and "Password: " in created.output
    assert runner.invoke(args=["users", "create", "boss@example.com", "--role", "manager"]).exit_code == 0
    assert runner.invoke(args=["teams", "create", "Core", "--manager", "boss@example.com"]).exit_code == 0
    runner.invoke(args=["users", "create", "bo@example.com"])
    added = runner.invoke(args=["teams", "add", "Core", "bo@example.com"])
    assert added.exit_code == 0, added.output
    team = services.find_team("Core")
    assert sorted(u.email for u in team.members) == ["ana@example.com", "bo@example.com"]
    assert [u.email for u in team.managers] == ["boss@example.com"]

    duplicate = runner.invoke(args=["users", "create", "ana@example.com"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad_role = runner.invoke(args=["users", "create", "x@example.com", "--role", "wizard"])
    assert bad_role.exit_code == 2
    unknown = runner.invoke(args=["teams", "add", "Core", "bo@example.com", "ghost@example.com"])
    assert unknown.exit_code == 1 and "ghost@example.com" in unknown.output and "Nothing was changed" in unknown.output
    assert runner.invoke(args=["teams", "add", "Nope", "bo@example.com"]).exit_code == 1


def test_reset_password_link_works_once(runner, client):
    make_user(email="me@example.com")
    output = runner.invoke(args=["users", "reset-password", "me@example.com"]).output
    link = output.strip().split()[-1]
    path = link.split("127.0.0.1:5000", 1)[1]
    new = {"password": "brand new password", "confirm": "brand new password"}
    assert client.post(path, data=new).status_code == 302
    assert login(client, "me@example.com", "brand new password").status_code == 302
    client.post("/logout")
    again = client.post(path, data={"password": "third password!!", "confirm": "third password!!"})
    assert "already used" in again.text
    assert runner.invoke(args=["users", "reset-password", "ghost@example.com"]).exit_code == 1


def test_field_errors_are_tied_to_their_inputs_and_summed_up_in_an_alert(client):
    html = register(client, email="not-an-email", password="short", confirm="short").text
    email = re.search(r'<input[^>]*\bid="email"[^>]*>', html)[0]
    assert 'aria-invalid="true"' in email and 'aria-describedby="email-error"' in email
    assert re.search(r'<div class="error" id="email-error"><p>[^<]+</p></div>', html)
    name = re.search(r'<input[^>]*\bid="display_name"[^>]*>', html)[0]
    assert "aria-invalid" not in name and "aria-describedby" not in name
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S)[1]
    assert '<a href="#email">E-mail: ' in summary and '<a href="#password">Password: ' in summary
    assert "2 answers need your attention" in summary


def test_a_hint_is_tied_to_its_input(client):
    make_user(email="me@example.com")
    login(client, "me@example.com")
    html = client.get("/profile").text
    described = re.findall(r'aria-describedby="([\w-]+-hint)"', html)
    assert described and all(f'id="{hint}"' in html for hint in described)
    assert "error-summary" not in html
