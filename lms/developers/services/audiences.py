"""Who may see a course or workshop: its audience (public, signed-in, or members of named
segments and teams), plus its staff and whoever enrolled or registered before it narrowed.

The one seam every list, page, search and API answer goes through. A course or workshop a
viewer may not see does not exist for them (404, absent from lists). Membership is read from the
`segment_members` and `team_members` tables; enrolments from `enrollments` as a bare table, so
that this module imports nothing above the catalog (the catalog's CLI reports through it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, exists, func, literal, or_, select, table, union
from sqlalchemy.sql.elements import ColumnElement

from lms.accounts.models import Team, User, team_members
from lms.catalog.models import Course, CourseInstructor
from lms.developers.models import Segment, SegmentMember
from lms.extensions import db
from lms.workshops.models import Registration, Workshop, WorkshopInstructor, WorkshopSession

# learning's table, named bare: the catalog must not (even indirectly) import learning.
enrollments = table("enrollments", column("user_id"), column("course_id"))


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _admin(user: Any) -> bool:
    return _signed_in(user) and user.role == "admin"


def member_of(user: Any) -> tuple[frozenset[str], frozenset[str]]:
    """The names of the segments and teams the user belongs to, in one query."""
    if not _signed_in(user):
        return frozenset(), frozenset()
    rows = db.session.execute(
        union(
            select(literal("s").label("kind"), Segment.name)
            .join(SegmentMember, SegmentMember.segment_id == Segment.id)
            .where(SegmentMember.user_id == user.id),
            select(literal("t").label("kind"), Team.name)
            .join(team_members, team_members.c.team_id == Team.id)
            .where(team_members.c.user_id == user.id),
        )
    ).all()
    return frozenset(n for k, n in rows if k == "s"), frozenset(n for k, n in rows if k == "t")


def _in_limit(segments: list[str], teams: list[str], names: tuple[frozenset[str], frozenset[str]]) -> bool:
    return bool(names[0].intersection(segments or []) or names[1].intersection(teams or []))


def _hidden(user: Any, rows: list[Any]) -> frozenset[int]:
    """Of rows (id, audience, segments, teams, kept), the ids the user may not see; `kept` says
    the user is staff, enrolled or registered. Membership is read only when a limit decides."""
    if not _signed_in(user):
        return frozenset(r[0] for r in rows)
    undecided = [r for r in rows if r[1] == "limited" and not r[4]]
    if not undecided:
        return frozenset()
    names = member_of(user)
    return frozenset(r[0] for r in undecided if not _in_limit(r[2], r[3], names))


def _course_kept(user: Any) -> ColumnElement[bool]:
    enrolled = exists().where(enrollments.c.course_id == Course.id, enrollments.c.user_id == user.id)
    teaches = exists().where(CourseInstructor.course_id == Course.id, CourseInstructor.email == user.email)
    return or_(enrolled, teaches)


def _course_rows(user: Any, *, restricted_only: bool) -> list[Any]:
    """(id, audience, segments, teams, kept) of live courses, in one query; `kept` says the user
    teaches the course or enrolled in it (also before it narrowed, also after leaving)."""
    kept = _course_kept(user) if _signed_in(user) else literal(False)
    stmt = select(Course.id, Course.audience, Course.audience_segments, Course.audience_teams, kept).where(
        Course.archived_at.is_(None)
    )
    if restricted_only:
        stmt = stmt.where(Course.audience != "public")
    return list(db.session.execute(stmt).all())


def hidden_course_ids(user: Any) -> frozenset[int]:
    """Ids of live courses the user may not see: one query (two when a segment or team limit
    decides). Empty for admins and for a catalog where every course is public."""
    if _admin(user):
        return frozenset()
    return _hidden(user, _course_rows(user, restricted_only=True))


def hidden_course_slugs(user: Any) -> frozenset[str]:
    """Slugs of the live courses the user may not see (tracks name their courses by slug)."""
    hidden = hidden_course_ids(user)
    if not hidden:
        return frozenset()
    return frozenset(db.session.scalars(select(Course.slug).where(Course.id.in_(hidden))))


def visible_course_ids(user: Any) -> set[int]:
    """Ids of the live courses the user may see: one query (two when a segment or team limit
    decides)."""
    if _admin(user):
        return set(db.session.scalars(select(Course.id).where(Course.archived_at.is_(None))))
    rows = _course_rows(user, restricted_only=False)
    hidden = _hidden(user, [r for r in rows if r[1] != "public"])
    return {r[0] for r in rows} - hidden


def teaches_course(user: Any, course: Course) -> bool:
    """Staff of a course: admins and its instructors (named by e-mail in course.yml)."""
    if not _signed_in(user):
        return False
    return _admin(user) or any(i.email == user.email for i in course.instructors)


def may_see_course(user: Any, course: Course) -> bool:
    """Whether the course exists for this viewer (list, page, item, search, API)."""
    if course.audience == "public":
        return True
    if not _signed_in(user):
        return False
    if course.audience == "signed_in" or teaches_course(user, course):
        return True
    enrolled = db.session.scalar(
        select(literal(True)).where(enrollments.c.course_id == course.id, enrollments.c.user_id == user.id)
    )
    return bool(enrolled) or _in_limit(course.audience_segments, course.audience_teams, member_of(user))


def visible_course(user: Any, slug: str) -> Course | None:
    """A live course by slug, or None when it does not exist for this viewer (answer 404)."""
    course = db.session.scalar(select(Course).where(Course.slug == slug, Course.archived_at.is_(None)))
    return course if course is not None and may_see_course(user, course) else None


def _registered(user_id: Any) -> ColumnElement[bool]:
    return exists().where(
        Registration.user_id == user_id,
        Registration.status != "cancelled",
        WorkshopSession.id == Registration.session_id,
        WorkshopSession.workshop_id == Workshop.id,
    )


def hidden_workshop_ids(user: Any) -> frozenset[int]:
    """Ids of live workshops the user may not see (as `hidden_course_ids`)."""
    if _admin(user):
        return frozenset()
    if _signed_in(user):
        teaches = exists().where(WorkshopInstructor.workshop_id == Workshop.id, WorkshopInstructor.email == user.email)
        kept: Any = or_(teaches, _registered(user.id))
    else:
        kept = literal(False)
    rows = db.session.execute(
        select(Workshop.id, Workshop.audience, Workshop.audience_segments, Workshop.audience_teams, kept).where(
            Workshop.archived_at.is_(None), Workshop.audience != "public"
        )
    ).all()
    return _hidden(user, list(rows))


def may_see_workshop(user: Any, workshop: Workshop) -> bool:
    """Whether the workshop exists for this viewer: its audience, its instructors, admins, and
    whoever registered for one of its sessions before the audience narrowed."""
    if workshop.audience == "public":
        return True
    if not _signed_in(user):
        return False
    if workshop.audience == "signed_in" or _admin(user) or user.email in workshop.instructor_emails:
        return True
    registered = db.session.scalar(select(literal(True)).where(_registered(user.id), Workshop.id == workshop.id))
    return bool(registered) or _in_limit(workshop.audience_segments, workshop.audience_teams, member_of(user))


@dataclass(frozen=True)
class AudienceCheck:
    """What an audience means today: names nobody has made yet, and how many people already in
    (enrolled or registered) stand outside it and keep their access."""

    unknown_segments: list[str]
    unknown_teams: list[str]
    kept_outside: int


def unknown_names(segments: list[str], teams: list[str]) -> tuple[list[str], list[str]]:
    """The segment and team names that no segment or team carries (yet)."""
    known_segments = (
        set(db.session.scalars(select(Segment.name).where(Segment.name.in_(segments)))) if segments else set()
    )
    known_teams = set(db.session.scalars(select(Team.name).where(Team.name.in_(teams)))) if teams else set()
    return [n for n in segments if n not in known_segments], [n for n in teams if n not in known_teams]


def _outside(people: Any, audience: str, segments: list[str], teams: list[str]) -> int:
    """How many of `people` (a select of user ids) the audience alone would leave out."""
    if audience != "limited":
        return 0
    inside: list[Any] = [User.role == "admin"]
    if segments:
        inside.append(
            exists().where(
                SegmentMember.user_id == User.id, SegmentMember.segment_id == Segment.id, Segment.name.in_(segments)
            )
        )
    if teams:
        inside.append(
            exists().where(team_members.c.user_id == User.id, team_members.c.team_id == Team.id, Team.name.in_(teams))
        )
    return db.session.scalar(select(func.count()).select_from(User).where(User.id.in_(people), ~or_(*inside))) or 0


def check_course_audience(course: Course) -> AudienceCheck:
    """The course's stored audience, checked (for `flask courses sync`)."""
    segments, teams = unknown_names(course.audience_segments or [], course.audience_teams or [])
    people = select(enrollments.c.user_id).where(enrollments.c.course_id == course.id)
    staff = select(User.id).where(
        User.email.in_(select(CourseInstructor.email).where(CourseInstructor.course_id == course.id))
    )
    kept = _outside(people.except_(staff), course.audience, course.audience_segments, course.audience_teams)
    return AudienceCheck(segments, teams, kept)


def check_workshop_audience(
    workshop_id: int | None, audience: str, segments: list[str], teams: list[str]
) -> AudienceCheck:
    """A workshop's audience (stored or about to be saved), checked (for the form and the CLI)."""
    unknown_segments, unknown_teams = unknown_names(segments, teams)
    if workshop_id is None:
        return AudienceCheck(unknown_segments, unknown_teams, 0)
    people = (
        select(Registration.user_id)
        .join(WorkshopSession, WorkshopSession.id == Registration.session_id)
        .where(WorkshopSession.workshop_id == workshop_id, Registration.status != "cancelled")
    )
    return AudienceCheck(unknown_segments, unknown_teams, _outside(people, audience, segments, teams))
