"""Answers that count: upvote a post (or take the vote back), accept an answer (or withdraw it), mark a
staff answer, pin a thread, and turn an answer into an FAQ entry, edited and deleted from the same page.

The buttons live in community/_post_answer_actions.html and _thread_answer_actions.html, which the
thread page includes; each form posts the page it is on as `next`, so the reader returns to the same
page of the thread, at the post."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from lms.catalog import services as catalog
from lms.community.models import BODY_LIMIT, TITLE_LIMIT
from lms.community.services import CommunityError, ConductRequired, answers, is_staff
from lms.community.views import bp, thread_url
from lms.developers.services import audiences
from lms.extensions import db

THREAD = "/courses/<slug>/community/<int:thread_id>"
FAQ = "/courses/<slug>/community/faq/<int:entry_id>"


class FaqForm(FlaskForm):
    """An FAQ entry's question and Markdown answer (checked by the service, which keeps its limits)."""

    question = StringField(_l("Question"), render_kw={"maxlength": TITLE_LIMIT})
    answer = TextAreaField(_l("Answer"), description=_l("Markdown, as in posts."), render_kw={"maxlength": BODY_LIMIT})


def _load(slug: str, thread_id: int, post_id: int | None = None):
    """The course, its thread and the thread's post, or 404 (another course's thread, another
    thread's post, a reader who may not read it)."""
    course = audiences.visible_course(current_user, slug)
    thread = answers.thread_in(current_user, course, thread_id) if course is not None else None
    if thread is None:
        abort(404)
    post = None
    if post_id is not None and (post := answers.post_in(thread, post_id)) is None:
        abort(404)
    return course, thread, post


def _next_in(course) -> str | None:
    """The form's `next` when it is a page of this course's community (never another site's)."""
    target = request.values.get("next", "")
    if target.startswith(f"/courses/{course.slug}/community/") and "//" not in target and "\\" not in target:
        return target
    return None


def _thread_url(course, thread, post=None) -> str:
    """Back where the form was (a page of this thread, or of this course's community), else the
    thread at the post."""
    if target := _next_in(course):
        return target
    return thread_url(course.slug, thread.id, post)


def _act(course, thread, post, action: Callable[[], object], done: str | None):
    """Run one answer action, commit, say so; a refusal is flashed and nothing of it is kept."""
    back = _thread_url(course, thread, post)
    try:
        action()
    except ConductRequired:
        return redirect(url_for("community.conduct", next=back), 303)
    except CommunityError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back, 303)
    db.session.commit()
    if done:
        flash(done, "success")
    return redirect(back, 303)


def _undo() -> bool:
    return request.form.get("undo") == "1"


@bp.post(THREAD + "/posts/<int:post_id>/vote")
@login_required
def vote(slug: str, thread_id: int, post_id: int):
    course, thread, post = _load(slug, thread_id, post_id)
    if _undo():
        return _act(course, thread, post, lambda: answers.remove_vote(current_user, post), None)
    return _act(course, thread, post, lambda: answers.upvote(current_user, post), None)


@bp.post(THREAD + "/posts/<int:post_id>/accept")
@login_required
def accept(slug: str, thread_id: int, post_id: int):
    course, thread, post = _load(slug, thread_id, post_id)
    if _undo():
        done = _("The answer is no longer accepted.")
        return _act(course, thread, post, lambda: answers.withdraw_acceptance(current_user, thread), done)
    if current_user.id == thread.author_id:
        done = _("Answer accepted. Thank you for closing the loop!")
    else:
        done = _("Answer accepted on the asker's behalf.")
    return _act(course, thread, post, lambda: answers.accept(current_user, post), done)


@bp.post(THREAD + "/posts/<int:post_id>/staff")
@login_required
def staff_answer(slug: str, thread_id: int, post_id: int):
    course, thread, post = _load(slug, thread_id, post_id)
    if _undo():
        done = _("The reply is no longer marked as a staff answer.")
        return _act(course, thread, post, lambda: answers.unmark_staff_answer(current_user, post), done)
    done = _("Marked as a staff answer.")
    return _act(course, thread, post, lambda: answers.mark_staff_answer(current_user, post), done)


@bp.post(THREAD + "/pin")
@login_required
def pin(slug: str, thread_id: int):
    course, thread, _post = _load(slug, thread_id)
    pinned = not _undo()
    done = _("Thread pinned to the top of the list.") if pinned else _("Thread unpinned.")
    return _act(course, thread, None, lambda: answers.set_pinned(current_user, thread, pinned), done)


@bp.route(THREAD + "/posts/<int:post_id>/faq", methods=["GET", "POST"])
@login_required
def faq(slug: str, thread_id: int, post_id: int):
    """Staff turn an answer into an FAQ entry: the thread's title and the answer, editable."""
    course, thread, post = _load(slug, thread_id, post_id)
    if not is_staff(current_user, course.id):
        abort(403)
    form = FaqForm() if request.method == "POST" else FaqForm(question=thread.title, answer=post.body)
    if request.method == "POST":
        try:
            answers.add_faq(current_user, post, question=form.question.data or "", answer=form.answer.data or "")
        except CommunityError as exc:
            db.session.rollback()
            return _faq_page(course, thread.item_slug, form, thread=thread, post=post, error=str(exc)), 400
        db.session.commit()
        flash(_("Added to the FAQ."), "success")
        return redirect(_thread_url(course, thread, post), 303)
    return _faq_page(course, thread.item_slug, form, thread=thread, post=post)


@bp.route(FAQ, methods=["GET", "POST"])
@login_required
def faq_entry(slug: str, entry_id: int):
    """Edit an FAQ entry; the page also lists the place's other entries."""
    course, entry = _load_entry(slug, entry_id)
    form = FaqForm() if request.method == "POST" else FaqForm(question=entry.question, answer=entry.answer)
    if request.method == "POST":
        try:
            answers.update_faq(current_user, entry, question=form.question.data or "", answer=form.answer.data or "")
        except CommunityError as exc:
            db.session.rollback()
            return _faq_page(course, entry.item_slug, form, entry=entry, error=str(exc)), 400
        db.session.commit()
        flash(_("FAQ entry saved."), "success")
        return redirect(url_for(".faq_entry", slug=slug, entry_id=entry.id, next=request.values.get("next")), 303)
    return _faq_page(course, entry.item_slug, form, entry=entry)


@bp.post(FAQ + "/delete")
@login_required
def faq_delete(slug: str, entry_id: int):
    course, entry = _load_entry(slug, entry_id)
    answers.delete_faq(current_user, entry)
    db.session.commit()
    flash(_("FAQ entry deleted."), "success")
    return redirect(_next_in(course) or url_for("community.course_threads", slug=course.slug), 303)


def _load_entry(slug: str, entry_id: int):
    """The course's FAQ entry for its staff: 404 for another course's entry, 403 for non-staff."""
    course = audiences.visible_course(current_user, slug)
    entry = answers.faq_entry_in(course, entry_id) if course is not None else None
    if entry is None:
        abort(404)
    if not is_staff(current_user, course.id):
        abort(403)
    return course, entry


def _faq_page(course, item_slug, form, *, thread=None, post=None, entry=None, error=None):
    item = catalog.get_item(course, item_slug) if item_slug else None
    return render_template(
        "community/faq.html",
        course=course,
        item=item,
        form=form,
        thread=thread,
        post=post,
        entry=entry,
        error=error,
        entries=answers.faq_entries(course.id, item_slug),
        delete_form=FlaskForm(),
        back=request.values.get("next", ""),
    )
