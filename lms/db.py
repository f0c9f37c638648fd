"""Declarative base with a constraint naming convention, and shared column helpers (UTC times)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, MetaData, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The moment `clock_at` sets for the code it runs (None: the real clock).
_clock: ContextVar[datetime | None] = ContextVar("academy_clock", default=None)


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware: the real clock, or the moment `clock_at` set in this context."""
    return _clock.get() or datetime.now(UTC)


def insert_for(bind: Engine | Connection) -> Any:
    """The INSERT construct of `bind`'s database that has ON CONFLICT (PostgreSQL's or SQLite's:
    both spell it the same way), for writes that must do nothing or update when the row exists."""
    return postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the real services as if it were `moment`: every time they stamp with `utcnow` (column
    defaults, deadlines, events) is this one. `flask demo cohort` replays weeks of activity so."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to clock_at")
    token = _clock.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _clock.reset(token)


@contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Run migrations on SQLite with foreign keys off, as SQLite's ALTER TABLE procedure requires:
    a batch migration recreates a table (copy, DROP, rename), and dropping `users` with foreign keys
    on would run every ON DELETE CASCADE that points at it. The pragma is ignored inside a
    transaction, so it is set between transactions; `check_foreign_keys` then refuses a migration
    that left rows pointing nowhere. Other databases: nothing to do."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.commit()
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()  # nothing is left open: the migrations committed or failed
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def check_foreign_keys(connection: Connection) -> None:
    """Inside the migration's transaction (SQLite): fail it if a row references a missing one."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left {len(broken)} row(s) referencing missing rows: {broken[:5]}")


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
