"""Instructors: survey results of what they teach, and replies to answers (item reports are in the hub)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.access import role_required
from lms.extensions import db
from lms.feedback import hub, surveys
from lms.feedback.forms import ReplyForm
from lms.feedback.models import Survey, SurveyResponse
from lms.teaching.services import course_stats, taught_courses
from lms.workshops import services as workshops


@role_required("instructor")
def teach():
    rows = []
    for stats in course_stats(taught_courses(current_user)):  # completions of every course in one go
        survey = surveys.survey_for(course=stats.course)
        rows.append(("course", stats.course, surveys.results(survey, stats.completed)))
    for workshop in workshops.taught_workshops(current_user):
        survey = surveys.survey_for(workshop=workshop)
        rows.append(("workshop", workshop, surveys.results(survey)))
    timing = hub.response_time(hub.metric_items(current_user))
    db.session.commit()
    return render_template("feedback/teach.html", rows=rows, timing=timing)


@role_required("instructor")
def results(survey_id: int):
    survey = db.session.get(Survey, survey_id) or abort(404)
    if not surveys.can_see_results(current_user, survey):
        abort(403)
    kind, subject = surveys.subject_of(survey)
    return render_template(
        "feedback/results.html", r=surveys.results(survey), kind=kind, subject=subject, form=ReplyForm()
    )


@role_required("instructor")
def reply(response_id: int):
    response = db.session.get(SurveyResponse, response_id) or abort(404)
    if not surveys.can_see_results(current_user, response.survey):
        abort(403)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("Write a reply first."), "error")
    else:
        surveys.reply(response, current_user, form.body.data)
        db.session.commit()
        flash(_("Reply sent; the learner sees it with their answers."), "success")
    return redirect(url_for("feedback.results", survey_id=response.survey_id, _anchor=f"response-{response.id}"))


def register_teach_routes(bp: Blueprint) -> None:
    """Attach the instructors' routes to the feedback blueprint."""
    bp.add_url_rule("/teach", view_func=teach)
    bp.add_url_rule("/surveys/<int:survey_id>/results", view_func=results)
    bp.add_url_rule("/responses/<int:response_id>/reply", view_func=reply, methods=["POST"])
