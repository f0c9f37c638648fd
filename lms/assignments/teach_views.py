"""Instructor pages: gradebook per assignment, CSV, manual marks, extensions, regrades, grade history."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.access import role_required
from lms.accounts.models import User
from lms.assignments import audit, services
from lms.assignments import gradebook as book
from lms.assignments.audit import Actor
from lms.assignments.forms import ExtensionForm, ManualGradeForm, RegradeForm
from lms.assignments.tasks import enqueue_grading
from lms.catalog import services as catalog
from lms.catalog.models import Course, Item
from lms.extensions import db
from lms.localtime import NonexistentLocalTime, to_utc, when
from lms.responses import attachment

PREFIX = "/teach/assignments"


def _taught(slug: str, item_slug: str) -> tuple[Course, Item]:
    course = catalog.get_course(slug) or abort(404)
    item = catalog.get_item(course, item_slug) or abort(404)
    if not book.taught_assignment(current_user, course, item):
        abort(403)
    return course, item


@role_required("instructor")
def gradebook(slug: str, item_slug: str):
    course, item = _taught(slug, item_slug)
    rows = book.gradebook(item)
    return render_template(
        "assignments/gradebook.html",
        course=course,
        item=item,
        rows=rows,
        form=RegradeForm(),
        extension_form=ExtensionForm().offer(r.learner for r in rows),
        release=services.current_release(item.id),
    )


@role_required("instructor")
def gradebook_csv(slug: str, item_slug: str):
    course, item = _taught(slug, item_slug)
    body = book.gradebook_csv(item, book.gradebook(item))
    return attachment(body, f"{course.slug}-{item.slug}-gradebook.csv", "text/csv")


@role_required("instructor")
def history_csv(slug: str, item_slug: str):
    course, item = _taught(slug, item_slug)
    body = audit.history_csv(audit.item_history(item))
    return attachment(body, f"{course.slug}-{item.slug}-grade-history.csv", "text/csv")


@role_required("instructor")
def regrade_all(slug: str, item_slug: str):
    _course, item = _taught(slug, item_slug)
    form = RegradeForm()
    if not form.validate_on_submit():
        abort(400)
    rounds = book.regrade(item, by=Actor.of(current_user), reason=form.reason.data or "")
    db.session.commit()
    enqueue_grading(rounds)
    flash(_("%(n)s submission(s) queued for regrading.", n=len(rounds)), "success")
    return redirect(url_for("assignments.gradebook", slug=slug, item_slug=item_slug))


@role_required("instructor")
def extension(slug: str, item_slug: str):
    course, item = _taught(slug, item_slug)
    form = ExtensionForm()
    try:
        if not form.validate_on_submit():
            raise book.GradebookError(" ".join(str(e) for field in form for e in field.errors))
        learner = book.extension_learner(course, form.learner_id.data)
        due_at = to_utc(form.due_at.data, current_user.timezone)  # typed in the instructor's zone
        book.grant_extension(item, learner, due_at, by=Actor.of(current_user), reason=form.reason.data or "")
        db.session.commit()
    except (book.GradebookError, NonexistentLocalTime) as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(name)s may now submit until %(due)s.", name=learner.display_name, due=when(due_at)), "success")
    return redirect(url_for("assignments.gradebook", slug=slug, item_slug=item_slug))


def _submission(submission_id: int):
    submission = book.visible_taught_submission(current_user, submission_id) or abort(404)
    item = db.session.get(Item, submission.item_id)
    return submission, item, db.session.get(Course, item.course_id)


@role_required("instructor")
def submission(submission_id: int):
    sub, item, course = _submission(submission_id)
    page = services.assignment_page(sub.user_id, item)
    learner = db.session.get(User, sub.user_id)
    return render_template(
        "assignments/submission.html",
        sub=sub,
        item=item,
        course=course,
        learner=learner,
        page=page,
        form=RegradeForm(),
        manual_form=ManualGradeForm(),
        history=audit.submission_history(sub),
    )


@role_required("instructor")
def manual(submission_id: int):
    sub, _item, _course = _submission(submission_id)
    form = ManualGradeForm()
    if sub.grade is None or not form.validate_on_submit():
        flash(_("Enter points (a number of 0 or more) for a graded submission."), "error")
    else:
        try:
            changed = book.set_manual(
                sub.grade,
                form.grade_id.data,
                float(form.points.data),
                form.comment.data or "",
                by=Actor.of(current_user),
                reason=form.reason.data or "",
            )
            db.session.commit()
            flash(_("Mark saved; the learner's score is updated.") if changed else _("Nothing changed."), "success")
        except book.GradebookError as exc:
            flash(str(exc), "error")
    return redirect(url_for("assignments.submission", submission_id=sub.id, _anchor="manual"))


@role_required("instructor")
def regrade_one(submission_id: int):
    sub, item, _course = _submission(submission_id)
    form = RegradeForm()
    if not form.validate_on_submit():
        abort(400)
    rounds = book.regrade(item, sub, by=Actor.of(current_user), reason=form.reason.data or "")
    db.session.commit()
    enqueue_grading(rounds)
    flash(_("Submission queued for regrading."), "success")
    return redirect(url_for("assignments.submission", submission_id=sub.id))


@role_required("instructor")
def index():
    courses = services.taught_assignments(current_user)
    return render_template("assignments/index.html", courses=courses)


def register_teach_routes(bp: Blueprint) -> None:
    """Attach the instructors' gradebook routes to the assignments blueprint."""
    bp.add_url_rule(f"{PREFIX}/", view_func=index)
    bp.add_url_rule(f"{PREFIX}/<slug>/<item_slug>", view_func=gradebook)
    bp.add_url_rule(f"{PREFIX}/<slug>/<item_slug>/gradebook.csv", view_func=gradebook_csv)
    bp.add_url_rule(f"{PREFIX}/<slug>/<item_slug>/history.csv", view_func=history_csv)
    bp.add_url_rule(f"{PREFIX}/<slug>/<item_slug>/regrade", view_func=regrade_all, methods=["POST"])
    bp.add_url_rule(f"{PREFIX}/<slug>/<item_slug>/extensions", view_func=extension, methods=["POST"])
    bp.add_url_rule(f"{PREFIX}/submissions/<int:submission_id>", view_func=submission)
    bp.add_url_rule(f"{PREFIX}/submissions/<int:submission_id>/manual", view_func=manual, methods=["POST"])
    bp.add_url_rule(f"{PREFIX}/submissions/<int:submission_id>/regrade", view_func=regrade_one, methods=["POST"])
