"""The signed-in user is read as one row; the ORM user loads only when something needs more."""

from __future__ import annotations

from lms.accounts import services
from lms.accounts.models import User
from lms.extensions import db
from tests.factories import counted_queries, make_user


def _session_of(user) -> str:
    token = services.start_session(user)
    db.session.commit()
    db.session.remove()  # a new request: nothing of the user is loaded yet
    return token


def test_the_columns_come_from_one_statement(app):
    user = make_user(role="manager", name="Mia")
    user_id = user.id
    token = _session_of(user)
    with counted_queries() as seen:
        viewer = services.load_session_user(token)
        shown = (viewer.id, viewer.display_name, viewer.role, viewer.locale, viewer.timezone, viewer.created_at)
        assert viewer.has_role("manager") and not viewer.has_role("instructor") and viewer.is_active
    assert len(seen) == 1
    assert shown[:3] == (user_id, "Mia", "manager") and shown[5].tzinfo is not None
    assert viewer.get_id() == token and viewer.printed_name == "Mia"


def test_relationships_and_changes_go_to_the_orm_user(app):
    manager = make_user(role="manager", name="Mia")
    services.add_manager(services.get_or_create_team("Blue"), manager)
    db.session.commit()
    email = manager.email
    token = _session_of(manager)
    viewer = services.load_session_user(token)
    with counted_queries() as seen:
        assert [team.name for team in viewer.managed_teams] == ["Blue"]
    assert seen  # loaded on demand
    assert viewer.password_hash.startswith("$argon2id$")  # not in the row, still reachable
    viewer.display_name = "Mia Chen"
    assert viewer.display_name == "Mia Chen"  # read back from the ORM user from now on
    db.session.commit()
    db.session.remove()
    assert services.find_user(email).display_name == "Mia Chen"


def test_no_user_for_a_revoked_session_or_a_disabled_account(app):
    user = make_user()
    token = _session_of(user)
    services.end_session(token)
    db.session.commit()
    assert services.load_session_user(token) is None
    other = make_user()
    other_id = other.id
    token = _session_of(other)
    services.set_active(db.session.get(User, other_id), False)
    db.session.commit()
    assert services.load_session_user(token) is None
    assert services.load_session_user("no-such-token") is None
