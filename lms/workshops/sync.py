"""Load checked workshop specs like courses: upsert by slug, archive what the files no longer name."""

from __future__ import annotations

import logging

from sqlalchemy import select

from lms.catalog.models import Course
from lms.catalog.schema import audience_columns
from lms.catalog.sync import SyncReport
from lms.db import utcnow
from lms.extensions import db
from lms.workshops.content import SessionSpec, WorkshopSpec
from lms.workshops.models import Workshop, WorkshopInstructor, WorkshopSession
from lms.workshops.registration import fill_from_waitlist

log = logging.getLogger(__name__)


def sync_workshops(specs: list[WorkshopSpec], *, archive_missing: bool) -> SyncReport:
    """Upsert file workshops; registrations are never touched, removed sessions are archived.

    Workshops created in the UI are left alone unless a file now claims their slug (the file wins).
    """
    report = SyncReport()
    existing = {w.slug: w for w in db.session.scalars(select(Workshop))}
    courses = dict(db.session.execute(select(Course.slug, Course.id)).all())
    for spec in specs:
        workshop = existing.get(spec.slug)
        if workshop is not None and workshop.content_hash == spec.content_hash and workshop.archived_at is None:
            report.unchanged.append(spec.slug)
            continue
        if workshop is None:
            workshop = Workshop(slug=spec.slug)
            db.session.add(workshop)
            report.created.append(spec.slug)
        else:
            report.updated.append(spec.slug)
        _apply(workshop, spec, courses.get(spec.file.course or ""))
        db.session.flush()
        _sync_sessions(workshop, spec.sessions)
    if archive_missing:
        named = {s.slug for s in specs}
        for slug, workshop in existing.items():
            if workshop.source == "file" and slug not in named and workshop.archived_at is None:
                workshop.archived_at = utcnow()
                report.archived.append(slug)
    db.session.flush()
    log.info("workshops synced: %s", report.summary())
    return report


def _apply(workshop: Workshop, spec: WorkshopSpec, course_id: int | None) -> None:
    f = spec.file
    workshop.title, workshop.description, workshop.description_html = f.title, f.description, spec.description_html
    workshop.tier, workshop.tags, workshop.course_id = f.tier, list(dict.fromkeys(f.tags)), course_id
    workshop.materials = [{"title": m.title, "url": m.url} for m in f.materials]
    workshop.survey = f.survey.model_dump() if f.survey else None
    workshop.audience, workshop.audience_segments, workshop.audience_teams = audience_columns(f.audience)
    workshop.source, workshop.content_hash = "file", spec.content_hash
    workshop.archived_at, workshop.updated_at = None, utcnow()
    set_instructors(workshop, f.instructors)


def set_instructors(workshop: Workshop, emails: list[str]) -> None:
    """Keep the named instructors (lower-cased e-mails), add new ones, drop the rest."""
    wanted = {e.strip().lower() for e in emails if e.strip()}
    workshop.instructors = [i for i in workshop.instructors if i.email in wanted] + [
        WorkshopInstructor(email=e) for e in sorted(wanted - {i.email for i in workshop.instructors})
    ]


def _sync_sessions(workshop: Workshop, specs: list[SessionSpec]) -> None:
    sessions = {
        s.key: s for s in db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    }
    for spec in specs:
        session = sessions.get(spec.key)
        if session is None:
            session = WorkshopSession(workshop_id=workshop.id, key=spec.key, confirmed_count=0)
            db.session.add(session)
        apply_session(session, spec)
    db.session.flush()
    now = utcnow()
    live = {s.key for s in specs}
    for key, session in sessions.items():
        if key not in live and session.archived_at is None:
            session.archived_at = now
    for session in db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id)):
        if session.archived_at is None:
            fill_from_waitlist(session)


def apply_session(session: WorkshopSession, spec: SessionSpec) -> None:
    """Copy a session spec onto a row (the seat counter is never written here)."""
    session.title, session.timezone = spec.title, spec.timezone
    session.starts_at, session.ends_at = spec.starts_at, spec.ends_at
    session.registration_deadline, session.capacity = spec.registration_deadline, spec.capacity
    session.online_url, session.place, session.archived_at = spec.online_url, spec.place, None
