"""Surveys (CSAT, NPS) and feedback on content (issue: workshops and feedback)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Item
from lms.developers.services import audiences
from lms.extensions import db
from lms.feedback import content_reports, surveys
from lms.feedback.forms import ActionForm, ReplyForm, ReportForm, SurveyForm
from lms.feedback.teach_views import register_teach_routes
from lms.teaching.services import teaches
from lms.workshops import services as workshops

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
register_teach_routes(bp)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


@bp.get("/")
@login_required
def index():
    pending = surveys.pending(_secret(), current_user)
    db.session.commit()  # surveys are created on first use
    return render_template(
        "feedback/index.html",
        pending=pending,
        responses=surveys.my_responses(_secret(), current_user),
        reports=content_reports.my_reports(current_user),
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
    course = audiences.visible_course(current_user, slug) or abort(404)
    item = catalog.get_item(course, item_slug) or abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        content_reports.create_report(current_user, item, form.kind.data, form.body.data)
        db.session.commit()
        flash(_("Thank you: the course's instructors will answer on your feedback page."), "success")
    else:
        flash(_("Describe the problem or suggestion in a few words."), "error")
    return redirect(url_for("learning.item", slug=slug, item_slug=item_slug))


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@login_required
def thread(report_id: int):
    found = content_reports.visible_report(current_user, report_id) or abort(404)
    form = ReplyForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                content_reports.add_message(found, current_user, form.body.data)
                db.session.commit()
                return redirect(url_for("feedback.thread", report_id=found.id))
            except surveys.FeedbackError as exc:
                db.session.rollback()
                flash(str(exc), "error")
        else:
            flash(_("Write a message first."), "error")
    item = db.session.get(Item, found.item_id)
    names = {m.author_id: _name(m.author_id) for m in found.messages}
    return render_template(
        "feedback/thread.html",
        report=found,
        item=item,
        names=names,
        form=form,
        close_form=ActionForm(),
        teacher=teaches(current_user, found.course_id),
    )


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else _("Former user")


@bp.post("/reports/<int:report_id>/close")
@login_required
def close(report_id: int):
    found = content_reports.visible_report(current_user, report_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    content_reports.close_report(found)
    db.session.commit()
    flash(_("Report closed."), "success")
    return redirect(url_for("feedback.thread", report_id=found.id))
