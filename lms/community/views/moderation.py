"""The code of conduct page, flags on posts, the moderation queue and actions, the moderation log."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.access import role_required
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.community.models import CONDUCT_VERSION, CommunityMember
from lms.community.moderation_forms import ConductForm, FlagForm, ModerationForm
from lms.community.services import CommunityError, can_read, is_staff, moderation
from lms.community.services import conduct as conduct_service
from lms.community.views import bp, thread_url
from lms.developers.services import audiences
from lms.extensions import db
from lms.teaching.services import taught_courses


def same_site(target: str | None) -> str | None:
    """`target` when it is a path on this site (never another host, scheme or a `//host` path)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/community/conduct", methods=["GET", "POST"])
def conduct():
    form = ConductForm()
    target = same_site(request.values.get("next"))
    if request.method == "POST":
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if form.validate_on_submit():
            conduct_service.accept(current_user)
            db.session.commit()
            flash(_("Thank you: you accepted the code of conduct."), "success")
            return redirect(target or url_for("recommend.dashboard"))
    standing = db.session.get(CommunityMember, current_user.id) if current_user.is_authenticated else None
    return render_template("community/conduct.html", form=form, standing=standing, version=CONDUCT_VERSION, next=target)


def _course(slug: str) -> Course:
    course = audiences.visible_course(current_user, slug)
    if course is None:
        abort(404)
    return course


def _moderated(slug: str) -> Course:
    """A course the user moderates (teaches, or any for admins); 404 for any other, as for a course
    that does not exist (the role itself is checked by role_required: a learner gets 403)."""
    course = _course(slug)
    if not is_staff(current_user, course.id):
        abort(404)
    return course


def _back(course: Course, fallback: str | None = None) -> str:
    return same_site(request.form.get("next")) or fallback or url_for("community.moderation_queue", slug=course.slug)


@bp.post("/courses/<slug>/community/<int:thread_id>/posts/<int:post_id>/flag")
@login_required
def flag_post(slug: str, thread_id: int, post_id: int):
    course = _course(slug)
    post = moderation.find_post(course, thread_id, post_id)
    if post is None or not can_read(current_user, course):
        abort(404)
    form = FlagForm()
    back = _back(course, thread_url(course.slug, thread_id, post))
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    try:
        moderation.flag(
            current_user,
            post,
            form.reason.data,
            form.note.data or "",
            per_hour=current_app.config["COMMUNITY_FLAGS_PER_HOUR"],
        )
    except CommunityError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Thank you: the moderators will review this post."), "success")
    return redirect(back)


@bp.get("/courses/<slug>/community/moderation")
@role_required("instructor")
def moderation_queue(slug: str):
    course = _moderated(slug)
    return _queue_page([course.id], course)


@bp.get("/community/moderation")
@role_required("admin")
def moderation_all():
    return _queue_page(None, None)


def _queue_page(course_ids: list[int] | None, course: Course | None):
    entries = moderation.review_queue(course_ids)
    suspended = moderation.suspended_members(course_ids)
    return render_template(
        "community/moderation.html",
        course=course,
        entries=entries,
        flaggers=moderation.flaggers(entries),
        suspended=suspended,
        suspended_ids={user.id for user, _standing in suspended},
        form=ModerationForm(),
        thread_url=thread_url,
    )


def _act(course: Course, act: Callable[[str, str | None], object], done: str) -> Response:
    """Run one moderation action with the form's action and reason; flash its outcome; back to `next`."""
    form = ModerationForm()
    back = _back(course)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    try:
        act(form.action.data, form.reason.data)
    except CommunityError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(done, "success")
    return redirect(back)


@bp.post("/courses/<slug>/community/<int:thread_id>/posts/<int:post_id>/moderate")
@role_required("instructor")
def moderate_post(slug: str, thread_id: int, post_id: int):
    course = _moderated(slug)
    post = moderation.find_post(course, thread_id, post_id)
    if post is None:
        abort(404)
    return _act(course, lambda action, reason: moderation.moderate_post(current_user, post, action, reason), _("Done."))


@bp.post("/courses/<slug>/community/<int:thread_id>/moderate")
@role_required("instructor")
def moderate_thread(slug: str, thread_id: int):
    course = _moderated(slug)
    thread = moderation.find_thread(course, thread_id)
    if thread is None:
        abort(404)
    return _act(
        course, lambda action, reason: moderation.moderate_thread(current_user, thread, action, reason), _("Done.")
    )


@bp.post("/courses/<slug>/community/members/<int:user_id>/moderate")
@role_required("instructor")
def moderate_member(slug: str, user_id: int):
    course = _moderated(slug)
    target = db.session.get(User, user_id)
    if target is None:
        abort(404)
    return _act(
        course,
        lambda action, reason: moderation.moderate_member(current_user, course, target, action, reason),
        _("Done."),
    )


@bp.get("/community/moderation/log")
@role_required("instructor")
def moderation_log():
    page = request.args.get("page", 1, type=int) or 1
    courses = taught_courses(current_user)
    course_ids = None if current_user.role == "admin" else [c.id for c in courses]
    rows, more = moderation.log_page(course_ids, max(page, 1))
    return render_template(
        "community/moderation_log.html",
        courses=courses,
        rows=rows,
        names=moderation.log_names(rows),
        page=max(page, 1),
        more=more,
        thread_url=thread_url,
    )
