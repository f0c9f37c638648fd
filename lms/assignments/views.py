"""Notebook assignments for learners: the assignment page, release download, upload, live state, feedback."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.assignments import services
from lms.assignments.forms import UploadForm
from lms.assignments.models import Submission
from lms.assignments.tasks import enqueue_grading
from lms.assignments.teach_views import register_teach_routes
from lms.catalog import services as catalog
from lms.catalog.models import Course, Item
from lms.developers.services import audiences
from lms.extensions import db
from lms.learning import counting
from lms.learning import services as learning
from lms.responses import attachment

bp = Blueprint("assignments", __name__)
register_teach_routes(bp)


def assignment_page(course: Course, item: Item) -> str:
    """The learner's assignment page at the item's URL: learning checks the enrolment and hands over."""
    outline = learning.outline(current_user.id, course, item)
    return render_template(
        "assignments/assignment.html",
        course=course,
        item=item,
        syllabus=outline.syllabus,
        done=outline.done,
        next_up=outline.next_up,
        view=services.assignment_page(current_user.id, item),
        counted=counting.counting_attempt(current_user.id, item),
    )


def _assignment(slug: str, item_slug: str):
    course = audiences.visible_course(current_user, slug) or abort(404)
    item = catalog.get_item(course, item_slug) or abort(404)
    if item.kind != "assignment":
        abort(404)
    return course, item


def _visible(submission_id: int) -> Submission:
    """The learner's own submission, or one of a course the user teaches; 404 otherwise."""
    return services.visible_submission(current_user, submission_id) or abort(404)


@bp.get("/courses/<slug>/<item_slug>/notebook.ipynb")
@login_required
def release_notebook(slug: str, item_slug: str):
    course, item = _assignment(slug, item_slug)
    stored = services.current_release(item.id)
    if stored is None or not services.may_download(current_user, course.id):
        abort(404 if stored is None else 403)
    body = services.engine_release(stored).notebook_bytes
    return attachment(body, f"{item.slug}.ipynb", "application/x-ipynb+json")


@bp.post("/courses/<slug>/<item_slug>/submissions")
@login_required
def upload(slug: str, item_slug: str):
    course, item = _assignment(slug, item_slug)
    form = UploadForm()
    page = url_for("learning.item", slug=course.slug, item_slug=item.slug)
    if not form.validate_on_submit():
        expired = form.errors.get("csrf_token") and _("The form expired; reload the page.")
        return _rejected("no_file", expired or _("Choose a notebook file (.ipynb) to upload."), page)
    limit = current_app.config["GRADING_MAX_UPLOAD_BYTES"]
    data = form.notebook.data.read(limit + 1)
    try:
        submission, created = services.submit(current_user, item, data, max_bytes=limit)
    except services.AssignmentError as exc:
        return _rejected(exc.code, str(exc), page)
    db.session.commit()  # stored for good before we answer
    if created:
        enqueue_grading([(submission.id, submission.run)])
    message = _("Notebook received; grading has started.") if created else _("You already sent exactly this notebook.")
    if _wants_json():
        status = url_for("assignments.status", submission_id=submission.id)
        return jsonify(id=submission.id, created=created, message=message, status_url=status, page_url=page), (
            201 if created else 200
        )
    flash(message, "success")
    return redirect(page + "#attempts")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _rejected(code: str, message: str, page: str):
    if _wants_json():
        return jsonify(error=code, message=message), 400
    flash(message, "error")
    return redirect(page + "#submit")


@bp.get("/submissions/<int:submission_id>/status")
@login_required
def status(submission_id: int):
    submission = _visible(submission_id)
    return jsonify(services.status(submission))


@bp.get("/submissions/<int:submission_id>/feedback.html")
@login_required
def feedback(submission_id: int):
    submission = _visible(submission_id)
    grade = submission.grade or abort(404)
    html = services.feedback_page(grade)
    db.session.commit()  # a first view keeps the page it rendered
    if html is None:
        return render_template(
            "error.html",
            code=404,
            title=_("No detailed feedback"),
            message=_("There is no detailed feedback for this attempt: the notebook could not be read."),
        ), 404
    response = attachment(html.encode(), f"feedback-{submission.id}.html", "text/html")
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    return response


@bp.get("/submissions/<int:submission_id>/notebook.ipynb")
@login_required
def submitted_notebook(submission_id: int):
    submission = _visible(submission_id)
    return attachment(submission.content, f"submission-{submission.id}.ipynb", "application/x-ipynb+json")
