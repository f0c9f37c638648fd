"""Enrolling, lessons, quizzes and the learner dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning import services
from lms.learning.dashboard import dashboard_body
from lms.learning.forms import ActionForm, choice_indexes
from lms.templating import render_page

bp = Blueprint("learning", __name__)


def _load(slug: str, item_slug: str | None = None):
    """The course (and item) the learner is enrolled in; else 404 or back to the course page."""
    course = catalog.get_course(slug) or abort(404)
    item = catalog.get_item(course, item_slug) or abort(404) if item_slug else None
    return course, item


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_page("learning/dashboard.html", body=dashboard_body(current_user._get_current_object()))


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll(slug: str):
    course, _item = _load(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.enroll(current_user.id, course)
    db.session.commit()
    flash(_("You are enrolled in %(title)s.", title=course.title), "success")
    return redirect(url_for("catalog.course", slug=slug))


@bp.get("/courses/<slug>/<item_slug>")
@login_required
def item(slug: str, item_slug: str):
    course, item = _load(slug, item_slug)
    if services.get_enrollment(current_user.id, course.id) is None:
        flash(_("Enroll in the course to open its lessons."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    syllabus = catalog.syllabus(course)
    done = services.completed_item_ids(current_user.id, course.id)
    attempt = services.latest_attempt(current_user.id, item.id) if item.kind == "quiz" else None
    verdicts = services.score_quiz(item, attempt.answers)[2] if attempt else None
    return render_template(
        f"learning/{item.kind}.html",
        course=course, item=item, syllabus=syllabus, done=done, form=ActionForm(),
        attempt=attempt, verdicts=verdicts, next_up=_after(syllabus, item),
    )  # fmt: skip


def _after(syllabus, current):
    flat = [i for _m, items in syllabus for i in items]
    index = next((n for n, i in enumerate(flat) if i.id == current.id), -1)
    return flat[index + 1] if 0 <= index < len(flat) - 1 else None


def _enrolled_item(slug: str, item_slug: str, kind: str):
    """For a POST on an item: a valid form, the expected kind of item, an enrolled learner."""
    course, item = _load(slug, item_slug)
    if not ActionForm().validate_on_submit() or item.kind != kind:
        abort(400)
    if services.get_enrollment(current_user.id, course.id) is None:
        abort(403)
    return course, item


@bp.post("/courses/<slug>/<item_slug>/complete")
@login_required
def complete(slug: str, item_slug: str):
    course, item = _enrolled_item(slug, item_slug, "lesson")
    services.complete_lesson(current_user.id, item)
    db.session.commit()
    syllabus = catalog.syllabus(course)
    following = _after(syllabus, item)
    if following:
        return redirect(url_for("learning.item", slug=slug, item_slug=following.slug))
    flash(_("Lesson complete."), "success")
    return redirect(url_for("catalog.course", slug=slug))


@bp.post("/courses/<slug>/<item_slug>/quiz")
@login_required
def submit_quiz(slug: str, item_slug: str):
    _course, item = _enrolled_item(slug, item_slug, "quiz")
    answers = {q["id"]: choice_indexes(request.form.getlist(f"q-{q['id']}")) for q in item.data["questions"]}
    try:
        attempt = services.submit_quiz(current_user.id, item, answers)
    except services.LearningError as exc:
        flash(str(exc), "error")
        return redirect(url_for("learning.item", slug=slug, item_slug=item_slug))
    db.session.commit()
    flash(_("You scored %(score)s of %(max)s.", score=_num(attempt.score), max=_num(attempt.max_score)), "success")
    return redirect(url_for("learning.item", slug=slug, item_slug=item_slug, _anchor="results"))


def _num(value: float) -> str:
    return f"{value:g}"
