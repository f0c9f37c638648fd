"""Demo accounts for a first run, and a large synthetic population for benchmarks."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from certificates.data import new_certificate_id
from lms.accounts import services as accounts
from lms.accounts.models import Team, User, team_managers, team_members
from lms.catalog.models import Course, Item, Module, Tag, course_tags
from lms.certification.models import Certificate
from lms.db import utcnow
from lms.demo.models import DemoLoad
from lms.developers.models import DeveloperInterest, DeveloperProfile
from lms.extensions import db
from lms.feedback.models import FEEDBACK_CATEGORIES, PRIORITIES, FeedbackItem, Survey, SurveyResponse
from lms.feedback.surveys import respondent_key
from lms.learning.models import Enrollment, LearningEvent, LearningEventKind
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.workshops.models import Registration, Workshop, WorkshopSession

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


@dataclass(frozen=True)
class Extras:
    """What the programme benchmark adds to the population (issue 18); the defaults add nothing.

    `days` spreads sign-ups and everything after them over that many days, so that a period and the
    one before it both have data (450 days: a year and its previous quarter)."""

    profiles: float = 0.0  # share of the new learners with a developer profile and interests
    feedback: int = 0  # feedback hub items, from the new learners
    certificates: bool = False  # a course certificate for every finished enrolment
    surveys: float = 0.0  # share of finished enrolments that answered the course survey
    registrations: int = 0  # workshop registrations over synthetic workshops' sessions
    survey_secret: str = "bench"  # the app's SECRET_KEY: respondent keys as the survey page computes them
    days: int = 365


def seed_population(
    learners: int,
    courses: int,
    events: int,
    *,
    notifications: int = 0,
    rng_seed: int = 7,
    extras: Extras = Extras(),
) -> dict[str, int]:
    """Bulk-insert learners, synthetic courses and events (Core inserts: minutes would be hours), and
    `notifications` unread ones per learner (already mailed: nothing is queued).

    Learners sign up over `extras.days`; each enrols in a few courses after signing up and walks
    their items in order (some to the end: a finished enrolment), then revisits done items until
    `events // learners` events are spent."""
    rng = random.Random(rng_seed)
    password_hash = accounts.hash_password("bench-password-123")
    now = datetime.now(UTC)
    course_items = _bench_courses(courses, rng)
    course_ids = sorted(course_items)

    first_user = db.session.execute(select(func.coalesce(func.max(User.id), 0))).scalar_one() + 1
    span = timedelta(days=extras.days).total_seconds()
    signed_up = [now - timedelta(seconds=rng.random() * span) for _ in range(learners)]
    users = [
        {
            "email": f"learner{first_user + k}@bench.test",
            "password_hash": password_hash,
            "display_name": f"Learner {first_user + k}",
            "certificate_name": "",
            "timezone": "UTC",
            "role": "learner",
            "active": True,
            "created_at": signed_up[k],
        }
        for k in range(learners)
    ]
    for chunk in _chunks(users, 2000):
        db.session.execute(insert(User), chunk)
    user_ids = list(db.session.scalars(select(User.id).where(User.id >= first_user).order_by(User.id)))
    team_rows = _bench_teams(user_ids)

    per_user = max(events // max(len(user_ids), 1), 1)
    enrollments: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    finished: list[tuple[int, int, datetime]] = []  # (user, course, when the last item was done)
    for uid, joined in zip(user_ids, signed_up, strict=True):
        picked = rng.sample(course_ids, min(len(course_ids), max(1, per_user // 12)))
        budget = per_user - len(picked)
        for position, cid in enumerate(picked):
            enrolled_at = joined + (now - joined) * rng.random() ** 2
            enrollments.append({"user_id": uid, "course_id": cid, "enrolled_at": enrolled_at})
            event_rows.append(_event_row(uid, cid, None, LearningEventKind.ENROLLED, enrolled_at))
            items = course_items[cid]
            share = budget // (len(picked) - position)
            target = len(items) if rng.random() < 0.35 else rng.randint(0, len(items) - 1)
            when, done = enrolled_at, []
            for item_id in items[: min(target, share)]:
                when += timedelta(minutes=rng.randint(20, 3 * 24 * 60))
                if when >= now:
                    break
                event_rows.append(_event_row(uid, cid, item_id, LearningEventKind.LESSON_COMPLETED, when))
                done.append(item_id)
            budget -= len(done)
            if len(done) == len(items):
                finished.append((uid, cid, when))
            revisits = budget // (len(picked) - position) if position < len(picked) - 1 else budget
            for _ in range(revisits):
                again = when + (now - when) * rng.random()
                item_id = rng.choice(done or items[:1])
                event_rows.append(_event_row(uid, cid, item_id, LearningEventKind.LESSON_COMPLETED, again))
            budget -= revisits
        if len(event_rows) >= 20_000:
            flush_rows(enrollments, event_rows)
            enrollments, event_rows = [], []
    flush_rows(enrollments, event_rows)
    seed_notifications(user_ids, notifications, now)
    counts = {"learners": len(user_ids), "courses": len(course_ids), "teams": team_rows}
    return counts | _seed_extras(extras, user_ids, signed_up, course_ids, finished, rng, now)


def _bench_courses(courses: int, rng: random.Random) -> dict[int, list[int]]:
    """Synthetic courses up to `courses` in all (3 modules of 3 lessons and a quiz); items per course, in order."""
    tag_ids = _ensure_tags(list(BENCH_TAGS))
    existing = db.session.execute(select(func.count()).select_from(Course)).scalar_one()
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
    course_items: dict[int, list[int]] = {}
    for course_id, item_id in db.session.execute(
        select(Item.course_id, Item.id)
        .where(Item.archived_at.is_(None))
        .order_by(Item.course_id, Item.module_id, Item.position)
    ):
        course_items.setdefault(course_id, []).append(item_id)
    return course_items


def _seed_extras(
    extras: Extras,
    user_ids: list[int],
    signed_up: list[datetime],
    course_ids: list[int],
    finished: list[tuple[int, int, datetime]],
    rng: random.Random,
    now: datetime,
) -> dict[str, int]:
    # Every learner has met the optional profile step (their dashboards are dashboards); `profiles`
    # of them answered it.
    counts = {"profiles": seed_profiles(user_ids, signed_up, extras.profiles, rng)}
    if extras.certificates:
        counts["certificates"] = seed_certificates(finished)
    if extras.surveys:
        counts["survey_responses"] = seed_survey_responses(finished, extras.surveys, extras.survey_secret, rng, now)
    if extras.feedback:
        counts["feedback_items"] = seed_feedback(user_ids, course_ids, extras.feedback, extras.days, rng, now)
    if extras.registrations:
        counts["registrations"] = seed_registrations(user_ids, extras.registrations, extras.days, rng, now)
    return counts


BENCH_TAGS = ("bench", "llm", "rag", "eval", "gpu", "api")
_TYPES = ("internal", "partner", "external", "academic", "student")
_TYPE_WEIGHTS = (25, 20, 35, 8, 12)
_ORGANISATIONS = ("Acme Cloud", "Northwind", "Globex", "Initech", "Umbrella Labs", "Hooli", "")
_JOB_ROLES = ("Backend engineer", "ML engineer", "Data scientist", "Frontend engineer", "SRE", "Student", "")
_LANGUAGES = ("Python", "Go", "Rust", "TypeScript", "Java", "C++", "")
_STACKS = ("PyTorch", "Kubernetes", "Django", "React", "Spark", "CUDA", "")
_COUNTRIES = ("US", "DE", "FR", "GB", "IN", "CN", "BR", "JP", "NG", "CA")


def seed_profiles(user_ids: list[int], signed_up: list[datetime], share: float, rng: random.Random) -> int:
    """The profile step met at sign-up by every learner: `share` of them answered it (one to three
    interests), the others skipped it. Returns how many answered."""
    profiles: list[dict[str, Any]] = []
    interests: list[dict[str, Any]] = []
    skipped = dict.fromkeys(("developer_type", "years_experience", "country"))
    skipped.update(dict.fromkeys(("organisation", "job_role", "main_language", "stack"), ""))
    for uid, joined in zip(user_ids, signed_up, strict=True):
        if rng.random() >= share:
            profiles.append({"user_id": uid, **skipped, "asked_at": joined, "updated_at": joined})
            continue
        profiles.append(
            {
                "user_id": uid,
                "developer_type": rng.choices(_TYPES, _TYPE_WEIGHTS)[0],
                "organisation": rng.choice(_ORGANISATIONS),
                "job_role": rng.choice(_JOB_ROLES),
                "main_language": rng.choice(_LANGUAGES),
                "stack": rng.choice(_STACKS),
                "years_experience": rng.randint(0, 30),
                "country": rng.choice(_COUNTRIES),
                "asked_at": joined,
                "updated_at": joined,
            }
        )
        interests += [{"user_id": uid, "tag": tag} for tag in rng.sample(BENCH_TAGS, rng.randint(1, 3))]
    for chunk in _chunks(profiles, 5000):
        db.session.execute(insert(DeveloperProfile), chunk)
    for chunk in _chunks(interests, 10_000):
        db.session.execute(insert(DeveloperInterest), chunk)
    return sum(1 for row in profiles if row["developer_type"] is not None)


def seed_certificates(finished: list[tuple[int, int, datetime]]) -> int:
    """A course certificate for each finished enrolment, issued when its last item was done (no PDF yet)."""
    slugs = dict(db.session.execute(select(Course.id, Course.slug)).all())
    titles = dict(db.session.execute(select(Course.id, Course.title)).all())
    rows = [
        {
            "public_id": new_certificate_id(),
            "user_id": uid,
            "kind": "course",
            "subject": f"course:{slugs[cid]}",
            "course_id": cid,
            "title": titles[cid],
            "learner_name": f"Learner {uid}",
            "issued_at": when,
        }
        for uid, cid, when in finished
    ]
    for chunk in _chunks(rows, 5000):
        db.session.execute(insert(Certificate), chunk)
    return len(rows)


def seed_survey_responses(
    finished: list[tuple[int, int, datetime]], share: float, secret: str, rng: random.Random, now: datetime
) -> int:
    """Course survey answers (CSAT 1-5, NPS 0-10, mostly happy) from `share` of the finished enrolments."""
    course_surveys = select(Survey.course_id, Survey.id).where(Survey.course_id.is_not(None))
    surveys = dict(db.session.execute(course_surveys).all())
    for cid in sorted({cid for _uid, cid, _when in finished} - set(surveys)):
        survey = Survey(course_id=cid, questions=[])
        db.session.add(survey)
        db.session.flush()
        surveys[cid] = survey.id
    rows = []
    for uid, cid, when in finished:
        if rng.random() >= share:
            continue
        rows.append(
            {
                "survey_id": surveys[cid],
                "respondent_key": respondent_key(secret, surveys[cid], uid),
                "user_id": uid,
                "csat": rng.choices((1, 2, 3, 4, 5), (3, 5, 12, 40, 40))[0],
                "nps": rng.choices(range(11), (1, 1, 1, 2, 2, 4, 6, 12, 20, 25, 26))[0],
                "comment": "",
                "answers": {},
                "submitted_at": min(when + timedelta(minutes=rng.randint(1, 600)), now),
            }
        )
    for chunk in _chunks(rows, 5000):
        db.session.execute(insert(SurveyResponse), chunk)
    return len(rows)


_STATUSES = ("new", "triaged", "planned", "in_progress", "done", "declined")
_STATUS_WEIGHTS = (15, 10, 8, 7, 38, 14)


def seed_feedback(
    user_ids: list[int], course_ids: list[int], count: int, days: int, rng: random.Random, now: datetime
) -> int:
    """Feedback hub items in every category and status, answered and resolved after varied delays."""
    rows = []
    for k in range(count):
        created = now - timedelta(seconds=rng.random() * days * 86400)
        status = rng.choices(_STATUSES, _STATUS_WEIGHTS)[0]
        first = None if status == "new" else min(created + timedelta(hours=rng.expovariate(1 / 30)), now)
        resolved = None
        if status in ("done", "declined") and first is not None:
            resolved = min(first + timedelta(hours=rng.expovariate(1 / 200)), now)
        rows.append(
            {
                "category": rng.choice(FEEDBACK_CATEGORIES),
                "title": f"Synthetic feedback {k + 1}",
                "body": "Synthetic feedback for benchmarks.",
                "course_id": rng.choice(course_ids) if course_ids and rng.random() < 0.5 else None,
                "reporter_id": rng.choice(user_ids) if user_ids else None,
                "anonymous": False,
                "status": status,
                "priority": None if status == "new" else rng.choice(PRIORITIES),
                "outcome": "Fixed in the lesson." if status == "done" else "",
                "vote_count": rng.randint(0, 20),
                "source": "hub",
                "created_at": created,
                "updated_at": resolved or first or created,
                "first_response_at": first,
                "resolved_at": resolved,
            }
        )
    for chunk in _chunks(rows, 5000):
        db.session.execute(insert(FeedbackItem), chunk)
    return len(rows)


def seed_registrations(user_ids: list[int], count: int, days: int, rng: random.Random, now: datetime) -> int:
    """Six synthetic workshops with a session every two weeks over `days` (and a few ahead), and
    `count` registrations spread over them: most confirmed, two in three of the past ones attended."""
    sessions: list[tuple[int, datetime]] = []
    existing = db.session.scalar(select(func.count()).select_from(Workshop).where(Workshop.slug.like("bench-%"))) or 0
    for w in range(existing, existing + 6):
        workshop = Workshop(slug=f"bench-workshop-{w}", title=f"Practice workshop {w + 1}", tier="beginner")
        db.session.add(workshop)
        db.session.flush()
        for s in range(days // 14 + 3):
            starts = now + timedelta(days=28 - 14 * s, hours=w)
            session = WorkshopSession(
                workshop_id=workshop.id,
                key=f"s{s}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                timezone="UTC",
                online_url="https://meet.example.test/bench",
                capacity=100_000,
                registration_deadline=starts,
            )
            db.session.add(session)
            db.session.flush()
            sessions.append((session.id, starts))
    seen: set[tuple[int, int]] = set()
    rows, confirmed = [], dict.fromkeys((sid for sid, _ in sessions), 0)
    for _ in range(count):
        sid, starts = rng.choice(sessions)
        uid = rng.choice(user_ids)
        if (sid, uid) in seen:
            continue
        seen.add((sid, uid))
        registered = starts - timedelta(hours=rng.randint(1, 20 * 24))
        status = rng.choices(("confirmed", "waitlisted", "cancelled"), (85, 5, 10))[0]
        confirmed[sid] += status == "confirmed"
        attended = status == "confirmed" and starts < now and rng.random() < 0.65
        rows.append(
            {
                "session_id": sid,
                "user_id": uid,
                "status": status,
                "registered_at": registered,
                "queued_at": registered,
                "cancelled_at": registered + timedelta(hours=1) if status == "cancelled" else None,
                "attended_at": starts + timedelta(minutes=5) if attended else None,
            }
        )
    for chunk in _chunks(rows, 5000):
        db.session.execute(insert(Registration), chunk)
    for sid, seats in confirmed.items():
        db.session.execute(update(WorkshopSession).where(WorkshopSession.id == sid).values(confirmed_count=seats))
    return len(rows)


def _event_row(uid: int, cid: int, item_id: int | None, kind: str, when: datetime) -> dict[str, Any]:
    return {"user_id": uid, "course_id": cid, "item_id": item_id, "kind": kind, "occurred_at": when}


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
