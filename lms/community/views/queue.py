"""The staff queue: a course's unanswered questions, and every course the viewer teaches together."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from lms.accounts.access import role_required
from lms.catalog import services as catalog
from lms.community.services import is_staff
from lms.community.services import queue as staff_queue
from lms.community.views import bp
from lms.db import utcnow


@bp.get("/courses/<slug>/community/queue")
@login_required
def queue(slug: str):
    course = catalog.get_course(slug)
    if course is None or not is_staff(current_user, course.id):
        abort(404)  # as for a course that does not exist: a learner learns nothing from it
    return _render([course], course)


@bp.get("/community/queue")
@role_required("instructor")
def staff_queue_all():
    return _render(staff_queue.queue_courses(current_user), None)


def _render(courses, course):
    now = utcnow()
    counts = staff_queue.queue_counts([c.id for c in courses], now)
    return render_template(
        "community/queue.html",
        course=course,
        courses=courses,
        entries=staff_queue.waiting_questions(courses, now),
        waiting=sum(c.waiting for c in counts.values()),
        overdue=sum(c.overdue for c in counts.values()),
        limit=staff_queue.QUEUE_LIMIT,
    )
