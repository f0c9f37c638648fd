"""Demo accounts for a first run, and a large synthetic population for benchmarks."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from lms.accounts import services as accounts
from lms.accounts.models import Team, User, team_managers, team_members
from lms.catalog.models import Course, Item, Module, Tag, course_tags
from lms.db import utcnow
from lms.demo.models import DemoLoad
from lms.developers.models import DeveloperProfile
from lms.extensions import db
from lms.learning.models import Enrollment, LearningEvent, LearningEventKind
from lms.notifications.models import EmailState, Notification, NotificationKind

DEMO_ACCOUNTS = (
    ("admin@academy.test", "Ada Admin", "admin"),
    ("instructor@academy.test", "Ivan Instructor", "instructor"),
    ("manager@academy.test", "Mia Manager", "manager"),
    ("learner@academy.test", "Lee Learner", "learner"),
)
DEMO_TEAM = "Platform team"


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo accounts that are missing; return (email, role, password) of new ones."""
    created = []
    for email, name, role in DEMO_ACCOUNTS:
        if accounts.find_user(email) is None:
            password = secrets.token_urlsafe(9)
            accounts.create_user(email, password, name, role=role)
            created.append((email, role, password))
    if created:
        team = accounts.get_or_create_team(DEMO_TEAM)
        manager, learner = accounts.find_user("manager@academy.test"), accounts.find_user("learner@academy.test")
        assert manager is not None and learner is not None  # demo accounts: created above if missing
        accounts.add_manager(team, manager)
        accounts.add_members(team, [learner])
    return created


def demo_user(role: str) -> User:
    """The demo account of a role (learner, instructor, manager, admin): ensure_demo_accounts first."""
    email = next(email for email, _name, account_role in DEMO_ACCOUNTS if account_role == role)
    user = accounts.find_user(email)
    if user is None:
        raise LookupError(f"the demo account {email} is missing")
    return user


def demo_load(name: str) -> DemoLoad | None:
    """The marker of a demo data set loaded into this database, if it was."""
    return db.session.get(DemoLoad, name)


def start_load(name: str) -> DemoLoad:
    """Write the marker before loading: a load that stops part-way is not loaded again on top."""
    load = DemoLoad(name=name, started_at=utcnow(), counts={})
    db.session.add(load)
    db.session.flush()
    return load


def finish_load(load: DemoLoad, counts: dict[str, int]) -> None:
    """Mark the load complete with what it made."""
    load.finished_at, load.counts = utcnow(), counts
    db.session.flush()


def seed_population(
    learners: int, courses: int, events: int, *, notifications: int = 0, rng_seed: int = 7
) -> dict[str, int]:
    """Bulk-insert learners, synthetic courses and events (Core inserts: minutes would be hours), and
    `notifications` unread ones per learner (already mailed: nothing is queued)."""
    rng = random.Random(rng_seed)
    password_hash = accounts.hash_password("bench-password-123")
    now = datetime.now(UTC)
    tag_ids = _ensure_tags(["bench", "llm", "rag", "eval", "gpu", "api"])
    existing = db.session.execute(select(func.count()).select_from(Course)).scalar_one()
    course_items: dict[int, list[int]] = {}
    for n in range(existing, max(courses, existing)):
        course = Course(
            slug=f"bench-course-{n:03d}",
            title=f"Practice course {n:03d}",
            summary="Synthetic course for benchmarks.",
            tier=("beginner", "intermediate", "advanced")[n % 3],
            estimated_hours=3,
            content_hash="synthetic",
        )
        db.session.add(course)
        db.session.flush()
        db.session.execute(insert(course_tags), [{"course_id": course.id, "tag_id": t} for t in rng.sample(tag_ids, 2)])
        for m in range(3):
            module = Module(course_id=course.id, slug=f"m{m}", title=f"Module {m + 1}", position=m, skills=["bench"])
            db.session.add(module)
            db.session.flush()
            for i in range(4):
                kind = "lesson" if i < 3 else "quiz"
                db.session.add(
                    Item(
                        course_id=course.id,
                        module_id=module.id,
                        kind=kind,
                        slug=f"m{m}-i{i}",
                        title=f"Step {m + 1}.{i + 1}",
                        position=i,
                        body_html="<p>Synthetic lesson.</p>",
                        data={"questions": []} if kind == "quiz" else {},
                    )
                )
    db.session.flush()
    for course_id, item_id in db.session.execute(select(Item.course_id, Item.id).where(Item.archived_at.is_(None))):
        course_items.setdefault(course_id, []).append(item_id)
    course_ids = sorted(course_items)

    first_user = db.session.execute(select(func.coalesce(func.max(User.id), 0))).scalar_one() + 1
    users = [
        {
            "email": f"learner{first_user + k}@bench.test",
            "password_hash": password_hash,
            "display_name": f"Learner {first_user + k}",
            "certificate_name": "",
            "timezone": "UTC",
            "role": "learner",
            "active": True,
            "created_at": now,
        }
        for k in range(learners)
    ]
    for chunk in _chunks(users, 2000):
        db.session.execute(insert(User), chunk)
    user_ids = list(db.session.scalars(select(User.id).where(User.id >= first_user).order_by(User.id)))
    # The population has met the optional profile step (issue 18): their dashboards are dashboards.
    for chunk in _chunks([{"user_id": uid, "asked_at": now, "updated_at": now} for uid in user_ids], 2000):
        db.session.execute(insert(DeveloperProfile), chunk)
    team_rows = _bench_teams(user_ids)

    per_user = max(events // max(len(user_ids), 1), 1)
    enrollments, event_rows = [], []
    for uid in user_ids:
        picked = rng.sample(course_ids, min(len(course_ids), max(1, per_user // 12)))
        for cid in picked:
            enrolled_at = now - timedelta(days=rng.randint(1, 365))
            enrollments.append({"user_id": uid, "course_id": cid, "enrolled_at": enrolled_at})
            event_rows.append(
                {
                    "user_id": uid,
                    "course_id": cid,
                    "item_id": None,
                    "kind": LearningEventKind.ENROLLED,
                    "occurred_at": enrolled_at,
                }
            )
        budget = per_user - len(picked)
        for k in range(budget):
            cid = picked[k % len(picked)]
            item_id = rng.choice(course_items[cid])
            event_rows.append(
                {
                    "user_id": uid,
                    "course_id": cid,
                    "item_id": item_id,
                    "kind": LearningEventKind.LESSON_COMPLETED,
                    "occurred_at": now - timedelta(minutes=rng.randint(1, 500_000)),
                }
            )
        if len(event_rows) >= 20_000:
            flush_rows(enrollments, event_rows)
            enrollments, event_rows = [], []
    flush_rows(enrollments, event_rows)
    seed_notifications(user_ids, notifications, now)
    return {"learners": len(user_ids), "courses": len(course_ids), "teams": team_rows}


def seed_notifications(user_ids: list[int], per_user: int, now: datetime) -> int:
    """`per_user` unread announcements for each of these learners, marked as mailed (the bell has
    something to count on every page; the worker has nothing to send). Returns how many."""
    rows = [
        {
            "user_id": uid,
            "kind": NotificationKind.ANNOUNCEMENT.value,
            "key": f"bench:{k}",
            "subject": {"title": f"Practice notice {k + 1}", "url": "/dashboard"},
            "context": {"author": "Academy", "body": "Synthetic notification for benchmarks."},
            "created_at": now - timedelta(hours=k),
            "email_state": EmailState.SENT.value,
            "attempts": 1,
            "sent_at": now - timedelta(hours=k),
        }
        for uid in user_ids
        for k in range(per_user)
    ]
    for chunk in _chunks(rows, 5000):
        db.session.execute(insert(Notification), chunk)
    return len(rows)


def flush_rows(enrollments: list[dict], events: list[dict]) -> int:
    """Bulk-insert enrollment and event rows (Core inserts); returns the number of events."""
    if enrollments:
        db.session.execute(insert(Enrollment), enrollments)
    if events:
        db.session.execute(insert(LearningEvent), events)
    return len(events)


def _bench_teams(user_ids: list[int], size: int = 500) -> int:
    """Teams of `size` learners, managed by the demo manager when there is one."""
    manager = accounts.find_user("manager@academy.test")
    count = 0
    for start in range(0, len(user_ids), size):
        team = Team(name=f"Bench team {user_ids[start]}")
        db.session.add(team)
        db.session.flush()
        db.session.execute(
            insert(team_members), [{"team_id": team.id, "user_id": u} for u in user_ids[start : start + size]]
        )
        if manager:
            db.session.execute(insert(team_managers), [{"team_id": team.id, "user_id": manager.id}])
        count += 1
    return count


def _ensure_tags(names: list[str]) -> list[int]:
    ids = []
    for name in names:
        tag = db.session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
            db.session.flush()
        ids.append(tag.id)
    return ids


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
