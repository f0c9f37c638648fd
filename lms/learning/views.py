"""The catalog and course pages with the learner's place in them; enrolling, lessons and quizzes."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalog import services as catalog
from lms.catalog.models import TIERS, Course, Item
from lms.developers.services import audiences
from lms.extensions import db
from lms.learning import counting, services
from lms.learning.forms import ActionForm, choice_indexes

bp = Blueprint("learning", __name__)
LEARNING_KINDS = ("lesson", "quiz")  # items whose page is learning's; the others' owners register theirs
ItemPage = Callable[[Course, Item], ResponseReturnValue]
CoursePanel = Callable[[Course], object]


def register_item_page(app: Flask, kind: str, page: ItemPage) -> None:
    """Let the domain that owns a kind of item render its page at the item's URL: learning checks the
    enrolment, then hands over (it cannot import the domains above it)."""
    app.extensions.setdefault("item_pages", {})[kind] = page


def register_course_panel(app: Flask, name: str, panel: CoursePanel) -> None:
    """Let a domain above learning show plain data on the course page (recommended modules, the exam link):
    the template reads `panels[name]`, absent when that domain is not plugged in."""
    app.extensions.setdefault("course_panels", {})[name] = panel


def _load(slug: str, item_slug: str | None = None):
    """The course (and item) the learner is enrolled in; else 404 or back to the course page."""
    course = audiences.visible_course(current_user, slug) or abort(404)
    item = catalog.get_item(course, item_slug) or abort(404) if item_slug else None
    return course, item


@bp.get("/")
def index():
    tier = request.args.get("tier", "")
    tag = request.args.get("tag", "")[:50]
    query = request.args.get("q", "").strip()[:100]
    hidden = audiences.hidden_course_ids(current_user)
    courses = catalog.list_courses(tier=tier or None, tag=tag or None, query=query or None, hidden=hidden)
    progress = services.progress_for(current_user.id, [c.id for c in courses]) if current_user.is_authenticated else {}
    enrolled = set(services.enrolled_course_ids(current_user.id)) if current_user.is_authenticated else set()
    return render_template(
        "learning/catalog.html",
        courses=courses,
        tiers=TIERS,
        tier=tier,
        tag=tag,
        query=query,
        tags=catalog.popular_tags(hidden=hidden),
        progress=progress,
        enrolled=enrolled,
        hidden=hidden,
    )


@bp.get("/courses/<slug>")
def course(slug: str):
    course = audiences.visible_course(current_user, slug) or abort(404)
    syllabus = catalog.syllabus(course)
    enrollment = done = progress = None
    results: dict[int, counting.Counted] = {}
    prerequisites = [p for p in course.prerequisites if audiences.may_see_course(current_user, p)]
    missing_prereqs = prerequisites
    if current_user.is_authenticated:
        enrollment = services.get_enrollment(current_user.id, course.id)
        done = services.completed_item_ids(current_user.id, course.id)
        results = counting.counting_attempts(current_user.id, course.id)
        progress = services.progress_for(current_user.id, [course.id])[course.id]
        completed = services.completed_course_ids(current_user.id, [p.id for p in prerequisites])
        missing_prereqs = [p for p in prerequisites if p.id not in completed]
    next_up = services.next_item(course, syllabus, done or set()) if enrollment else None
    panels = {name: panel(course) for name, panel in current_app.extensions.get("course_panels", {}).items()}
    return render_template(
        "learning/course.html",
        course=course,
        syllabus=syllabus,
        enrollment=enrollment,
        done=done or set(),
        results=results,
        progress=progress,
        prerequisites=prerequisites,
        missing_prereqs=missing_prereqs,
        next_up=next_up,
        panels=panels,
    )


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll(slug: str):
    course, _item = _load(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.enroll(current_user.id, course)
    db.session.commit()
    flash(_("You are enrolled in %(title)s.", title=course.title), "success")
    return redirect(url_for("learning.course", slug=slug))


@bp.post("/courses/<slug>/leave")
@login_required
def leave(slug: str):
    course, _item = _load(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    if services.leave(current_user.id, course) is None:
        abort(404)
    db.session.commit()
    flash(_("You left %(title)s. You can still read its discussion and enroll again.", title=course.title), "success")
    return redirect(url_for("learning.course", slug=slug))


@bp.get("/courses/<slug>/<item_slug>")
@login_required
def item(slug: str, item_slug: str):
    course, item = _load(slug, item_slug)
    if services.get_enrollment(current_user.id, course.id) is None:
        flash(_("Enroll in the course to open its lessons."), "info")
        return redirect(url_for("learning.course", slug=slug))
    owner_page = current_app.extensions.get("item_pages", {}).get(item.kind)
    if owner_page is not None:
        return owner_page(course, item)
    if item.kind not in LEARNING_KINDS:
        abort(404)
    outline = services.outline(current_user.id, course, item)
    attempt = services.latest_attempt(current_user.id, item.id) if item.kind == "quiz" else None
    verdicts = services.score_quiz(item, attempt.answers)[2] if attempt else None
    counted = counting.counting_attempt(current_user.id, item) if attempt else None
    return render_template(
        f"learning/{item.kind}.html",
        course=course,
        item=item,
        syllabus=outline.syllabus,
        done=outline.done,
        form=ActionForm(),
        attempt=attempt,
        verdicts=verdicts,
        counted=counted,
        next_up=outline.next_up,
    )


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
    following = services.item_after(catalog.syllabus(course), item)
    if following:
        return redirect(url_for("learning.item", slug=slug, item_slug=following.slug))
    flash(_("Lesson complete."), "success")
    return redirect(url_for("learning.course", slug=slug))


@bp.post("/courses/<slug>/<item_slug>/quiz")
@login_required
def submit_quiz(slug: str, item_slug: str):
    course, item = _enrolled_item(slug, item_slug, "quiz")
    answers = {q["id"]: choice_indexes(request.form.getlist(f"q-{q['id']}")) for q in item.data["questions"]}
    try:
        attempt = services.submit_quiz(current_user.id, item, answers)
    except services.LearningError as exc:
        flash(str(exc), "error")
        return redirect(url_for("learning.item", slug=slug, item_slug=item_slug))
    db.session.commit()
    mark = counting.rule_of(item.data, course.pass_mark).pass_mark
    passed = attempt.score * 100 >= mark * attempt.max_score
    flash(
        _("You scored %(score)s of %(max)s.", score=_num(attempt.score), max=_num(attempt.max_score)),
        "success" if passed else "info",
    )
    return redirect(url_for("learning.item", slug=slug, item_slug=item_slug, _anchor="results"))


def _num(value: float) -> str:
    return f"{value:g}"
