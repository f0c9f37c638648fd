"""Awarding (automatic and by hand), revoking and finding certificates; access to them."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from certificates import is_certificate_id, new_certificate_id
from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor
from lms.certification import rules
from lms.certification.models import Certificate, CertificateAction, Track
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify
from lms.teaching.services import teaches

MAX_REASON = 2000


class CertificationError(UserError):
    """A certificate action that cannot be done; the message is for people."""


def find_by_subject(user_id: int, subject: str) -> Certificate | None:
    """The learner's certificate for a subject ("course:<slug>", ...), revoked or not."""
    return db.session.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.subject == subject))


def find_public(public_id: str) -> Certificate | None:
    """A certificate by its printed id (None for malformed or unknown ids)."""
    public_id = public_id.strip().upper()
    if not is_certificate_id(public_id):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.public_id == public_id))


def _insert(user: User, kind: str, subject: str, title: str, course_id: int | None) -> Certificate | None:
    """Insert once: the unique (user, subject) constraint settles races; None if someone else won."""
    for _attempt in range(3):
        cert = Certificate(
            public_id=new_certificate_id(),
            user_id=user.id,
            kind=kind,
            subject=subject,
            title=title,
            course_id=course_id,
            learner_name=user.printed_name[:300],
            issued_at=utcnow(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(cert)
        except IntegrityError:
            if find_by_subject(user.id, subject) is not None:
                return None
            continue  # the random public id collided: draw another
        return cert
    raise CertificationError(_l("could not allocate a certificate id"))


def award(
    user: User,
    kind: str,
    subject: str,
    title: str,
    *,
    course_id: int | None = None,
    actor: User | None = None,
    reason: str = "",
    by_hand: bool = False,
) -> Certificate:
    """Award a certificate exactly once; by hand it also reinstates a revoked one. Flushes."""
    existing = find_by_subject(user.id, subject)
    actor_id = actor.id if actor else None
    if existing is not None:
        if existing.revoked_at is not None and by_hand:
            existing.revoked_at, existing.revoke_reason = None, None
            reinstated = CertificateAction(action="reinstated", actor_id=actor_id, reason=reason)
            existing.actions.append(reinstated)
            db.session.flush()
            _tell(existing, reinstated, NotificationKind.CERTIFICATE_AWARDED)
        return existing
    cert = _insert(user, kind, subject, title, course_id)
    if cert is None:  # a concurrent award committed first
        first = find_by_subject(user.id, subject)
        assert first is not None  # _insert saw it
        return first
    awarded = CertificateAction(action="awarded", actor_id=actor_id, reason=reason)
    cert.actions.append(awarded)
    db.session.flush()
    _tell(cert, awarded, NotificationKind.CERTIFICATE_AWARDED)
    return cert


def _tell(cert: Certificate, action: CertificateAction, kind: NotificationKind) -> None:
    """The holder learns of an award, a reinstatement or a revocation; keyed by the certificate and
    the action row, so a reinstated certificate is told again while a repeated award tells nothing."""
    subject = {"title": cert.title, "url": f"/verify/{cert.public_id}", "certificate_id": cert.public_id}
    context = {"title": cert.title, "public_id": cert.public_id, "reason": cert.revoke_reason or ""}
    context["acted_at"] = action.acted_at.isoformat()
    holder = db.session.get_one(User, cert.user_id)
    notify(holder, kind, subject, context, key=f"certificate:{cert.id}:{action.id}")


def _course_title(course: Course) -> str:
    return rules.rules_of(course)["title"] or course.title


def award_course_if_earned(user: User, course: Course) -> Certificate | None:
    """Award the course certificate if every condition now holds and none was ever awarded."""
    subject = f"course:{course.slug}"
    if find_by_subject(user.id, subject) is not None or not rules.course_certificate_earned(user.id, course):
        return None
    return award(user, "course", subject, _course_title(course), course_id=course.id)


def award_tracks_if_earned(user: User, course_slug: str) -> list[Certificate]:
    """Award each track certificate the learner just completed with this course."""
    awarded = []
    for track in rules.tracks_with_course(course_slug):
        subject = f"track:{track.slug}"
        if find_by_subject(user.id, subject) is None and all(r.met for r in rules.track_requirements(user.id, track)):
            awarded.append(award(user, "track", subject, track.certificate_title))
    return awarded


def award_workshop(user: User, workshop_slug: str, title: str) -> Certificate:
    """Award the attendance certificate of a workshop (once)."""
    return award(user, "workshop", f"workshop:{workshop_slug}", title)


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CertificationError(_l("Give a reason; it is kept with the certificate."))
    if len(reason) > MAX_REASON:
        raise CertificationError(_l("The reason is longer than %(n)s characters.", n=MAX_REASON))
    return reason


def can_manage(actor: User | None, course_id: int | None) -> bool:
    """Admins manage every certificate; instructors those of the courses they teach (None: the CLI operator)."""
    return actor is None or actor.role == "admin" or (course_id is not None and teaches(actor, course_id))


def course_of(cert: Certificate) -> int | None:
    """The course whose instructors manage a certificate (None for tracks and workshops: admins only)."""
    return cert.course_id if cert.kind == "course" else None


def award_by_hand(
    actor: User | None, learner: User, *, course: Course | None, track: Track | None, reason: str
) -> Certificate:
    """An instructor or admin awards a course (or, admins only, a track) certificate with a reason."""
    reason = _check_reason(reason)
    if (course is None) == (track is None):
        raise CertificationError(_l("Choose either a course or a track."))
    if not can_manage(actor, course.id if course else None):
        raise CertificationError(_l("You may only award certificates of courses you teach."))
    if course is not None:
        subject = f"course:{course.slug}"
        _refuse_if_held(learner, subject)
        title = _course_title(course)
        return award(learner, "course", subject, title, course_id=course.id, actor=actor, reason=reason, by_hand=True)
    assert track is not None  # exactly one of course and track: checked above
    subject = f"track:{track.slug}"
    _refuse_if_held(learner, subject)
    return award(learner, "track", subject, track.certificate_title, actor=actor, reason=reason, by_hand=True)


def _refuse_if_held(learner: User, subject: str) -> None:
    held = find_by_subject(learner.id, subject)
    if held is not None and held.revoked_at is None:
        raise CertificationError(
            _l("%(email)s already holds this certificate (%(id)s).", email=learner.email, id=held.public_id)
        )


def revoke(actor: User | None, cert: Certificate, reason: str, *, when: datetime | None = None) -> Certificate:
    """Revoke with a reason kept; verification shows it revoked from then on."""
    reason = _check_reason(reason)
    if not can_manage(actor, course_of(cert)):
        raise CertificationError(_l("You may only revoke certificates of courses you teach."))
    if cert.revoked_at is not None:
        raise CertificationError(_l("This certificate is already revoked."))
    cert.revoked_at, cert.revoke_reason = when or utcnow(), reason
    revoked = CertificateAction(action="revoked", actor_id=actor.id if actor else None, reason=reason)
    cert.actions.append(revoked)
    db.session.flush()
    _tell(cert, revoked, NotificationKind.CERTIFICATE_REVOKED)
    return cert


def learner_certificates(user_id: int) -> list[Certificate]:
    """The learner's certificates, newest first."""
    stmt = select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.issued_at.desc())
    return list(db.session.scalars(stmt))


def visible_certificate(viewer: User, public_id: str) -> Certificate | None:
    """A certificate its owner (or someone who manages it) may download; None for anyone else."""
    cert = find_public(public_id)
    if cert is None:
        return None
    if cert.user_id == viewer.id or can_manage(viewer, course_of(cert)):
        return cert
    return None


def managed_certificates(actor: User, query: str = "", limit: int = 200) -> list[Certificate]:
    """Certificates an instructor or admin manages, newest first, filtered by id, name or subject."""
    stmt = select(Certificate).options(selectinload(Certificate.user)).order_by(Certificate.issued_at.desc())
    if actor.role != "admin":
        taught = db.session.scalars(
            select(Course.slug).join(CourseInstructor).where(CourseInstructor.email == actor.email)
        )
        stmt = stmt.where(Certificate.subject.in_([f"course:{slug}" for slug in taught]))
    if query:
        like = f"%{query.strip().lower()[:100]}%"
        stmt = stmt.join(User, User.id == Certificate.user_id).where(
            (Certificate.public_id.ilike(like))
            | (User.email.ilike(like))
            | (Certificate.subject.ilike(like))
            | (Certificate.learner_name.ilike(like))
        )
    return list(db.session.scalars(stmt.limit(limit)))
