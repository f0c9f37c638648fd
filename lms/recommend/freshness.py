"""Dashboard versions: how every worker on every machine knows a learner's cached dashboard is stale.

Whatever changes what a learner's dashboard shows gives that learner a new DashboardVersion token
in the same transaction; what changes it for everyone (a course sync, a model refit) gives the one
DashboardEpoch row a new token. A page is cached under both tokens, and every request reads them
(two primary-key lookups inside the login check's statement; `dashboard_key` otherwise), so a
committed change shows on the very next page.

Who gives new tokens:
- a learning event of the learner: receivers.py (`learning_event_recorded`);
- a course sync (receivers.py, `courses_synced`) and a refit (fitting.fit_all): everyone;
- any flush touching a learner's goal, placement, mastery, path assignments (to them or to one of
  their teams), the paths assigned to them, or their team memberships: the flush listener below,
  so that no service, in this domain or another, has to remember it.
Time changes a dashboard too (a path step becomes overdue): the page cache checks due dates.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import ColumnElement, Connection, ScalarSelect, bindparam, event, inspect, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lms.accounts.models import Team, User, team_members
from lms.accounts.services import read_with_login
from lms.db import utcnow
from lms.extensions import db
from lms.recommend.models import (
    DashboardEpoch,
    DashboardVersion,
    LearningGoal,
    LearningPath,
    PathAssignment,
    PathItem,
    PlacementResult,
    SkillMastery,
)

EPOCH_ID = 1
_PENDING = "dashboard_stale_learners"  # session.info key: learners found stale before a flush
_BATCH = 500


def _token() -> int:
    """A fresh version: random, so that a rolled-back change never brings an old one back."""
    return secrets.randbits(63)


def _upsert(conn: Connection, model: type, key: str, rows: list[dict]) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(model.__table__).values(rows)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[key], set_={"version": stmt.excluded.version, "changed_at": stmt.excluded.changed_at}
        )
    )


def bump_learners(user_ids: Iterable[int | None], conn: Connection | None = None) -> None:
    """New dashboard versions for these learners: their next page is built again."""
    ids = sorted({i for i in user_ids if i is not None})  # one lock order for concurrent bumps
    conn = conn or db.session.connection()
    now = utcnow()
    for start in range(0, len(ids), _BATCH):
        rows = [{"user_id": i, "version": _token(), "changed_at": now} for i in ids[start : start + _BATCH]]
        _upsert(conn, DashboardVersion, "user_id", rows)


def bump_everyone(conn: Connection | None = None) -> None:
    """A new epoch: every learner's next dashboard is built again (course sync, model refit)."""
    _upsert(
        conn or db.session.connection(),
        DashboardEpoch,
        "id",
        [{"id": EPOCH_ID, "version": _token(), "changed_at": utcnow()}],
    )


def _mine(user_id: ColumnElement) -> ScalarSelect:
    versions = DashboardVersion.__table__  # Core columns, not ORM attributes: on every dashboard request
    return select(versions.c.version).where(versions.c.user_id == user_id).scalar_subquery()


def _everyone() -> ScalarSelect:
    epochs = DashboardEpoch.__table__
    return select(epochs.c.version).where(epochs.c.id == EPOCH_ID).scalar_subquery()


# A signed-in request's login check reads both versions too: the dashboard needs no query of its own.
read_with_login("dashboard_version", lambda: _mine(User.__table__.c.id))
read_with_login("dashboard_epoch", _everyone)


@cache
def _key_statement():
    return select(_mine(bindparam("user_id")), _everyone())


def dashboard_key(user_id: int, read_at_login: Mapping[str, Any] | None = None) -> tuple[int | None, int | None]:
    """The learner's version and the epoch (None before the first change): what a cached page is valid for.
    `read_at_login`: what the request's login check read (SessionUser.also), which saves the query.

    Read it before reading what the page shows: data read afterwards is at least that recent."""
    if read_at_login and "dashboard_version" in read_at_login:
        return read_at_login["dashboard_version"], read_at_login["dashboard_epoch"]
    mine, everyone = db.session.connection().execute(_key_statement(), {"user_id": user_id}).one()
    return mine, everyone


def current_epoch() -> int | None:
    """The epoch alone (the catalog graph cache checks it)."""
    return db.session.scalar(select(DashboardEpoch.version).where(DashboardEpoch.id == EPOCH_ID))


def _learners_of_paths(conn: Connection, path_ids: set[int]) -> set[int]:
    direct = select(PathAssignment.user_id).where(PathAssignment.path_id.in_(path_ids))
    via_teams = (
        select(team_members.c.user_id)
        .join(PathAssignment, PathAssignment.team_id == team_members.c.team_id)
        .where(PathAssignment.path_id.in_(path_ids))
    )
    return set(conn.scalars(union(direct, via_teams))) - {None}


def _members(conn: Connection, team_ids: set[int]) -> set[int]:
    return set(conn.scalars(select(team_members.c.user_id).where(team_members.c.team_id.in_(team_ids))))


def _membership_changes(obj: Team | User) -> set[int]:
    """Learners who joined or left a team in this flush, seen from either side."""
    if isinstance(obj, Team):
        history = inspect(obj).attrs.members.history  # does not load an unloaded collection
        return {u.id for u in chain(history.added or (), history.deleted or ())}
    history = inspect(obj).attrs.teams.history
    return {obj.id} if history.added or history.deleted else set()


def _stale_learners(session: Session, objects: Iterable[object], *, deleted: bool = False) -> set[int]:
    """Learners whose dashboard these new, changed or (before the flush) deleted objects change."""
    learners: set[int | None] = set()
    teams: set[int | None] = set()
    path_ids: set[int | None] = set()
    for obj in objects:
        if isinstance(obj, SkillMastery | LearningGoal | PlacementResult):
            learners.add(obj.user_id)
        elif isinstance(obj, PathAssignment):
            learners.add(obj.user_id)
            teams.add(obj.team_id)
        elif isinstance(obj, LearningPath):
            path_ids.add(obj.id)
        elif isinstance(obj, PathItem):
            path_ids.add(obj.path_id)
        elif isinstance(obj, Team | User):
            learners |= _membership_changes(obj)
            if deleted and isinstance(obj, Team):
                teams.add(obj.id)
    teams.discard(None)
    path_ids.discard(None)
    if teams:
        learners |= _members(session.connection(), teams)
    if path_ids:
        learners |= _learners_of_paths(session.connection(), path_ids)
    learners.discard(None)
    return learners


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    # Deleting takes team members and path assignments with it: look them up while they exist.
    if session.deleted:
        stale = _stale_learners(session, session.deleted, deleted=True)
        if stale:
            session.info.setdefault(_PENDING, set()).update(stale)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    # New rows have their ids now, and attribute history still shows what this flush changed.
    learners = session.info.pop(_PENDING, set()) | _stale_learners(session, chain(session.new, session.dirty))
    if learners:
        bump_learners(learners, session.connection())
