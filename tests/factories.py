"""Plain factory functions for tests; they flush, callers commit when a request must see the data."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.catalog.content import load_courses
from lms.catalog.models import Course, Item
from lms.catalog.sync import sync_courses
from lms.db import utcnow
from lms.developers.models import DeveloperProfile
from lms.extensions import db
from lms.learning.services import enroll

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(
    role: str = "learner", email: str | None = None, name: str | None = None, profile_asked: bool = True
) -> User:
    """A user with the shared test password. A learner has already met the optional profile step
    (issue 18) unless `profile_asked=False`: otherwise their first dashboard would be that step."""
    n = next(_counter)
    user = accounts.create_user(email or f"user{n}@example.com", PASSWORD, name or f"User {n}", role=role)
    if profile_asked and role == "learner":
        met_profile_step(user)
    db.session.commit()
    return user


def met_profile_step(user: User) -> None:
    """The learner has answered or skipped the optional profile step (their dashboard is a dashboard)."""
    db.session.add(DeveloperProfile(user_id=user.id, asked_at=utcnow()))
    db.session.flush()


def quick_users(count: int) -> list[int]:
    """Learners without a usable password, for crowds that never log in (one flush, no hashing); committed."""
    start = next(_counter)
    users = [
        User(email=f"crowd{start}-{n}@example.com", password_hash="!", display_name=f"Learner {n}")
        for n in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    ids = [u.id for u in users]
    db.session.commit()
    return ids


def enrolled_learner(slug: str = "python-basics", **fields) -> User:
    """A learner (make_user's `email`, `name`) enrolled in a live course; committed."""
    user = make_user(**fields)
    enroll(user.id, catalog.get_course(slug))
    db.session.commit()
    return user


def load_fixture_courses(root: Path) -> dict[str, Course]:
    """Validate and sync a courses folder (fails the test loudly if it has problems); returns every
    course by slug."""
    result = load_courses(root)
    assert result.ok, [str(p) for p in result.problems]
    sync_courses(result.courses, archive_missing=True)
    db.session.commit()
    return {c.slug: c for c in db.session.scalars(select(Course))}


def item(slug: str) -> Item:
    """The item with this slug, in any course (the fixture courses do not repeat item slugs)."""
    return db.session.scalar(select(Item).where(Item.slug == slug))


def login(client, email: str, password: str = PASSWORD):
    """Log in through the real form."""
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=False)


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block, on every connection of the engine."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
