"""Helpers for the recommend tests: the fixture catalog and quiz answers."""

from __future__ import annotations

from lms.catalog.models import Course
from lms.extensions import db
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses

RIGHT = {"print": [0], "types": [0, 1]}
WRONG = {"print": [1], "types": [2]}


def load_catalog() -> dict[str, Course]:
    return load_fixture_courses(FIXTURES / "courses")


def quick_learners(n: int) -> list[int]:
    """Learners without a usable password (hashing 40 passwords would take most of the test)."""
    from lms.accounts.models import User

    users = [User(email=f"sim{k}@example.com", password_hash="!", display_name=f"Sim {k}") for k in range(n)]
    db.session.add_all(users)
    db.session.flush()
    return [u.id for u in users]
