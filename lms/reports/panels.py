"""The team page's panels read (never written) from the certification, workshops, feedback and
recommend domains: certificates issued, workshop registrations vs attendance, CSAT/NPS and
overdue assigned paths. One aggregate query each, scoped to one team's members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from lms.accounts.models import User, team_members
from lms.catalog.models import Course
from lms.certification.models import Certificate
from lms.extensions import db
from lms.feedback.models import SurveyResponse
from lms.recommend.models import LearningPath, PathAssignment, PathItem
from lms.reports.query import not_completed
from lms.workshops.models import Registration, Workshop, WorkshopSession


def _members(team_id: int):
    return select(team_members.c.user_id).where(team_members.c.team_id == team_id)


def certificates_issued(team_id: int) -> list[tuple[str, int]]:
    """Live (unrevoked) certificates held by the team's members, per certificate title."""
    rows = db.session.execute(
        select(Certificate.title, func.count())
        .where(Certificate.user_id.in_(_members(team_id)), Certificate.revoked_at.is_(None))
        .group_by(Certificate.title)
        .order_by(func.count().desc(), Certificate.title)
    )
    return [(title, n) for title, n in rows]


def workshop_attendance(team_id: int) -> list[tuple[str, int, int]]:
    """Per workshop: the team's confirmed registrations and how many of them attended."""
    rows = db.session.execute(
        select(
            Workshop.title,
            func.sum(case((Registration.status == "confirmed", 1), else_=0)),
            func.sum(case((Registration.attended_at.is_not(None), 1), else_=0)),
        )
        .join(WorkshopSession, WorkshopSession.workshop_id == Workshop.id)
        .join(Registration, Registration.session_id == WorkshopSession.id)
        .where(Registration.user_id.in_(_members(team_id)))
        .group_by(Workshop.id, Workshop.title)
        .order_by(Workshop.title)
    )
    return [(title, int(registered or 0), int(attended or 0)) for title, registered, attended in rows]


@dataclass(frozen=True)
class Satisfaction:
    responses: int
    csat_mean: float | None
    satisfied: int  # CSAT 4 or 5
    promoters: int  # NPS 9-10
    passives: int
    detractors: int  # NPS 0-6

    @property
    def nps(self) -> int | None:
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses)

    @property
    def csat_percent(self) -> int | None:
        return round(100 * self.satisfied / self.responses) if self.responses else None


def satisfaction(team_id: int) -> Satisfaction:
    """CSAT and NPS over the team's named survey responses (anonymous ones cannot be attributed)."""
    row = db.session.execute(
        select(
            func.count(),
            func.avg(SurveyResponse.csat),
            func.sum(case((SurveyResponse.csat >= 4, 1), else_=0)),
            func.sum(case((SurveyResponse.nps >= 9, 1), else_=0)),
            func.sum(case((and_(SurveyResponse.nps >= 7, SurveyResponse.nps <= 8), 1), else_=0)),
            func.sum(case((SurveyResponse.nps <= 6, 1), else_=0)),
        ).where(SurveyResponse.user_id.in_(_members(team_id)))
    ).one()
    n, mean, satisfied, promoters, passives, detractors = row
    return Satisfaction(
        int(n),
        None if mean is None else round(float(mean), 2),
        int(satisfied or 0),
        int(promoters or 0),
        int(passives or 0),
        int(detractors or 0),
    )


@dataclass(frozen=True)
class Overdue:
    learner: str
    path: str
    course: str
    due_at: datetime


def overdue_paths(team_id: int, now: datetime, *, limit: int = 50) -> tuple[int, list[Overdue]]:
    """Courses of paths assigned to the team (or to one member) past their due date and not completed
    (an exam still to pass keeps a course overdue, as on the learner's path)."""
    members = _members(team_id)
    stmt = (
        not_completed(
            select(User.display_name, LearningPath.title, Course.title, PathItem.due_at)
            .select_from(PathAssignment)
            .join(LearningPath, LearningPath.id == PathAssignment.path_id)
            .join(PathItem, PathItem.path_id == LearningPath.id)
            .join(Course, Course.id == PathItem.course_id)
            .join(
                User,
                or_(
                    and_(PathAssignment.team_id == team_id, User.id.in_(members)),
                    and_(PathAssignment.user_id == User.id, User.id.in_(members)),
                ),
            )
        )
        .where(PathItem.due_at.is_not(None), PathItem.due_at < now)
        .distinct()
    )
    count = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.execute(stmt.order_by(PathItem.due_at, User.display_name).limit(limit))
    return count, [Overdue(*r) for r in rows]
