"""A small world for report tests: two teams with their managers, learners at every stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lms.accounts import services as accounts
from lms.accounts.models import Team, User
from lms.catalog.models import Course
from lms.extensions import db
from lms.learning import services as learning
from lms.reports import tokens
from tests.conftest import FIXTURES
from tests.factories import item, load_fixture_courses, login, make_user


@dataclass
class World:
    basics: Course
    nxt: Course
    manager: User
    other_manager: User
    admin: User
    learner: User
    team_a: Team
    team_b: Team
    alice: User
    bob: User
    carol: User
    dave: User


def complete_basics(user: User, course: Course, *, assignment=(4, 5), exam=(90, 100)) -> None:
    """Every item of python-basics done, a graded assignment (twice) and an exam."""
    learning.enroll(user.id, course)
    learning.complete_lesson(user.id, item("01-hello"))
    learning.complete_lesson(user.id, item("02-more"))
    learning.submit_quiz(user.id, item("basics"), {"print": [1], "types": [0]})  # a failed try first
    learning.submit_quiz(user.id, item("basics"), {"print": [0], "types": [0, 1]})
    learning.record_event(user.id, course.id, "assignment_graded", item_id=item("add").id, score=2, max_score=5)
    learning.record_event(
        user.id, course.id, "assignment_graded", item_id=item("add").id, score=assignment[0], max_score=assignment[1]
    )
    learning.record_event(user.id, course.id, "exam_submitted", score=exam[0], max_score=exam[1])


def build_world(alice_name: str = "Alice Archer") -> World:
    """Team A (manager): alice completed basics, bob in progress, carol not started in next.
    Team B (other_manager): dave completed basics. All through the real services (and receivers)."""
    courses = load_fixture_courses(FIXTURES / "courses")
    basics, nxt = courses["python-basics"], courses["python-next"]
    manager = make_user("manager", "mia@example.com", "Mia Manager")
    other = make_user("manager", "omar@example.com", "Omar Other")
    admin = make_user("admin", "ada@example.com", "Ada Admin")
    learner = make_user("learner", "lee@example.com", "Lee Learner")
    alice = make_user("learner", "alice@example.com", alice_name)
    bob = make_user("learner", "bob@example.com", "Bob Baker")
    carol = make_user("learner", "carol@example.com", "Carol Clark")
    dave = make_user("learner", "dave@example.com", "Dave Dunn")
    team_a, team_b = accounts.get_or_create_team("Team A"), accounts.get_or_create_team("Team B")
    accounts.add_manager(team_a, manager)
    accounts.add_manager(team_b, other)
    accounts.add_members(team_a, [alice, bob, carol])
    accounts.add_members(team_b, [dave])
    complete_basics(alice, basics)
    learning.enroll(bob.id, basics)
    learning.complete_lesson(bob.id, item("01-hello"))
    learning.enroll(carol.id, nxt)
    complete_basics(dave, basics, assignment=(5, 5), exam=(50, 100))
    db.session.commit()
    return World(basics, nxt, manager, other, admin, learner, team_a, team_b, alice, bob, carol, dave)


def login_as(client, user: User):
    response = login(client, user.email)
    assert response.status_code == 302, response.data[:300]
    return client


def token_for(user: User) -> str:
    _token, secret = tokens.create_token(user, "tests")
    db.session.commit()
    return secret


def today() -> str:
    return datetime.now(UTC).date().isoformat()
