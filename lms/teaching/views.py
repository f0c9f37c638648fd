"""The instructor's page: their courses, enrolments and completion."""

from flask import Blueprint, render_template
from flask_login import current_user

from lms.accounts.access import role_required
from lms.teaching import services

bp = Blueprint("teaching", __name__, url_prefix="/teach")


@bp.get("/")
@role_required("instructor")
def index():
    courses = services.taught_courses(current_user)
    return render_template(
        "teaching/index.html",
        stats=services.course_stats(courses),
        assignments=services.assignments_by_course(courses),
    )
