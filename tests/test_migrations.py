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


def test_item_reports_and_survey_comments_move_into_the_feedback_hub(database_url, tmp_path):
    """Migration 0404 moves every item report (times, reporter, link, messages) into the hub and
    copies survey comments; an anonymous comment keeps no reporter and no follower. Rows are
    written at 0402 (before), read after the upgrade; a second upgrade adds nothing."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import downgrade

    from lms.catalog.models import Item, Module
    from lms.feedback.models import (
        ContentReport,
        ContentReportMessage,
        FeedbackFollow,
        FeedbackItem,
        FeedbackMessage,
        Survey,
        SurveyResponse,
    )

    url = empty_database_url(database_url, tmp_path, "feedback_hub_move")
    app = create_app(_test_config(url, tmp_path / "instance"))
    t0 = datetime(2026, 3, 2, 9, 15, 30, 123000, tzinfo=UTC)
    with app.app_context():
        upgrade(revision="heads")
        downgrade(revision="0402")  # the feedback branch before the hub's data moved in
        learner = User(email="learner@example.com", password_hash="x", display_name="Lee")
        staff = User(email="staff@example.com", password_hash="x", display_name="Sam", role="instructor")
        course = Course(slug="c", title="C", tier="beginner")
        db.session.add_all([learner, staff, course])
        db.session.flush()
        module = Module(course_id=course.id, slug="m", title="M")
        db.session.add(module)
        db.session.flush()
        lesson = Item(course_id=course.id, module_id=module.id, kind="lesson", slug="l", title="L")
        db.session.add(lesson)
        db.session.flush()
        reports = []
        for n, (kind, status, answered, closed) in enumerate(
            [
                ("problem", "open", None, None),
                ("suggestion", "answered", t0 + timedelta(hours=5), None),
                ("problem", "closed", t0 + timedelta(hours=2), t0 + timedelta(days=2)),
            ]
        ):
            report = ContentReport(
                course_id=course.id,
                item_id=lesson.id,
                user_id=learner.id,
                kind=kind,
                status=status,
                created_at=t0 + timedelta(minutes=n),
                first_answered_at=answered,
                closed_at=closed,
            )
            report.messages.append(ContentReportMessage(author_id=learner.id, body=f"Report {n}\nmore", created_at=t0))
            if answered:
                report.messages.append(
                    ContentReportMessage(author_id=staff.id, body=f"Answer {n}", created_at=answered)
                )
            db.session.add(report)
            reports.append(report)
        named = Survey(course_id=course.id, anonymous=False, questions=[])
        db.session.add(named)
        db.session.flush()
        day = datetime(2026, 3, 4, tzinfo=UTC)
        said = SurveyResponse(
            survey_id=named.id,
            respondent_key="a",
            user_id=learner.id,
            csat=4,
            nps=9,
            comment="More labs",
            submitted_at=t0,
        )
        anon = SurveyResponse(
            survey_id=named.id, respondent_key="b", user_id=None, csat=2, nps=3, comment="Too fast", submitted_at=day
        )
        silent = SurveyResponse(survey_id=named.id, respondent_key="c", user_id=None, csat=5, nps=10, comment="")
        db.session.add_all([said, anon, silent])
        db.session.commit()
        ids = [r.id for r in reports]

        upgrade(revision="heads")
        db.session.expire_all()
        moved = {
            i.content_report_id: i
            for i in db.session.scalars(select(FeedbackItem).where(FeedbackItem.source == "report"))
        }
        assert sorted(moved) == ids
        new, answered, closed = (moved[i] for i in ids)
        assert [(i.category, i.status) for i in (new, answered, closed)] == [
            ("content_error", "new"),
            ("usage_suggestion", "triaged"),
            ("content_error", "done"),
        ]
        for n, i in enumerate((new, answered, closed)):
            assert (i.created_at, i.reporter_id, i.course_id, i.item_id, i.public) == (
                t0 + timedelta(minutes=n),
                learner.id,
                course.id,
                lesson.id,
                False,
            )
            assert (i.title, i.body) == (f"Report {n}", f"Report {n}\nmore")
            assert db.session.get(FeedbackFollow, (i.id, learner.id)) is not None
        assert new.first_response_at is None and answered.first_response_at == t0 + timedelta(hours=5)
        assert (closed.first_response_at, closed.resolved_at) == (t0 + timedelta(hours=2), t0 + timedelta(days=2))
        assert [(m.author_id, m.body, m.created_at) for m in answered.messages] == [
            (staff.id, "Answer 1", t0 + timedelta(hours=5))
        ]
        copies = {
            i.survey_response_id: i
            for i in db.session.scalars(select(FeedbackItem).where(FeedbackItem.source == "survey"))
        }
        assert sorted(copies) == sorted([said.id, anon.id])  # the empty comment has no copy
        assert (copies[said.id].reporter_id, copies[said.id].created_at) == (learner.id, t0)
        assert (copies[anon.id].reporter_id, copies[anon.id].anonymous, copies[anon.id].created_at) == (None, True, day)
        assert (
            db.session.scalar(
                select(func.count()).select_from(FeedbackFollow).where(FeedbackFollow.item_id == copies[anon.id].id)
            )
            == 0
        )
        assert db.session.scalar(select(func.count()).select_from(ContentReport)) == 3  # nothing deleted
        count = db.session.scalar(select(func.count()).select_from(FeedbackItem))
        messages = db.session.scalar(select(func.count()).select_from(FeedbackMessage))
        downgrade(revision="0403")  # the copies go, the old rows stay; moving again gives the same
        upgrade(revision="heads")
        assert db.session.scalar(select(func.count()).select_from(FeedbackItem)) == count
        assert db.session.scalar(select(func.count()).select_from(FeedbackMessage)) == messages
        db.session.remove()
        db.engine.dispose()
