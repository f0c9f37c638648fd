"""Who may see which teams: managers their own teams, admins every team, learners none."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from lms.accounts.models import Team, User, team_managers, team_members
from lms.extensions import db


class ReportAccessError(PermissionError):
    """The viewer asked for data outside the teams they may see."""


def can_view_reports(user: User) -> bool:
    """Managers and admins read reports; learners and instructors never."""
    return bool(user.is_authenticated and user.active and user.has_role("manager"))


def visible_team_ids(viewer: User) -> Select:
    """A subquery of the team ids this viewer may read; every report query is filtered by it."""
    if not can_view_reports(viewer):
        return select(Team.id).where(False)
    if viewer.role == "admin":
        return select(Team.id)
    return select(team_managers.c.team_id).where(team_managers.c.user_id == viewer.id)


def visible_teams(viewer: User) -> list[tuple[Team, int]]:
    """The teams this viewer may read, by name, each with its number of members (one query)."""
    members = select(team_members.c.team_id, func.count().label("n")).group_by(team_members.c.team_id).subquery()
    rows = db.session.execute(
        select(Team, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.team_id == Team.id)
        .where(Team.id.in_(visible_team_ids(viewer)))
        .order_by(Team.name)
    )
    return [(team, n) for team, n in rows]


def visible_team(viewer: User, team_id: int) -> Team | None:
    """One team the viewer may read (None for any other id)."""
    return db.session.scalar(select(Team).where(Team.id == team_id, Team.id.in_(visible_team_ids(viewer))))


class SystemViewer:
    """The viewer of scheduled exports (cron, `flask reports ...`): every team, like an admin."""

    id = None
    role = "admin"
    active = True
    is_authenticated = True

    def has_role(self, *roles: str) -> bool:
        return True


SYSTEM = SystemViewer()
