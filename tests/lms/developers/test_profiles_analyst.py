"""Analysts are read-only: every state-changing route of app.url_map answers 403 to them, with a
valid CSRF token, except their own account pages (lms.accounts.access.ANALYST_MAY_CHANGE)."""

from __future__ import annotations

from lms.accounts.access import ANALYST_MAY_CHANGE
from lms.accounts.models import ROLES, User
from lms.admin.forms import UserRoleForm
from lms.extensions import db
from tests.factories import PASSWORD, make_user
from tests.lms.test_security import _snapshot, _token, csrf_app, state_changing_routes, url_for_rule

__all__ = ["csrf_app"]  # the fixture, shared with test_security


def test_an_analyst_changes_nothing_but_their_own_account(csrf_app):
    analyst = make_user("analyst", email="analyst@example.com")
    learner = make_user(email="learner@example.com")
    known = {
        "user_id": learner.id,
        "slug": "python-basics",
        "item_slug": "01-hello",
        "kind": "course",
        "token": "some-reset-token",
        "public_id": "ACAD-0000-0000",
    }
    client = csrf_app.test_client()
    token = _token(client)
    assert (
        client.post("/login", data={"email": analyst.email, "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    token = _token(client, "/profile")

    routes = state_changing_routes(csrf_app)
    assert len(routes) >= 40
    endpoints = {rule.endpoint for _m, rule in routes}
    assert endpoints >= ANALYST_MAY_CHANGE, ANALYST_MAY_CHANGE - endpoints  # the allow-list names real routes
    before = _snapshot()
    allowed, open_ = [], []
    for method, rule in routes:
        if rule.endpoint in ANALYST_MAY_CHANGE:
            allowed.append(rule.endpoint)
            continue
        path = url_for_rule(csrf_app, method, rule, known)
        response = client.open(path, method=method, data={"csrf_token": token, "text": "x", "role": "admin"})
        if response.status_code != 403:
            open_.append(f"{method} {rule.rule}: {response.status_code}")
    assert not open_, "state-changing routes an analyst reached:\n" + "\n".join(open_)
    assert _snapshot() == before  # nothing written
    assert allowed  # and their own pages still work:
    response = client.post(
        "/profile/developer", data={"csrf_token": token, "developer_type": "internal", "interests": ["python"]}
    )
    assert response.status_code == 302
    response = client.post(
        "/profile", data={"csrf_token": token, "display_name": "Ana", "locale": "", "timezone": "UTC"}
    )
    assert response.status_code == 302 and db.session.get(User, analyst.id).display_name == "Ana"


def test_the_admin_page_and_the_cli_accept_the_analyst_role(app, runner):
    assert "analyst" in ROLES
    assert ("analyst", "analyst") in UserRoleForm.role.kwargs["choices"]
    make_user(email="someone@example.com")
    result = runner.invoke(args=["users", "set-role", "someone@example.com", "analyst"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(db.select(User.role).where(User.email == "someone@example.com")) == "analyst"
