"""The admin users page: each account's state shown, disabling only after a confirmation step."""

from __future__ import annotations

from lms.accounts.models import User
from lms.extensions import db
from tests.factories import login, make_user


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_users_page_shows_a_disabled_badge(client):
    admin = make_user("admin")
    other = make_user(email="gone@example.com")
    other.active = False
    db.session.commit()
    login(client, admin.email)
    page = client.get("/admin/users").text
    assert page.count('class="badge badge-disabled"') == 1
    assert ">Disabled<" in page


def test_disabling_asks_for_confirmation_then_disables(client, caplog):
    admin = make_user("admin", email="admin@example.com")
    other = make_user(email="learner@example.com")
    login(client, admin.email)
    confirm = client.get(f"/admin/users/{other.id}/disable")
    assert confirm.status_code == 200
    assert "Disable learner@example.com?" in confirm.text
    assert 'method="post"' in confirm.text
    assert _reload(other).active  # showing the confirmation changes nothing
    caplog.set_level("INFO", logger="lms.accounts.services")
    response = client.post(f"/admin/users/{other.id}/disable")
    assert response.status_code == 302
    assert not _reload(other).active
    assert any("learner@example.com disabled by admin@example.com" in r.getMessage() for r in caplog.records)
    assert "Disabled learner@example.com." in client.get("/admin/users").text
    response = client.post(f"/admin/users/{other.id}/enable")
    assert response.status_code == 302
    assert _reload(other).active


def test_saving_a_role_never_disables(client):
    """The old row form disabled an account whenever its 'active' box was left unticked."""
    admin = make_user("admin")
    other = make_user()
    login(client, admin.email)
    client.post(f"/admin/users/{other.id}", data={f"u{other.id}-role": "instructor"})
    other = _reload(other)
    assert other.role == "instructor"
    assert other.active


def test_admin_cannot_disable_self_and_others_cannot_disable(client):
    admin = make_user("admin")
    login(client, admin.email)
    response = client.post(f"/admin/users/{admin.id}/disable", follow_redirects=True)
    assert "You cannot remove your own admin access." in response.text
    assert _reload(admin).active
    assert client.get("/admin/users/99999/disable").status_code == 404
    learner = make_user(email="learner@example.com")
    client.post("/logout")
    login(client, learner.email)
    assert client.get(f"/admin/users/{admin.id}/disable").status_code == 403
    assert client.post(f"/admin/users/{admin.id}/disable").status_code == 403
    assert _reload(admin).active
