"""Instructors and admins: list, award by hand and revoke certificates, with a reason kept."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.access import role_required
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certification import rules, services
from lms.certification.forms import AwardForm, RevokeForm
from lms.certification.models import Track
from lms.extensions import db
from lms.teaching.services import taught_courses


def _subjects() -> list[tuple[str, str]]:
    """The certificates this user may award: courses they teach (admins: all courses and tracks)."""
    choices = [(f"course:{c.slug}", _("Course: %(t)s", t=c.title)) for c in taught_courses(current_user)]
    if current_user.role == "admin":
        choices += [(f"track:{t.slug}", _("Track: %(t)s", t=t.certificate_title)) for t in rules.live_tracks()]
    return choices


@role_required("instructor")
def manage():
    """Certificates of the courses this user teaches (admins: all), with award and revoke forms."""
    return _manage_page(AwardForm())


def _manage_page(form: AwardForm):
    """The management page; `form` carries the errors of a refused award."""
    form.subject.choices = _subjects()
    query = request.args.get("q", "")[:100]
    certs = services.managed_certificates(current_user, query)
    return render_template("certification/manage.html", certs=certs, form=form, revoke_form=RevokeForm(), q=query)


@role_required("instructor")
def award():
    """Award a certificate by hand; the reason is kept with it."""
    form = AwardForm()
    form.subject.choices = _subjects()
    if not form.validate_on_submit():
        return _manage_page(form), 400
    learner = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
    if learner is None:
        form.email.errors.append(_("No account has this e-mail."))
        return _manage_page(form), 400
    kind, slug = form.subject.data.split(":", 1)
    course = db.session.scalar(select(Course).where(Course.slug == slug)) if kind == "course" else None
    track = db.session.scalar(select(Track).where(Track.slug == slug)) if kind == "track" else None
    try:
        cert = services.award_by_hand(current_user, learner, course=course, track=track, reason=form.reason.data)
    except services.CertificationError as exc:
        form.reason.errors.append(str(exc))
        return _manage_page(form), 400
    db.session.commit()
    flash(_("Certificate %(id)s awarded to %(name)s.", id=cert.public_id, name=cert.learner_name), "success")
    return redirect(url_for("certification.manage"))


@role_required("instructor")
def revoke(public_id: str):
    """Revoke a certificate with a reason; the public verify page shows it from now on."""
    cert = services.find_public(public_id) or abort(404)
    if not services.can_manage(current_user, services.course_of(cert)):
        abort(403)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to revoke a certificate."), "error")
        return redirect(url_for("certification.manage"))
    try:
        services.revoke(current_user, cert, form.reason.data)
    except services.CertificationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("certification.manage"))
    db.session.commit()
    flash(_("Certificate %(id)s revoked.", id=cert.public_id), "success")
    return redirect(url_for("certification.manage"))


def register_teach_routes(bp: Blueprint) -> None:
    """Attach the management routes (instructors and admins) to the certification blueprint."""
    bp.add_url_rule("/certificates/manage", view_func=manage)
    bp.add_url_rule("/certificates/manage/award", view_func=award, methods=["POST"])
    bp.add_url_rule("/certificates/<public_id>/revoke", view_func=revoke, methods=["POST"])
