"""The dashboard ("what next?"), skills page and placement quiz."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.announcements import services as announcements
from lms.catalog.models import Course
from lms.developers.services.profiles import needs_step
from lms.extensions import db
from lms.learning.forms import ActionForm, choice_indexes
from lms.recommend import placement, services, skills
from lms.recommend.dashboard import dashboard_body
from lms.recommend.forms import GoalForm
from lms.recommend.teach_views import register_teach_routes
from lms.templating import render_page

bp = Blueprint("recommend", __name__)
register_teach_routes(bp)


def recommended_modules(course: Course) -> dict[str, str]:
    """The course page's panel (learning's page, plugged in by create_app): module slug -> reason."""
    if not current_user.is_authenticated:
        return {}
    return services.recommended_module_ids(current_user.id, course.id)


@bp.get("/dashboard")
@login_required
def dashboard():
    user = current_user._get_current_object()
    if needs_step(user):  # DECISIONS "Sign-up, in one sequence": the optional profile, once (read with the login)
        return redirect(url_for("developers.profile_step", next=url_for("recommend.dashboard")))
    shown = announcements.shown_to(user)  # no query unless the login check counted some
    return render_page("recommend/dashboard.html", body=dashboard_body(user), announcements=shown)


@bp.get("/skills")
@login_required
def skills_page():
    overview = skills.overview(current_user.id)
    form = GoalForm(tier=overview.goal or "beginner")
    return render_template("recommend/skills.html", overview=overview, form=form)


@bp.post("/skills/goal")
@login_required
def set_goal():
    form = GoalForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_goal(current_user.id, form.tier.data)
    db.session.commit()
    flash(_("Your goal is saved; recommendations follow it."), "success")
    return redirect(url_for("recommend.skills_page"))


@bp.route("/placement", methods=["GET", "POST"])
@login_required
def placement_quiz():
    try:
        quiz = placement.load_placement(current_app.config["COURSES_DIR"])
    except placement.PlacementError:
        abort(404)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        answers = {key: choice_indexes(request.form.getlist(f"q-{key}")) for key in _keys(quiz)}
        outcome = placement.take_placement(current_user.id, quiz, answers)
        db.session.commit()
        flash(_("Placement done: %(n)s course(s) marked as known.", n=len(outcome.known_courses)), "success")
        if outcome.unanswered:
            numbers = ", ".join(str(n) for n in outcome.unanswered)
            flash(_("Unanswered, so counted as not known yet: question(s) %(numbers)s.", numbers=numbers), "info")
        return redirect(url_for("recommend.skills_page"))
    titles = placement.section_titles(quiz)
    return render_template("recommend/placement.html", quiz=quiz, form=form, answers={}, titles=titles)


def _keys(quiz) -> list[str]:
    return [f"{s.course}/{q.id}" for s in quiz.sections for q in s.questions]
