"""`flask certificates award|revoke|verify|issue`: certificates from the command line."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click
from sqlalchemy import select

import certificates
from certificates.store import CERT_FILE
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certification import issuing, services
from lms.certification.models import Certificate, Track
from lms.extensions import db
from lms.learning.models import Enrollment

certificates_cli = click.Group("certificates", help="Award, revoke, verify and issue certificates.")


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    return user


@certificates_cli.command("award")
@click.option("--user", "email", required=True, help="the learner's e-mail")
@click.option("--course", "course_slug", help="course slug")
@click.option("--track", "track_slug", help="track slug")
@click.option("--reason", required=True, help="why (kept with the certificate)")
def award(email: str, course_slug: str | None, track_slug: str | None, reason: str) -> None:
    """Award a course or track certificate by hand, with a reason."""
    learner = _user(email)
    course = db.session.scalar(select(Course).where(Course.slug == course_slug)) if course_slug else None
    track = db.session.scalar(select(Track).where(Track.slug == track_slug)) if track_slug else None
    if (course_slug and course is None) or (track_slug and track is None):
        raise click.ClickException(f"no course or track {course_slug or track_slug!r}")
    try:
        cert = services.award_by_hand(None, learner, course=course, track=track, reason=reason)
    except services.CertificationError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Awarded {cert.public_id}: {cert.title} to {learner.email}.")


@certificates_cli.command("revoke")
@click.argument("public_id")
@click.option("--reason", required=True, help="why (kept and shown on the verify page)")
def revoke(public_id: str, reason: str) -> None:
    """Revoke a certificate by its id; /verify/<id> shows it revoked from now on."""
    cert = services.find_public(public_id)
    if cert is None:
        raise click.ClickException(f"no certificate {public_id!r}")
    try:
        services.revoke(None, cert, reason)
    except services.CertificationError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Revoked {cert.public_id} ({cert.title}, {cert.learner_name}).")


@certificates_cli.command("verify")
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--issuer-key", type=click.Path(dir_okay=False, path_type=Path), help="PEM public key or certificate")
def verify(pdf: Path, issuer_key: Path | None) -> None:
    """Verify a certificate PDF offline (signature and credential); exit 0 valid, 1 invalid, 2 error."""
    key = issuer_key or issuing.config_from_app().issuer_dir / CERT_FILE
    try:
        result = certificates.verify_file(pdf, key)
    except (OSError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
    click.echo(str(result))
    cert = services.find_public(result.certificate_id) if result.valid and result.certificate_id else None
    if cert is not None and cert.revoked_at is not None:
        click.echo(f"REVOKED on {cert.revoked_at:%Y-%m-%d}: {cert.revoke_reason}")
        raise SystemExit(1)
    raise SystemExit(0 if result.valid else 1)


def award_earned(course: Course) -> int:
    """Award the course certificate to every enrolled learner who has earned it; return how many."""
    learners = db.session.scalars(select(User).join(Enrollment).where(Enrollment.course_id == course.id))
    awarded = 0
    for learner in learners:
        if services.award_course_if_earned(learner, course) is not None:
            services.award_tracks_if_earned(learner, course.slug)
            awarded += 1
    return awarded


@certificates_cli.command("issue")
@click.option("--course", "course_slug", help="only this course (else every certificate without a PDF)")
@click.option("--workers", type=int, default=os.cpu_count() or 2, show_default=True, help="rendering processes")
def issue(course_slug: str | None, workers: int) -> None:
    """Award earned certificates of a course, then render and sign every missing PDF on all cores."""
    started = time.perf_counter()
    stmt = select(Certificate).where(Certificate.pdf_file.is_(None))
    awarded = 0
    if course_slug:
        course = db.session.scalar(select(Course).where(Course.slug == course_slug))
        if course is None:
            raise click.ClickException(f"no course {course_slug!r}")
        awarded = award_earned(course)
        db.session.commit()
        stmt = stmt.where(Certificate.subject == f"course:{course.slug}")
    pending = list(db.session.scalars(stmt))
    config = issuing.config_from_app()
    issuing.issuer_keys(config)  # loaded once here; the forked workers inherit it
    jobs = [(issuing.certificate_data(c, config), issuing.template_for(c, config), config) for c in pending]
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        names = list(pool.map(_render, jobs, chunksize=max(1, len(jobs) // (4 * max(1, workers)))))
    for cert, name in zip(pending, names, strict=True):
        cert.pdf_file = name
    db.session.commit()
    elapsed = time.perf_counter() - started
    per = f" ({1000 * elapsed / len(pending):.0f} ms each)" if pending else ""
    click.echo(f"{awarded} awarded, {len(pending)} PDF(s) rendered and signed in {elapsed:.1f} s{per}.")


def _render(job: tuple) -> str:
    data, template, config = job
    return issuing.render_to_store(data, template, config)
