"""Seats, the waitlist and attendance. Capacity holds under concurrency by a guarded counter UPDATE.

`UPDATE workshop_sessions SET confirmed_count = confirmed_count + 1 WHERE id = ? AND confirmed_count
< capacity` is one atomic statement: PostgreSQL locks the row and re-checks the WHERE clause after a
concurrent writer commits; SQLite serialises writers (busy_timeout waits). A row count of 1 is a seat.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lms.accounts.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LearningEventKind
from lms.learning.services import record_event
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify
from lms.spreadsheets import neutralize
from lms.workshops.models import Registration, WorkshopSession
from lms.workshops.services import WorkshopError


def _take_seat(session_id: int) -> bool:
    result = db.session.execute(
        update(WorkshopSession)
        .where(WorkshopSession.id == session_id, WorkshopSession.confirmed_count < WorkshopSession.capacity)
        .values(confirmed_count=WorkshopSession.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_seat(session_id: int) -> None:
    db.session.execute(
        update(WorkshopSession)
        .where(WorkshopSession.id == session_id, WorkshopSession.confirmed_count > 0)
        .values(confirmed_count=WorkshopSession.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


def _set_status(registration_id: int, old: str, new: str, **values) -> bool:
    """Move a registration from `old` to `new` only if nobody moved it first."""
    result = db.session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.status == old)
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _get(session_id: int, user_id: int) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(Registration.session_id == session_id, Registration.user_id == user_id)
    )


def register(user: User, session: WorkshopSession, *, now: datetime | None = None) -> Registration:
    """A seat if one is free, else a place at the end of the waitlist; closed after the deadline."""
    now = now or utcnow()
    if now >= session.registration_deadline:
        raise WorkshopError(_l("Registration for this session is closed."))
    existing = _get(session.id, user.id)
    if existing is not None and existing.status != "cancelled":
        return existing
    status = "confirmed" if _take_seat(session.id) else "waitlisted"
    if existing is None:
        existing = Registration(session_id=session.id, user_id=user.id, status=status, registered_at=now, queued_at=now)
        db.session.add(existing)
    else:
        existing.status, existing.queued_at, existing.cancelled_at, existing.promoted_at = status, now, None, None
    db.session.flush()
    db.session.expire(session, ["confirmed_count"])
    return existing


def cancel(user: User, session: WorkshopSession, *, now: datetime | None = None) -> list[Registration]:
    """Give up a seat or a place in line; a freed seat goes to the first in line (returned)."""
    now = now or utcnow()
    if now >= session.starts_at:
        raise WorkshopError(_l("This session has started; it can no longer be cancelled."))
    registration = _get(session.id, user.id)
    if registration is None or registration.status == "cancelled":
        raise WorkshopError(_l("You are not registered for this session."))
    old = registration.status
    if not _set_status(registration.id, old, "cancelled", cancelled_at=now):
        raise WorkshopError(_l("Your registration changed meanwhile; reload the page."))
    db.session.expire(registration)
    promoted: list[Registration] = []
    if old == "confirmed":
        _release_seat(session.id)
        promoted = fill_from_waitlist(session, now=now)
    db.session.expire(session, ["confirmed_count"])
    return promoted


def fill_from_waitlist(session: WorkshopSession, *, now: datetime | None = None) -> list[Registration]:
    """Give free seats to the waitlist in order of arrival; each promotion is guarded like a seat."""
    now = now or utcnow()
    promoted: list[Registration] = []
    while _take_seat(session.id):
        registration_id = _promote_next(session.id, now)
        if registration_id is None:
            _release_seat(session.id)
            break
        promoted.append(db.session.get(Registration, registration_id))
    db.session.expire(session, ["confirmed_count"])
    for registration in promoted:
        db.session.refresh(registration)
        _tell_promoted(session, registration)
    return promoted


def _tell_promoted(session: WorkshopSession, registration: Registration) -> None:
    """The learner has a seat now. Keyed by the registration and this promotion's moment: a second
    promotion (after cancelling and queueing again) is its own notification."""
    workshop = session.workshop
    assert registration.promoted_at is not None  # set by the promotion just made
    subject = {
        "title": workshop.title,
        "url": f"/workshops/{workshop.slug}#session-{session.id}",
        "session_id": session.id,
    }
    context = {
        "workshop": workshop.title,
        "session": session.title,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "place": session.place,
        "online": bool(session.online_url),
    }
    key = f"registration:{registration.id}:promoted:{registration.promoted_at.isoformat()}"
    notify(db.session.get_one(User, registration.user_id), NotificationKind.WAITLIST_PROMOTED, subject, context, key)


def _promote_next(session_id: int, now: datetime) -> int | None:
    while True:
        first = db.session.scalar(
            select(Registration.id)
            .where(Registration.session_id == session_id, Registration.status == "waitlisted")
            .order_by(Registration.queued_at, Registration.id)
            .limit(1)
        )
        if first is None:
            return None
        if _set_status(first, "waitlisted", "confirmed", promoted_at=now):
            return first


def attendees(session: WorkshopSession) -> list[tuple[Registration, User]]:
    """Confirmed then waitlisted registrations with their learners, in order of arrival."""
    rows = db.session.execute(
        select(Registration, User)
        .join(User, User.id == Registration.user_id)
        .where(Registration.session_id == session.id, Registration.status != "cancelled")
        .order_by(Registration.status, Registration.queued_at, Registration.id)
    ).all()
    return [(r, u) for r, u in rows]


def mark_attendance(session: WorkshopSession, present: set[int], *, now: datetime | None = None) -> int:
    """Set who attended (registration ids in `present`, every other confirmed one absent).

    A first attendance of a course-linked workshop appends a `workshop_attended` event to the
    course's learning log; a workshop without a course keeps attendance here only.
    """
    now = now or utcnow()
    if now < session.starts_at:
        raise WorkshopError(_l("Attendance can be taken once the session has started."))
    changed = 0
    course_id = session.workshop.course_id
    for registration, _user in attendees(session):
        if registration.status != "confirmed":
            continue
        here = registration.id in present
        if here and registration.attended_at is None:
            registration.attended_at = now
            changed += 1
            if course_id and registration.attended_event_id is None:
                event = record_event(
                    registration.user_id,
                    course_id,
                    LearningEventKind.WORKSHOP_ATTENDED,
                    data={"workshop": session.workshop.slug, "title": session.workshop.title, "session_id": session.id},
                )
                registration.attended_event_id = event.id
        elif not here and registration.attended_at is not None:
            registration.attended_at = None
            changed += 1
    db.session.flush()
    return changed


def attendance_csv(session: WorkshopSession) -> str:
    """The attendee list as CSV, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "status", "registered_at", "attended"])
    for registration, user in attendees(session):
        writer.writerow(
            [
                neutralize(user.display_name),
                neutralize(user.email),
                registration.status,
                registration.registered_at.isoformat(timespec="seconds"),
                "yes" if registration.attended_at else "no",
            ]
        )
    return out.getvalue()
