"""My certificates, downloads, the public verify page and the issuer profile."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

import certificates
from certificates.data import MAX_PDF_BYTES
from lms.catalog.models import Course
from lms.certification import issuing, rules, services
from lms.certification.exam_views import register_exam_routes
from lms.certification.forms import LookupForm, VerifyUploadForm
from lms.certification.models import CourseCertification
from lms.certification.teach_views import register_teach_routes
from lms.developers.services import audiences
from lms.extensions import csrf, db, limiter
from lms.learning import services as learning
from lms.responses import attachment

bp = Blueprint("certification", __name__)


def exam_url(course: Course) -> str | None:
    """The course page's link to the course's exam, if it has one (learning's page, plugged in by create_app)."""
    row = db.session.get(CourseCertification, course.id)
    return url_for("certification.exam", slug=course.slug) if row is not None and row.exam else None


def certificate_card(course: Course) -> rules.CertificateCard | None:
    """The course page's certificate card for an enrolled learner (learning's page, plugged in by create_app)."""
    if not current_user.is_authenticated or learning.get_enrollment(current_user.id, course.id) is None:
        return None
    held = services.find_by_subject(current_user.id, f"course:{course.slug}")
    public_id = held.public_id if held is not None and held.revoked_at is None else None
    return rules.certificate_card(current_user.id, course, public_id)


register_exam_routes(bp)
register_teach_routes(bp)
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(cert, config: issuing.IssuingConfig) -> str:
    """LinkedIn's documented add-to-profile link, prefilled with our certification fields."""
    issued = cert.issued_at.astimezone(UTC)
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": cert.title,
        "organizationName": config.issuer_name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": config.verify_url(cert.public_id),
        "certId": cert.public_id,
    }
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


@bp.get("/certificates")
@login_required
def mine():
    config = issuing.config_from_app()
    certs = services.learner_certificates(current_user.id)
    held = {c.subject for c in certs}
    courses = [db.session.get(Course, cid) for cid in learning.enrolled_course_ids(current_user.id)]
    pending = [
        (c, rules.course_requirements(current_user.id, c))
        for c in courses
        if c and c.archived_at is None and f"course:{c.slug}" not in held and rules.rules_of(c)["enabled"]
    ]
    slugs = {c.slug for c in courses if c}
    hidden = audiences.hidden_course_slugs(current_user)  # a track naming a course they may not see
    tracks = [
        (t, rules.track_requirements(current_user.id, t))
        for t in rules.live_tracks()
        if f"track:{t.slug}" not in held and slugs & set(t.course_slugs) and not hidden & set(t.course_slugs)
    ]
    links = {c.public_id: (config.verify_url(c.public_id), linkedin_url(c, config)) for c in certs}
    return render_template("certification/mine.html", certs=certs, links=links, pending=pending, tracks=tracks)


def _owned(public_id: str):
    return services.visible_certificate(current_user, public_id) or abort(404)


@bp.get("/certificates/<public_id>.pdf")
@login_required
def pdf(public_id: str):
    cert = _owned(public_id)
    path = issuing.stored_pdf(cert, issuing.config_from_app())
    db.session.commit()
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=f"academy-certificate-{cert.public_id}.pdf"
    )


@bp.get("/certificates/<public_id>/credential.json")
@login_required
def credential(public_id: str):
    body = issuing.credential_json(_owned(public_id), issuing.config_from_app())
    return attachment(body, f"academy-credential-{public_id}.json", "application/ld+json")


@bp.get("/certificates/<public_id>/credential.jwt")
@login_required
def credential_jwt(public_id: str):
    body = issuing.credential_jwt(_owned(public_id), issuing.config_from_app())
    return attachment(body, f"academy-credential-{public_id}.jwt", "application/vc+jwt")


@bp.get("/.well-known/academy-issuer.json")
def issuer_profile():
    profile = issuing.issuer_keys(issuing.config_from_app()).profile()
    response = jsonify(profile)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public, response.cache_control.max_age = True, 3600
    return response


@bp.get("/verify")
def verify_index():
    form = LookupForm(request.args)
    if request.args.get("certificate_id") and form.validate():
        return verify(form.certificate_id.data.strip().upper())
    return render_template("certification/verify.html", cert=None)


@bp.get("/verify/<public_id>")
def verify(public_id: str):
    cert = services.find_public(public_id)
    status = 200 if cert else 404
    return render_template("certification/verify.html", cert=cert, asked=public_id[:40]), status


@bp.post("/verify")
@limiter.limit("30 per minute")
@csrf.exempt  # public and read-only; the token check would parse a huge body before we can refuse it
def verify_upload():
    too_big = _(
        "The file is larger than %(mb)s MB. An Academy certificate is a PDF of about 100 KB: this is not one.",
        mb=MAX_PDF_BYTES // (1024 * 1024),
    )
    if (request.content_length or 0) > MAX_PDF_BYTES + 64 * 1024:
        return _verify_page(error=too_big), 413
    try:
        form = VerifyUploadForm()
        valid_form = form.validate_on_submit()
    except RequestEntityTooLarge:
        return _verify_page(error=too_big), 413
    if not valid_form:
        return _verify_page(upload_errors=form.pdf.errors), 400
    data = form.pdf.data.read(MAX_PDF_BYTES + 1)
    result = certificates.verify_pdf(data, issuing.issuer_keys(issuing.config_from_app()).public_key)
    cert = services.find_public(result.certificate_id) if result.valid and result.certificate_id else None
    return _verify_page(result=result, upload_cert=cert, filename=form.pdf.data.filename), 200


def _verify_page(**context):
    return render_template("certification/verify.html", cert=None, uploaded=True, **context)
