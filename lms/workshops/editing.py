"""Instructors create and edit workshops and their sessions in the UI."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Course
from lms.db import utcnow
from lms.extensions import db
from lms.localtime import NonexistentLocalTime, to_utc
from lms.workshops.content import SessionSpec
from lms.workshops.models import Workshop, WorkshopSession
from lms.workshops.registration import fill_from_waitlist
from lms.workshops.services import WorkshopError
from lms.workshops.sync import apply_session, set_instructors

RESERVED_SLUGS = {"new", "mine", "teach", "feed", "sessions"}  # fixed paths under /workshops/


def course_choices() -> list[tuple[str, str]]:
    """Live courses a workshop can link to, for a select box."""
    rows = db.session.execute(
        select(Course.slug, Course.title).where(Course.archived_at.is_(None)).order_by(Course.title)
    )
    return [(slug, title) for slug, title in rows]


def _unique_slug(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "workshop"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or db.session.scalar(select(Workshop.id).where(Workshop.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def save_workshop(author: User, data: dict[str, Any], workshop: Workshop | None = None) -> Workshop:
    """Create (author becomes an instructor) or update a UI workshop; file workshops are edited in git."""
    if workshop is not None and workshop.source == "file":
        raise WorkshopError(_l("This workshop comes from a file in courses/workshops/; edit the file instead."))
    course_id = None  # looked up before a new workshop joins the session: a query would flush it half-filled
    if data.get("course"):
        course_id = db.session.scalar(select(Course.id).where(Course.slug == data["course"]))
    if workshop is None:
        workshop = Workshop(slug=_unique_slug(data["title"]), source="ui")
        db.session.add(workshop)
    workshop.title, workshop.description = data["title"].strip(), data["description"]
    workshop.description_html = render_markdown(data["description"])
    workshop.tier, workshop.tags, workshop.course_id = data["tier"], data["tags"], course_id
    workshop.materials, workshop.updated_at = data["materials"], utcnow()
    workshop.audience = data.get("audience") or "public"
    limited = workshop.audience == "limited"
    workshop.audience_segments = list(data.get("audience_segments") or []) if limited else []
    workshop.audience_teams = list(data.get("audience_teams") or []) if limited else []
    emails = list(data["instructors"])
    if author.email not in emails and author.role != "admin":
        emails.append(author.email)
    set_instructors(workshop, emails or [author.email])
    db.session.flush()
    return workshop


def _utc(local: datetime | None, zone: str) -> datetime | None:
    if local is None:
        return None
    try:
        return to_utc(local, zone)
    except NonexistentLocalTime as exc:
        raise WorkshopError(*exc.args) from None


def save_session(workshop: Workshop, data: dict[str, Any], session: WorkshopSession | None = None) -> WorkshopSession:
    """Add or change a session from local times; more seats go to the waitlist at once."""
    if workshop.source == "file":
        raise WorkshopError(_l("This workshop comes from a file in courses/workshops/; edit the file instead."))
    zone = data["timezone"]
    starts = _utc(data["start"], zone)
    spec = SessionSpec(
        key=session.key if session else _next_key(workshop),
        title=(data.get("title") or "").strip(),
        timezone=zone,
        starts_at=starts,
        ends_at=_utc(data["end"], zone),
        registration_deadline=_utc(data.get("registration_closes"), zone) or starts,
        online_url=(data.get("online_url") or "").strip(),
        place=(data.get("place") or "").strip(),
        capacity=data["capacity"],
    )
    if session is None:
        session = WorkshopSession(workshop_id=workshop.id, key=spec.key, confirmed_count=0)
        db.session.add(session)
    apply_session(session, spec)
    db.session.flush()
    fill_from_waitlist(session)
    return session


def _next_key(workshop: Workshop) -> str:
    count = db.session.scalar(select(func.count()).where(WorkshopSession.workshop_id == workshop.id)) or 0
    return f"session-{count + 1}"


def form_data_of(workshop: Workshop) -> dict[str, Any]:
    """The workshop as form defaults."""
    course = db.session.get(Course, workshop.course_id) if workshop.course_id else None
    return {
        "title": workshop.title,
        "description": workshop.description,
        "tier": workshop.tier,
        "tags": ", ".join(workshop.tags),
        "course": course.slug if course else "",
        "instructors": ", ".join(workshop.instructor_emails),
        "materials": "\n".join(f"{m['title']} | {m['url']}" for m in workshop.materials),
        "audience": workshop.audience,
        "audience_segments": ", ".join(workshop.audience_segments),
        "audience_teams": ", ".join(workshop.audience_teams),
    }
