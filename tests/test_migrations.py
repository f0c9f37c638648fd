"""The migrations build exactly the schema the models describe, and run without losing rows."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from lms import create_app
from lms.accounts.models import User
from lms.assignments.models import ChangeKind
from lms.catalog.models import Course
from lms.db import check_foreign_keys, sqlite_foreign_keys_off, utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.notifications.models import EmailState
from lms.search.models import include_name
from tests.conftest import _test_config, empty_database_url


def test_upgrade_on_empty_database_matches_models(database_url, tmp_path):
    url = empty_database_url(database_url, tmp_path, "migrations_check")
    app = create_app(_test_config(url, tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
            diff = compare_metadata(context, db.metadata)
            tables = set(inspect(conn).get_table_names())
            checks = {c["name"]: c["sqltext"] for c in inspect(conn).get_check_constraints("grade_changes")}
            checks |= {c["name"]: c["sqltext"] for c in inspect(conn).get_check_constraints("notifications")}
        db.engine.dispose()
    assert diff == [], diff
    assert {"users", "courses", "items", "learning_events", "quiz_attempts"} <= tables
    assert ("search_fts" in tables) == (not url.startswith("postgresql"))  # the FTS5 index, SQLite only
    # compare_metadata does not compare CHECK constraints: the audit kinds the models write must be allowed
    assert all(f"'{kind.value}'" in checks["ck_grade_changes_kind_known"] for kind in ChangeKind)
    assert all(f"'{state.value}'" in checks["ck_notifications_email_state_known"] for state in EmailState)


def test_a_batch_migration_recreating_users_keeps_the_rows_that_reference_them(database_url, tmp_path):
    """SQLite recreates a table to change a constraint (copy, DROP, rename). With foreign keys on,
    dropping `users` runs every ON DELETE CASCADE: the enrolment would go (the control below shows
    it does). Migrations run with foreign keys off (migrations/env.py) and are checked after."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL alters constraints in place; nothing is recreated")
    url = empty_database_url(database_url, tmp_path, "recreate_users")
    app = create_app(_test_config(url, tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="heads")

        def enrolled() -> int:
            user = User(email=f"u{utcnow().timestamp()}@example.com", password_hash="x", display_name="U")
            course = Course(slug=f"c{utcnow().timestamp()}", title="C", tier="beginner")
            db.session.add_all([user, course])
            db.session.flush()
            db.session.add(Enrollment(user_id=user.id, course_id=course.id))
            db.session.commit()
            return db.session.scalar(select(func.count()).select_from(Enrollment))

        def recreate_users(connection) -> None:
            with connection.begin():
                with Operations(MigrationContext.configure(connection)).batch_alter_table("users", recreate="always"):
                    pass
                check_foreign_keys(connection)

        assert enrolled() == 1
        with db.engine.connect() as connection:  # the control: foreign keys on, as the app's connections have them
            recreate_users(connection)
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0  # cascaded away

        assert enrolled() == 1
        with db.engine.connect() as connection, sqlite_foreign_keys_off(connection):
            recreate_users(connection)
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 1
        with db.engine.connect() as connection:  # the pool's connection has its foreign keys back
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
