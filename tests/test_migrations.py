"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from lms import create_app
from lms.assignments.models import ChangeKind
from lms.extensions import db
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
