"""iCalendar (RFC 5545) files: one per session, and a personal feed behind an HMAC token."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.workshops.models import CalendarFeed, Registration, Workshop, WorkshopSession

if TYPE_CHECKING:
    from icalendar import Event

PRODID = "-//Academy//Workshops//EN"


def session_event(session: WorkshopSession, *, status: str, url: str, stamp: datetime | None = None) -> Event:
    """A VEVENT for one session; the join link only for confirmed learners and instructors."""
    from icalendar import Event, vText  # icalendar loads with the first .ics, not at app start

    event = Event()
    event.add("uid", f"workshop-session-{session.id}@academy")
    event.add("dtstamp", stamp or utcnow())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    title = session.workshop.title + (f" ({session.title})" if session.title else "")
    event.add("summary", title)
    event.add("url", url)
    where = session.place or (session.online_url if status == "confirmed" else "Online")
    event.add("location", vText(where))
    description = f"{url}\nTime zone of the session: {session.timezone}"
    if status == "waitlisted":
        description = "You are on the waitlist for this session.\n" + description
    event.add("description", description)
    event.add("status", {"confirmed": "CONFIRMED", "cancelled": "CANCELLED"}.get(status, "TENTATIVE"))
    return event


def calendar_bytes(name: str, events: list[Event]) -> bytes:
    """Wrap events into a VCALENDAR."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def feed_events(user_id: int, url_for_workshop) -> list[Event]:
    """The learner's registrations (cancelled ones as CANCELLED, so calendars drop them)."""
    rows = db.session.execute(
        select(Registration, WorkshopSession, Workshop)
        .join(WorkshopSession, WorkshopSession.id == Registration.session_id)
        .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
        .where(Registration.user_id == user_id, Workshop.archived_at.is_(None))
        .order_by(WorkshopSession.starts_at)
    ).all()
    return [session_event(s, status=r.status, url=url_for_workshop(w.slug)) for r, s, w in rows]


def _feed(user_id: int) -> CalendarFeed:
    feed = db.session.get(CalendarFeed, user_id)
    if feed is None:
        feed = CalendarFeed(user_id=user_id, version=1)
        db.session.add(feed)
        db.session.flush()
    return feed


def _digest(secret: str, user_id: int, version: int) -> str:
    message = f"workshop-feed:{user_id}:{version}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def feed_token(secret: str, user_id: int) -> str:
    """The token of the learner's current feed URL (derived, so nothing secret is stored)."""
    return _digest(secret, user_id, _feed(user_id).version)


def reset_feed(secret: str, user_id: int) -> str:
    """Revoke the old feed URL and return the new token."""
    feed = _feed(user_id)
    feed.version += 1
    feed.created_at = utcnow()
    db.session.flush()
    return _digest(secret, user_id, feed.version)


def check_feed_token(secret: str, user_id: int, token: str) -> bool:
    """Whether the token opens this learner's feed (constant-time compare)."""
    feed = db.session.get(CalendarFeed, user_id)
    return feed is not None and hmac.compare_digest(_digest(secret, user_id, feed.version), token)
