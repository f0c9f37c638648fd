"""The instructor's page: their courses, enrolments and completion; each course's gradebook grid and
content analytics."""

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.access import role_required
from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.certification import rules
from lms.community.services import figures as community
from lms.db import utcnow
from lms.reports import charts
from lms.responses import attachment
from lms.teaching import analytics, grid, services

bp = Blueprint("teaching", __name__, url_prefix="/teach")


@bp.get("/")
@role_required("instructor")
def index():
    courses = services.taught_courses(current_user)
    return render_template(
        "teaching/index.html",
        stats=services.course_stats(courses, rules.exam_cleared_by([c.id for c in courses])),
        assignments=services.assignments_by_course(courses),
        community=community.staff_panels(courses, utcnow(), platform=current_user.role == "admin"),
    )


def _taught(slug: str) -> Course:
    """A course the user teaches; 404 for any other, as for a course that does not exist."""
    course = catalog.get_course(slug)
    if course is None or not services.teaches(current_user, course.id):
        abort(404)
    return course


@bp.get("/courses/<slug>/grades")
@role_required("instructor")
def grades(slug: str):
    return render_template("teaching/grades.html", grid=grid.course_grid(_taught(slug)))


@bp.get("/courses/<slug>/grades.csv")
@role_required("instructor")
def grades_csv(slug: str):
    course = _taught(slug)
    return attachment(grid.grid_csv(grid.course_grid(course)), f"{course.slug}-grades.csv", "text/csv")


def _analysed(slug: str) -> Course:
    """Aggregates only, so analysts read every course's; instructors their own (404 for another)."""
    course = catalog.get_course(slug)
    if course is None or not (current_user.has_role("analyst") or services.teaches(current_user, course.id)):
        abort(404)
    return course


@bp.get("/courses/<slug>/analytics")
@role_required("instructor", "analyst")
def content_analytics(slug: str):
    report = analytics.course_analytics(_analysed(slug))
    reach = [(r.item.title, 100 * r.reach) for r in report.lessons]
    chart = charts.hbars(reach, title=_("Share of enrolled learners who completed each lesson"))
    return render_template("teaching/analytics.html", report=report, reach_chart=chart)


@bp.get("/courses/<slug>/analytics.csv")
@role_required("instructor", "analyst")
def content_analytics_csv(slug: str):
    course = _analysed(slug)
    body = analytics.analytics_csv(analytics.course_analytics(course))
    return attachment(body, f"{course.slug}-content-analytics.csv", "text/csv")
