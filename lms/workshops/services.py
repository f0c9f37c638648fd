"""Finding workshops, who teaches them, and showing their times in the viewer's time zone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.workshops.models import WORKSHOP_TIERS, Registration, Workshop, WorkshopInstructor, WorkshopSession


class WorkshopError(UserError):
    """A workshop action that cannot be accepted; the message is for people."""


@dataclass(frozen=True)
class Listing:
    workshop: Workshop
    next_session: WorkshopSession | None
    last_session: WorkshopSession  # a listed workshop has at least one live session


def list_workshops(
    *,
    past: bool = False,
    tier: str | None = None,
    tag: str | None = None,
    now: datetime | None = None,
    hidden: Collection[int] = (),
) -> list[Listing]:
    """Live workshops with a session still to end (or, with past=True, all ended), by tier and tag;
    `hidden`: ids the viewer may not see (lms.developers.services.audiences.hidden_workshop_ids)."""
    now = now or utcnow()
    stmt = select(Workshop).where(Workshop.archived_at.is_(None)).options(selectinload(Workshop.sessions))
    if hidden:
        stmt = stmt.where(Workshop.id.not_in(hidden))
    if tier in WORKSHOP_TIERS:
        stmt = stmt.where(Workshop.tier == tier)
    rows: list[Listing] = []
    for workshop in db.session.scalars(stmt):
        if tag and tag not in workshop.tags:
            continue
        sessions = workshop.live_sessions
        if not sessions:
            continue
        coming = [s for s in sessions if s.ends_at > now]
        if bool(coming) == past:
            continue
        rows.append(Listing(workshop, coming[0] if coming else None, sessions[-1]))
    if past:
        rows.sort(key=lambda r: r.last_session.starts_at, reverse=True)
    else:
        rows.sort(key=lambda r: (r.next_session or r.last_session).starts_at)  # next_session is set here
    return rows


def workshop_tags(limit: int = 20, *, hidden: Collection[int] = ()) -> list[str]:
    """Tags used by most live workshops the viewer may see, for the filter bar."""
    live = select(Workshop.tags).where(Workshop.archived_at.is_(None))
    if hidden:
        live = live.where(Workshop.id.not_in(hidden))
    counts = Counter(t for tags in db.session.scalars(live) for t in tags)
    return [name for name, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def get_workshop(slug: str) -> Workshop | None:
    """A live workshop by slug."""
    return db.session.scalar(select(Workshop).where(Workshop.slug == slug, Workshop.archived_at.is_(None)))


def get_session(session_id: int) -> WorkshopSession | None:
    """A live session of a live workshop."""
    return db.session.scalar(
        select(WorkshopSession)
        .join(Workshop)
        .where(WorkshopSession.id == session_id, WorkshopSession.archived_at.is_(None), Workshop.archived_at.is_(None))
    )


def teaches(user: User, workshop: Workshop) -> bool:
    """Admins and the workshop's named instructors manage it."""
    if not user.is_authenticated:
        return False
    return user.role == "admin" or (user.has_role("instructor") and user.email in workshop.instructor_emails)


def taught_workshops(user: User) -> list[Workshop]:
    """Workshops the user teaches (every live one for admins), newest first."""
    stmt = select(Workshop).where(Workshop.archived_at.is_(None)).options(selectinload(Workshop.sessions))
    if user.role != "admin":
        stmt = stmt.join(WorkshopInstructor).where(WorkshopInstructor.email == user.email)
    return sorted(db.session.scalars(stmt), key=lambda w: w.created_at, reverse=True)


def registrations_of(user_id: int, session_ids: list[int] | None = None) -> dict[int, Registration]:
    """The learner's registrations by session id (all, or for these sessions)."""
    stmt = select(Registration).where(Registration.user_id == user_id)
    if session_ids is not None:
        stmt = stmt.where(Registration.session_id.in_(session_ids))
    return {r.session_id: r for r in db.session.scalars(stmt)}


def my_registrations(user_id: int) -> list[Registration]:
    """The learner's live registrations (not cancelled), soonest first."""
    stmt = (
        select(Registration)
        .join(WorkshopSession)
        .join(Workshop)
        .where(Registration.user_id == user_id, Registration.status != "cancelled", Workshop.archived_at.is_(None))
        .options(selectinload(Registration.session).selectinload(WorkshopSession.workshop))
        .order_by(WorkshopSession.starts_at)
    )
    return list(db.session.scalars(stmt))


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waitlisted."""
    if registration.status != "waitlisted":
        return None
    ahead = db.session.scalars(
        select(Registration.id)
        .where(Registration.session_id == registration.session_id, Registration.status == "waitlisted")
        .order_by(Registration.queued_at, Registration.id)
    ).all()
    return ahead.index(registration.id) + 1


def materials_visible(
    workshop: Workshop, registrations: dict[int, Registration], *, now: datetime | None = None
) -> bool:
    """Materials open to a learner who attended a session of the workshop, once that session ended."""
    now = now or utcnow()
    return any(r.attended_at is not None and r.session.ends_at <= now for r in registrations.values())
