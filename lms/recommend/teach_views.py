"""Managers and instructors: learning paths, created and assigned to their teams or learners."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.access import role_required
from lms.accounts.services import find_user
from lms.extensions import db
from lms.recommend import paths
from lms.recommend.forms import AssignForm, PathForm


@role_required("manager", "instructor")
def path_list():
    return render_template("recommend/paths.html", paths=paths.visible_paths(current_user))


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


def register_teach_routes(bp: Blueprint) -> None:
    """Attach the path routes (managers and instructors) to the recommend blueprint."""
    bp.add_url_rule("/paths", view_func=path_list)
    bp.add_url_rule("/paths/new", view_func=new_path, methods=["GET", "POST"])
    bp.add_url_rule("/paths/<int:path_id>/assign", view_func=assign_path, methods=["GET", "POST"])
