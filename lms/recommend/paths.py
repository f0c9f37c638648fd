"""Assigned learning paths: made by managers and instructors, shown first to the learners they target.

Who may assign: instructors and admins to any team or learner; managers only to the teams
they manage (Team.managers) and to members of those teams. Reports read PathItem.due_at with
the learner's course progress to flag overdue items (see `learner_paths`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Team, User, team_members
from lms.catalog.models import Course
from lms.db import utcnow
from lms.developers.services import audiences
from lms.errors import UserError
from lms.extensions import db
from lms.learning.services import CourseStatus, progress_for
from lms.localtime import to_utc
from lms.recommend import ranking
from lms.recommend.models import LearningPath, PathAssignment, PathItem


class PathError(UserError):
    """A path or assignment that cannot be accepted; the message is for people."""


class NotAllowed(PermissionError):
    """The actor may not see or change this path or target."""


def can_manage_paths(actor: User) -> bool:
    return actor.has_role("instructor", "manager")


def create_path(actor: User, title: str, description: str, steps: list[tuple[Course, datetime | None]]) -> LearningPath:
    """A new path of ordered courses with due dates (UTC); a course appears once."""
    if not can_manage_paths(actor):
        raise NotAllowed
    if not steps:
        raise PathError(_l("Add at least one course to the path."))
    if len({c.id for c, _ in steps}) != len(steps):
        raise PathError(_l("A course appears twice in the path."))
    path = LearningPath(title=title.strip(), description=description.strip(), created_by_id=actor.id)
    path.items = [PathItem(course_id=c.id, position=n, due_at=due) for n, (c, due) in enumerate(steps)]
    db.session.add(path)
    db.session.flush()
    return path


def course_choices() -> list[Course]:
    """Live courses a path can contain."""
    return list(db.session.scalars(select(Course).where(Course.archived_at.is_(None)).order_by(Course.title)))


def create_path_from_form(
    actor: User, title: str, description: str, rows: list[tuple[str | None, date | None]]
) -> LearningPath:
    """Like create_path, from (course slug, due date) rows; blank rows are skipped, a date is due at
    the end of that day in the actor's time zone (23:59:59 there, stored UTC)."""
    courses = {c.slug: c for c in course_choices()}
    steps = []
    for slug, due in rows:
        if not slug:
            if due:
                raise PathError(_l("A due date needs a course on the same row."))
            continue
        if slug not in courses:
            raise PathError(_l("One of the courses does not exist."))
        steps.append((courses[slug], to_utc(datetime.combine(due, time(23, 59, 59)), actor.timezone) if due else None))
    return create_path(actor, title, description, steps)


def team_by_id(team_id: int) -> Team | None:
    return db.session.get(Team, team_id)


def _sees_every_path(actor: User) -> bool:
    """Instructors and admins see every path, managers only their own; anyone else: NotAllowed."""
    if not can_manage_paths(actor):
        raise NotAllowed
    return actor.has_role("instructor")


def visible_paths(actor: User) -> list[LearningPath]:
    """Paths the actor may assign: all for instructors and admins, their own for managers."""
    stmt = select(LearningPath).options(selectinload(LearningPath.items)).order_by(LearningPath.created_at.desc())
    if not _sees_every_path(actor):
        stmt = stmt.where(LearningPath.created_by_id == actor.id)
    return list(db.session.scalars(stmt))


def _may_see(actor: User, path: LearningPath) -> bool:
    """visible_paths' rule for one path."""
    return can_manage_paths(actor) and (actor.has_role("instructor") or path.created_by_id == actor.id)


def _check_visible(actor: User, path: LearningPath) -> None:
    if not _may_see(actor, path):
        raise NotAllowed


def visible_path(actor: User, path_id: int) -> LearningPath | None:
    """A path the actor may see and assign (None for any other id, as for a missing one)."""
    path = db.session.get(LearningPath, path_id)
    return path if path is not None and _may_see(actor, path) else None


def assignable_teams(actor: User) -> list[Team]:
    """Teams the actor may assign to."""
    if actor.has_role("instructor"):
        return list(db.session.scalars(select(Team).order_by(Team.name)))
    return sorted(actor.managed_teams, key=lambda t: t.name) if actor.has_role("manager") else []


def assign(actor: User, path: LearningPath, *, team: Team | None = None, learner: User | None = None) -> PathAssignment:
    """Give the path to a team or one learner, if the actor is allowed to."""
    if (team is None) == (learner is None):
        raise PathError(_l("Choose a team or a learner."))
    _check_visible(actor, path)
    if not actor.has_role("instructor"):
        managed = {t.id for t in actor.managed_teams}
        if team is not None and team.id not in managed:
            raise NotAllowed
        if learner is not None and not managed & {t.id for t in learner.teams}:
            raise NotAllowed
    target = PathAssignment.team_id == team.id if team else PathAssignment.user_id == learner.id
    existing = db.session.scalar(select(PathAssignment).where(PathAssignment.path_id == path.id, target))
    if existing:
        return existing
    assignment = PathAssignment(
        path_id=path.id,
        team_id=team.id if team else None,
        user_id=learner.id if learner else None,
        assigned_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def _assigned_paths(user_id: int) -> list[LearningPath]:
    teams = select(team_members.c.team_id).where(team_members.c.user_id == user_id)
    stmt = (
        select(LearningPath)
        .join(PathAssignment, PathAssignment.path_id == LearningPath.id)
        .where(or_(PathAssignment.user_id == user_id, PathAssignment.team_id.in_(teams)))
        .options(selectinload(LearningPath.items).selectinload(PathItem.course))
        .order_by(PathAssignment.assigned_at, LearningPath.id)
    )
    return list(dict.fromkeys(db.session.scalars(stmt)))


@dataclass(frozen=True)
class PathRow:
    course_slug: str
    course_title: str
    due_at: datetime | None
    percent: int
    done: bool  # nothing remains, the course's exam included
    overdue: bool
    exam_remaining: bool = False  # every step passed, the exam not yet


@dataclass(frozen=True)
class AssignedPath:
    id: int
    title: str
    description: str
    rows: list[PathRow]


def learner_paths(user_id: int) -> list[AssignedPath]:
    """The learner's assigned paths with progress and overdue flags (due passed, course not completed).
    A course the learner may not see (its audience) is left out: its page would answer 404."""
    found = _assigned_paths(user_id)
    user = db.session.get(User, user_id) if found else None
    hidden = audiences.hidden_course_ids(user) if user is not None else frozenset()
    progress = progress_for(user_id, {i.course_id for p in found for i in p.items})
    now = utcnow()
    out = []
    for path in found:
        rows = []
        for item in path.items:
            if item.course_id in hidden:
                continue
            prog = progress.get(item.course_id)
            status = prog.status if prog else CourseStatus.NOT_STARTED
            done = status == CourseStatus.COMPLETED
            overdue = not done and item.due_at is not None and item.due_at < now
            rows.append(
                PathRow(
                    item.course.slug,
                    item.course.title,
                    item.due_at,
                    prog.percent if prog else 0,
                    done,
                    overdue,
                    status == CourseStatus.EXAM_REMAINING,
                )
            )
        out.append(AssignedPath(path.id, path.title, path.description, rows))
    return out


def path_steps(user_id: int) -> list[ranking.PathStep]:
    """The courses of the learner's paths, in order, for the recommender (one query)."""
    teams = select(team_members.c.team_id).where(team_members.c.user_id == user_id)
    rows = db.session.execute(
        select(PathItem.course_id, LearningPath.title, PathItem.due_at)
        .join(LearningPath, LearningPath.id == PathItem.path_id)
        .join(PathAssignment, PathAssignment.path_id == LearningPath.id)
        .where(or_(PathAssignment.user_id == user_id, PathAssignment.team_id.in_(teams)))
        .order_by(PathAssignment.assigned_at, LearningPath.id, PathItem.position)
    )
    return [ranking.PathStep(course_id, title, due_at) for course_id, title, due_at in rows]
