"""Flask extensions, created unbound and initialised in create_app."""

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from lms.db import Base
from lms.localtime import zone_or_default


class Migrations:
    """Flask-Migrate, bound to an app when something migrates (`flask db ...`, `flask platform init`,
    flask_migrate.upgrade()): importing it imports Alembic, 0.2 s no other command or web worker needs."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def init_app(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        app.extensions["migrate"] = _UnboundMigrate(self, app, db, directory)
        app.cli.add_command(_MigrateCommands(self))

    def bind(self, app: Flask) -> Any:
        """Flask-Migrate's state for this app (what its commands and migrations/env.py read)."""
        state = app.extensions["migrate"]
        if isinstance(state, _UnboundMigrate):
            from flask_migrate import Migrate

            Migrate(app, state.db, directory=state.directory, **self.options)  # replaces the state
        return app.extensions["migrate"]


class _UnboundMigrate:
    """app.extensions["migrate"] until first read; then Flask-Migrate's own state takes its place."""

    def __init__(self, migrations: Migrations, app: Flask, db: SQLAlchemy, directory: str) -> None:
        self.migrations, self.app, self.db, self.directory = migrations, app, db, directory

    def __getattr__(self, name: str) -> Any:
        return getattr(self.migrations.bind(self.app), name)


class _MigrateCommands(click.Group):
    """`flask db`: listed with the other commands, Flask-Migrate's own group once invoked."""

    def __init__(self, migrations: Migrations) -> None:
        super().__init__("db", help="Perform database migrations.")
        self.migrations = migrations

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any):
        from flask.cli import ScriptInfo
        from flask_migrate.cli import db as commands

        app = current_app._get_current_object() if current_app else parent.find_object(ScriptInfo).load_app()
        self.migrations.bind(app)

        return commands.make_context(info_name, args, parent=parent, **extra)


db = SQLAlchemy(model_class=Base)
migrate = Migrations(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str | None:
    """Profile language first, then the one chosen in this session, then the browser's."""
    from flask import current_app

    if not has_request_context():
        return None
    languages = current_app.config["LANGUAGES"]
    user = current_user._get_current_object()  # one lookup: every page asks
    if user.is_authenticated and user.locale in languages:
        return user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages)


def select_timezone() -> str | None:
    """The learner's time zone from the profile (UTC for visitors, or a name no longer known)."""
    if not has_request_context():
        return None
    user = current_user._get_current_object()
    return zone_or_default(user.timezone) if user.is_authenticated else None


babel = Babel()


class TaskQueue:
    """Huey, created from the app's config on first use (never at import): SqliteHuey in instance/
    by default, RedisHuey when QUEUE_URL=redis://... Tasks register here at import and are bound
    to each app's Huey on first use, each run inside that app's context."""

    def __init__(self) -> None:
        self._tasks: dict[str, Callable[..., Any]] = {}
        self._schedules: dict[str, dict[str, str]] = {}
        self._binding = threading.Lock()  # the first enqueues of a threaded server may race

    def task(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Register a queue task by its qualified name; the function itself stays plain."""
        self._tasks[f"{fn.__module__}.{fn.__name__}"] = fn
        return fn

    def periodic(self, **crontab: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a task the workers run on a schedule (huey crontab fields: minute, hour, day,
        month, day_of_week; UTC), once per scheduled minute however many workers run
        (lms.operations.tasks claims each slot). The function takes no arguments."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.task(fn)
            self._schedules[f"{fn.__module__}.{fn.__name__}"] = crontab
            return fn

        return register

    def schedules(self) -> dict[str, dict[str, str]]:
        """Every periodic task's qualified name and crontab fields."""
        return dict(self._schedules)

    def function(self, name: str) -> Callable[..., Any]:
        """The plain function registered under a qualified name (KeyError for none)."""
        return self._tasks[name]

    def init_app(self, app: Flask) -> None:
        app.extensions["task_queue"] = {"huey": None, "bound": {}}

    @staticmethod
    def _connect(app: Flask) -> Any:
        # Huey (with redis and psycopg) loads here, on the first enqueue or in the worker, not
        # with every `flask` command and web worker.
        from huey import RedisHuey, SqliteHuey

        url = app.config["QUEUE_URL"]
        if url.startswith(("redis://", "rediss://", "unix://")):
            from redis import ConnectionPool

            # Timeouts, so an unreachable Redis fails an enqueue in seconds instead of hanging the
            # request (the row is stored; the workers' sweep enqueues it later); the socket's above
            # read_timeout, the consumer's blocking pop.
            pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=5)
            return RedisHuey("academy", connection_pool=pool, results=False, utc=True, blocking=True, read_timeout=1)
        path = url.removeprefix("sqlite:///") if url else str(app.config["INSTANCE_DIR"] / "queue.db")
        return SqliteHuey("academy", filename=path, results=False, utc=True, timeout=10)

    def huey(self, app: Flask | None = None) -> Any:
        """This app's Huey with every registered task bound (what a consumer runs)."""
        app = app or current_app._get_current_object()
        state = app.extensions["task_queue"]
        with self._binding:
            if state["huey"] is None:
                state["huey"] = self._connect(app)
            for name, fn in self._tasks.items():
                if name not in state["bound"]:
                    state["bound"][name] = self._bind(state["huey"], app, name, fn)
        return state["huey"]

    def _bind(self, huey: Any, app: Flask, name: str, fn: Callable[..., Any]) -> Any:
        from huey import crontab

        # Periodic tasks are bound with their schedule (huey.read_periodic says what is due at a
        # time), but no consumer runs Huey's scheduler for them: it would enqueue them in every
        # worker, checking once a minute counted from its start. lms.operations.tasks enqueues
        # each slot and runs it once across workers instead.
        short, schedule = name.rsplit(".", 1)[-1], self._schedules.get(name)
        decorate = huey.periodic_task(crontab(**schedule), name=short) if schedule else huey.task(name=short)
        return decorate(_in_context(app, fn))

    def enqueue(self, fn: Callable[..., Any], *args: Any) -> None:
        """Put one call of a registered task on the queue."""
        self.huey()
        current_app.extensions["task_queue"]["bound"][f"{fn.__module__}.{fn.__name__}"](*args)

    def waiting(self, fn: Callable[..., Any]) -> set[tuple[Any, ...]]:
        """The arguments of every call of a registered task now on the queue (or scheduled):
        what a sweep compares with the work the database says is waiting."""
        huey = self.huey()
        task = current_app.extensions["task_queue"]["bound"][f"{fn.__module__}.{fn.__name__}"].task_class
        name = f"{task.__module__}.{task.__name__}"  # the name Huey writes in each message
        found = set()
        for data in (*huey.storage.enqueued_items(), *huey.storage.scheduled_items()):
            try:
                message = huey.serializer.deserialize(data)
            except Exception:  # a message no one can read is no call of ours
                continue
            if message.name == name:
                found.add(tuple(message.args))
        return found


def _in_context(app: Flask, fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def run(*args: Any) -> Any:
        with app.app_context():
            return fn(*args)

    return run


queue = TaskQueue()
