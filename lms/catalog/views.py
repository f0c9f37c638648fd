"""The catalog and course pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from lms.catalog import services
from lms.catalog.models import TIERS
from lms.learning import services as learning

bp = Blueprint("catalog", __name__)


@bp.get("/")
def index():
    tier = request.args.get("tier", "")
    tag = request.args.get("tag", "")[:50]
    query = request.args.get("q", "").strip()[:100]
    courses = services.list_courses(tier=tier or None, tag=tag or None, query=query or None)
    progress = learning.progress_for(current_user.id, [c.id for c in courses]) if current_user.is_authenticated else {}
    enrolled = set(learning.enrolled_course_ids(current_user.id)) if current_user.is_authenticated else set()
    return render_template(
        "catalog/index.html",
        courses=courses, tiers=TIERS, tier=tier, tag=tag, query=query,
        tags=services.popular_tags(), progress=progress, enrolled=enrolled,
    )  # fmt: skip


@bp.get("/courses/<slug>")
def course(slug: str):
    course = services.get_course(slug) or abort(404)
    syllabus = services.syllabus(course)
    enrollment = done = progress = None
    missing_prereqs = course.prerequisites
    if current_user.is_authenticated:
        enrollment = learning.get_enrollment(current_user.id, course.id)
        done = learning.completed_item_ids(current_user.id, course.id)
        progress = learning.progress_for(current_user.id, [course.id])[course.id]
        completed = learning.completed_course_ids(current_user.id, [p.id for p in course.prerequisites])
        missing_prereqs = [p for p in course.prerequisites if p.id not in completed]
    next_up = learning.next_item(course, syllabus, done or set()) if enrollment else None
    return render_template(
        "catalog/course.html",
        course=course, syllabus=syllabus, enrollment=enrollment, done=done or set(),
        progress=progress, missing_prereqs=missing_prereqs, next_up=next_up,
    )  # fmt: skip
