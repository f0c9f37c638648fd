"""Surveys (CSAT, NPS) and feedback on content (issue: workshops and feedback)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalog import services as catalog
from lms.developers.services import audiences
from lms.extensions import db
from lms.feedback import hub, surveys
from lms.feedback.forms import ReportForm, SurveyForm
from lms.feedback.hub_views import register_hub_routes
from lms.feedback.teach_views import register_teach_routes
from lms.workshops import services as workshops

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
register_teach_routes(bp)
register_hub_routes(bp)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


@bp.get("/")
def index():
    """The hub's home: open public items by votes, "File feedback"; signed in, also what you filed
    or voted for and the surveys waiting for you."""
    pending, responses, mine = [], [], []
    if current_user.is_authenticated:
        pending = surveys.pending(_secret(), current_user)
        db.session.commit()  # surveys are created on first use
        responses = surveys.my_responses(_secret(), current_user)
        mine = hub.mine(current_user)
    items = hub.public_open(current_user) if current_user.is_authenticated else []
    return render_template(
        "feedback/index.html",
        pending=pending,
        responses=responses,
        mine=mine,
        items=items,
        voted=hub.voted_ids(current_user, [i.id for i in items]),
        staff=hub.is_staff(current_user),
        subjects=surveys.subject_of,
    )


def _subject_or_404(kind: str, slug: str):
    if kind == "course":
        course = audiences.visible_course(current_user, slug) or abort(404)
        return course, surveys.survey_for(course=course)
    if kind == "workshop":
        workshop = workshops.get_workshop(slug)
        if workshop is None or not audiences.may_see_workshop(current_user, workshop):
            abort(404)
        return workshop, surveys.survey_for(workshop=workshop)
    abort(404)


@bp.route("/surveys/<kind>/<slug>", methods=["GET", "POST"])
@login_required
def answer(kind: str, slug: str):
    subject, survey = _subject_or_404(kind, slug)
    mine = surveys.own_response(_secret(), survey, current_user.id)
    allowed = surveys.may_answer(current_user, **{kind: subject})
    form = SurveyForm()
    if mine is None and allowed and form.validate_on_submit():
        raw = {q["id"]: request.form.get(f"q-{q['id']}", "") for q in survey.questions}
        try:
            answers = surveys.clean_answers(survey, raw)
            surveys.submit(
                _secret(),
                survey,
                current_user,
                csat=int(form.csat.data),
                nps=int(form.nps.data),
                comment=form.comment.data or "",
                answers=answers,
            )
            db.session.commit()
        except surveys.FeedbackError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Thank you! Your answers reach the instructors."), "success")
            return redirect(url_for("feedback.answer", kind=kind, slug=slug))
    db.session.commit()  # the survey row, created on first use
    return render_template(
        "feedback/survey.html", kind=kind, subject=subject, survey=survey, mine=mine, allowed=allowed, form=form
    )


@bp.post("/report/<slug>/<item_slug>")
@login_required
def report(slug: str, item_slug: str):
    """The report button of a lesson, quiz or assignment: files a private hub item linked to it."""
    course = audiences.visible_course(current_user, slug) or abort(404)
    item = catalog.get_item(course, item_slug) or abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            filed = hub.file_report(current_user, item, form.kind.data, form.body.data)
            db.session.commit()
        except surveys.FeedbackError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Thank you: the course's instructors will answer on your feedback page."), "success")
            return redirect(url_for("feedback.item", item_id=filed.id))
    else:
        flash(_("Describe the problem or suggestion in a few words."), "error")
    return redirect(url_for("learning.item", slug=slug, item_slug=item_slug))
