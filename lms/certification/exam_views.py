"""The course exam: overview, start an attempt, answer within the time, see the result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.certification import exams, rules, services
from lms.certification.forms import ActionForm
from lms.developers.services import audiences
from lms.extensions import db
from lms.learning import services as learning

MAX_CHOICES = 20


def _course_with_exam(slug: str):
    course = audiences.visible_course(current_user, slug) or abort(404)
    if exams.exam_of(course) is None:
        abort(404)
    return course


@login_required
def exam_page(slug: str):
    """The exam overview: rules, attempts so far, and the start button."""
    course = _course_with_exam(slug)
    enrolled = learning.get_enrollment(current_user.id, course.id) is not None
    state = exams.status(current_user.id, course)
    db.session.commit()  # overdue attempts were just closed
    cert = services.find_by_subject(current_user.id, f"course:{course.slug}")
    requirements = rules.course_requirements(current_user.id, course)
    return render_template(
        "certification/exam.html",
        course=course,
        state=state,
        enrolled=enrolled,
        cert=cert,
        requirements=requirements,
        form=ActionForm(),
    )


@login_required
def start_exam(slug: str):
    """Start (or resume) an attempt and go to its questions."""
    course = _course_with_exam(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = exams.start(current_user.id, course)
    except exams.ExamError as exc:
        db.session.commit()
        flash(str(exc), "error")
        return redirect(url_for("certification.exam", slug=slug))
    db.session.commit()
    return redirect(url_for("certification.attempt", attempt_id=attempt.id))


@login_required
def attempt_page(attempt_id: int):
    """The drawn questions (no answers in the page) while open; the result once closed."""
    attempt = exams.visible_attempt(current_user, attempt_id) or abort(404)
    exams.status(current_user.id, attempt.course)  # closes it if the time ran out
    db.session.commit()
    return render_template(
        "certification/attempt.html",
        attempt=attempt,
        course=attempt.course,
        exam=exams.exam_of(attempt.course),
        questions=exams.questions_of(attempt),
        verdicts=exams.verdicts(attempt),
        form=ActionForm(),
        cert=services.find_by_subject(current_user.id, f"course:{attempt.course.slug}"),
    )


@login_required
def submit_attempt(attempt_id: int):
    """Score the answers if they arrive in time; late answers are refused and the attempt counts."""
    attempt = exams.visible_attempt(current_user, attempt_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    answers = {qid: _ints(request.form.getlist(f"q-{qid}")) for qid in attempt.question_ids}
    try:
        exams.submit(attempt, answers)
    except exams.ExamError as exc:
        db.session.commit()  # an expired attempt is closed and kept
        flash(str(exc), "error")
        return redirect(url_for("certification.attempt", attempt_id=attempt.id))
    db.session.commit()
    if attempt.passed:
        flash(_("You passed with %(p)s%%.", p=attempt.percent), "success")
    else:
        flash(
            _(
                "You scored %(p)s%%; the pass mark is %(m)s%%.",
                p=attempt.percent,
                m=exams.exam_of(attempt.course)["pass_mark"],
            ),
            "error",
        )
    return redirect(url_for("certification.attempt", attempt_id=attempt.id))


def _ints(values: list[str]) -> list[int]:
    if len(values) > MAX_CHOICES or not all(v.isdigit() and len(v) < 4 for v in values):
        abort(400)
    return [int(v) for v in values]


def register_exam_routes(bp: Blueprint) -> None:
    """Attach the exam routes to the certification blueprint."""
    bp.add_url_rule("/courses/<slug>/exam", "exam", exam_page)
    bp.add_url_rule("/courses/<slug>/exam/start", "start_exam", start_exam, methods=["POST"])
    bp.add_url_rule("/exam/attempts/<int:attempt_id>", "attempt", attempt_page)
    bp.add_url_rule("/exam/attempts/<int:attempt_id>", "submit_attempt", submit_attempt, methods=["POST"])
