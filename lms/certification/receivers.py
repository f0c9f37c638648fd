"""React to other domains: learning events award certificates; a course sync stores exams, rules, tracks."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.content import load_tracks
from lms.catalog.models import Course
from lms.catalog.sync import courses_synced
from lms.certification import services
from lms.certification.models import CourseCertification, Track
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import PROGRESS_KINDS, LearningEvent, LearningEventKind
from lms.signals import learning_event_recorded

log = logging.getLogger(__name__)


def connect(app: Flask) -> None:
    """Called by create_app. Blinker signals are process-wide and keep one connection per
    receiver, so the next app built in this process connects nothing twice."""
    learning_event_recorded.connect(award_on_progress)
    courses_synced.connect(store_certification_specs)


def award_on_progress(event: LearningEvent, **_: Any) -> None:
    """Award course (then track) certificates, or workshop attendance ones, the moment they are earned."""
    if event.kind not in PROGRESS_KINDS or event.kind == LearningEventKind.ENROLLED:  # enrolling earns nothing
        return
    user = db.session.get(User, event.user_id)
    course = db.session.get(Course, event.course_id)
    if user is None or course is None:
        return
    if event.kind == LearningEventKind.WORKSHOP_ATTENDED:
        data = event.data or {}
        slug = str(data.get("workshop") or course.slug)[:100]
        services.award_workshop(user, slug, str(data.get("title") or course.title)[:200])
        return
    if services.award_course_if_earned(user, course) is not None:
        log.info("certificate awarded: user %s, course %s", user.id, course.slug)
        services.award_tracks_if_earned(user, course.slug)


def store_certification_specs(_report: Any, courses: list, **_: Any) -> None:
    """Keep each course's exam and certificate rules, and the tracks beside the courses, in the database."""
    for course, spec in courses:
        row = db.session.get(CourseCertification, course.id) or CourseCertification(course_id=course.id)
        row.rules, row.exam, row.updated_at = spec.certificate, spec.exam, utcnow()
        db.session.add(row)
    if courses:
        known = set(db.session.scalars(select(Course.slug).where(Course.archived_at.is_(None))))
        specs, problems = load_tracks(courses[0][1].folder.parent, known)
        if not problems:
            _sync_tracks(specs)
    db.session.flush()


def _sync_tracks(specs: list) -> None:
    existing = {t.slug: t for t in db.session.scalars(select(Track))}
    for spec in specs:
        track = existing.get(spec.slug) or Track(slug=spec.slug)
        track.title, track.summary, track.certificate_title = spec.title, spec.summary, spec.certificate_title
        track.course_slugs, track.archived_at = spec.courses, None
        db.session.add(track)
    named = {s.slug for s in specs}
    for slug, track in existing.items():
        if slug not in named and track.archived_at is None:
            track.archived_at = utcnow()
