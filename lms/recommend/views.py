"""Skills page, placement quiz, assigned paths, and GET /api/v1/me/recommendations."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.access import role_required
from lms.accounts.services import find_user
from lms.extensions import db
from lms.learning.forms import ActionForm, choice_indexes
from lms.recommend import paths, placement, receivers, services, skills  # noqa: F401  (receivers: connect)
from lms.recommend.forms import AssignForm, GoalForm, PathForm

bp = Blueprint("recommend", __name__)


@bp.app_context_processor
def recommended_helper() -> dict:
    """Course pages call `recommended_for(course.id)`: module slug -> reason, for the current learner."""

    def recommended_for(course_id: int) -> dict[str, str]:
        if not current_user.is_authenticated:
            return {}
        return services.recommended_module_ids(current_user.id, course_id)

    return {"recommended_for": recommended_for}


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
        try:
            outcome = placement.take_placement(current_user.id, quiz, answers)
        except placement.PlacementError as exc:
            flash(str(exc), "error")
            page = render_template(
                "recommend/placement.html", quiz=quiz, form=form, answers=answers, titles=placement.section_titles(quiz)
            )
            return page, 400
        db.session.commit()
        flash(_("Placement done: %(n)s course(s) marked as known.", n=len(outcome.known_courses)), "success")
        return redirect(url_for("recommend.skills_page"))
    titles = placement.section_titles(quiz)
    return render_template("recommend/placement.html", quiz=quiz, form=form, answers={}, titles=titles)


def _keys(quiz) -> list[str]:
    return [f"{s.course}/{q.id}" for s in quiz.sections for q in s.questions]


@bp.get("/paths")
@role_required("manager", "instructor")
def path_list():
    return render_template("recommend/paths.html", paths=paths.visible_paths(current_user))


@bp.route("/paths/new", methods=["GET", "POST"])
@role_required("manager", "instructor")
def new_path():
    form = PathForm()
    choices = [("", _("(none)"))] + [(c.slug, c.title) for c in paths.course_choices()]
    for step in form.steps:
        step.course.choices = choices
    if form.validate_on_submit():
        try:
            path = paths.create_path_from_form(current_user, form.title.data, form.description.data or "",
                                               [(s.course.data, s.due.data) for s in form.steps])  # fmt: skip
        except paths.PathError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Path %(title)s created. Now assign it.", title=path.title), "success")
            return redirect(url_for("recommend.assign_path", path_id=path.id))
    return render_template("recommend/path_new.html", form=form)


@bp.route("/paths/<int:path_id>/assign", methods=["GET", "POST"])
@role_required("manager", "instructor")
def assign_path(path_id: int):
    path = paths.visible_path(current_user, path_id) or abort(404)
    form = AssignForm()
    form.team.choices = [(0, _("(no team)"))] + [(t.id, t.name) for t in paths.assignable_teams(current_user)]
    if form.validate_on_submit():
        team = paths.team_by_id(form.team.data) if form.team.data else None
        learner = find_user(form.learner.data) if form.learner.data else None
        if form.learner.data and learner is None:
            flash(_("No learner has that e-mail."), "error")
        else:
            try:
                paths.assign(current_user, path, team=team, learner=learner)
            except paths.PathError as exc:
                flash(str(exc), "error")
            except paths.NotAllowed:
                abort(403)
            else:
                db.session.commit()
                flash(_("Path assigned."), "success")
                return redirect(url_for("recommend.path_list"))
    return render_template("recommend/path_assign.html", path=path, form=form)


@bp.get("/api/v1/me/recommendations")
def api_recommendations():
    if not current_user.is_authenticated:
        return jsonify(error="authentication required"), 401
    return jsonify(
        recommendations=[_api_row(r) for r in services.recommendations(current_user.id)],
        paths=[_api_path(p) for p in paths.learner_paths(current_user.id)],
    )


def _api_path(path: paths.AssignedPath) -> dict:
    rows = [
        {**asdict(row), "due_at": row.due_at.isoformat() if row.due_at else None,
         "url": url_for("catalog.course", slug=row.course_slug, _external=True)}
        for row in path.rows
    ]  # fmt: skip
    return {"id": path.id, "title": path.title, "description": path.description, "courses": rows}


def _api_row(rec: services.Shown) -> dict:
    row = asdict(rec)
    row["url"] = url_for("catalog.course", slug=rec.course_slug, _anchor=f"module-{rec.module_slug}", _external=True)
    row["params"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rec.params.items()}
    return row
