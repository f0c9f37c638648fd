"""Fixtures in flaskr's style: `app`, `client`, `runner`, on a real database per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from lms import create_app
from lms.extensions import db, limiter
from tests.mailsink import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (own `g`, own DB session), as in production,
    even though the test itself holds an app context to use the database directly."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `no_db` each test whose fixtures never reach `database_url` (which `app`, `client`,
    `runner` and `make_app` build on): ACADEMY_TEST_DB changes nothing for it, so the PostgreSQL
    pass of `make test` deselects it. The closure is static: a fixture that would fetch the
    database through `request.getfixturevalue` must request `database_url` (or `app`) directly."""
    for item in items:
        if "database_url" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.no_db)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """SQLite file by default; a real temporary PostgreSQL with ACADEMY_TEST_DB=postgres."""
    if os.environ.get("ACADEMY_TEST_DB") == "postgres":
        from tests.postgres import TempPostgres

        server = TempPostgres()
        yield server.start()
        server.stop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.create_all()
    return True


def _test_config(database_url: str, instance: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": instance,
        "SECRET_KEY": "test-secret",
        "COURSES_DIR": FIXTURES / "courses",
        "WTF_CSRF_ENABLED": False,
        # Cheap argon2id in tests; tests/lms/accounts checks the production parameters.
        "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        **extra,
    }


def _clean(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = reversed(db.metadata.sorted_tables)
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            with db.engine.begin() as conn:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture
def make_app(database_url, _schema, tmp_path):
    """Build an app with config overrides (e.g. CSRF on); tables are emptied after the test."""
    apps = []

    def factory(**overrides):
        app = create_app(_test_config(database_url, tmp_path / "instance", **overrides))
        app.test_client_class = FreshContextClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            limiter.reset()
    if apps:
        _clean(apps[0])
    for app in apps:  # close the pooled connections now: PostgreSQL allows 100 clients in all
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def smtp():
    """A real SMTP server on a free port; `smtp.sink.envelopes` holds what it accepted."""
    server = SmtpServer()
    yield server
    server.stop()


def empty_database_url(database_url: str, tmp_path: Path, name: str) -> str:
    """A URL to a new, empty database beside the test database (a PostgreSQL database `name`
    dropped and created again, or a SQLite file): for tests that run the migrations themselves."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / (name + '.db')}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return database_url.rsplit("/", 1)[0] + "/" + name
