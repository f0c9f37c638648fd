"""A post's own actions: the author's edit (with its history) and delete, following a thread, and
marking a thread as a duplicate of another of the course."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.community import services as core
from lms.community.forms import ButtonForm, DuplicateForm, EditForm
from lms.community.models import Post, Thread
from lms.community.services import posting
from lms.community.views import bp
from lms.community.views.threads import conduct_redirect, load_thread
from lms.extensions import db

POST_URL = "/courses/<slug>/community/<int:thread_id>/posts/<int:post_id>"


def _post(slug: str, thread_id: int, post_id: int, *, own: bool = False) -> tuple[Thread, Post]:
    """A post of a thread the viewer may read (404 otherwise); with own=True, the viewer's (403)."""
    _course, thread = load_thread(slug, thread_id)
    post = posting.thread_post(thread, post_id) or abort(404)
    if own and post.author_id != current_user.id:
        abort(403)
    return thread, post


def _back(thread: Thread, post: Post | None = None):
    anchor = f"post-{post.id}" if post is not None else None
    page = posting.page_of(post) if post is not None else None
    return redirect(url_for(".thread", slug=thread.course.slug, thread_id=thread.id, page=page, _anchor=anchor))


@bp.route(POST_URL + "/edit", methods=["GET", "POST"])
@login_required
def edit_post(slug: str, thread_id: int, post_id: int):
    thread, post = _post(slug, thread_id, post_id, own=True)
    opening = post.position == 1
    form = EditForm(data={"title": thread.title, "body": post.body} if request.method == "GET" else None)
    context = {"course": thread.course, "thread": thread, "post": post, "form": form, "opening": opening}
    if request.method == "GET":
        return render_template("community/edit.html", **context)
    if not form.validate_on_submit():
        abort(400)
    try:
        posting.edit(current_user, post, form.body.data or "", form.title.data if opening else None)
    except core.ConductRequired as exc:
        return conduct_redirect(request.path, exc)
    except core.CommunityError as exc:
        form.body.errors = [str(exc)]
        return render_template("community/edit.html", **context), 400
    db.session.commit()
    return _back(thread, post)


@bp.get(POST_URL + "/history")
def post_history(slug: str, thread_id: int, post_id: int):
    thread, post = _post(slug, thread_id, post_id)
    author = current_user.is_authenticated and post.author_id == current_user.id
    gone = post.deleted_at or thread.deleted_at or (post.hidden_at and not author)
    if gone and not core.is_staff(current_user, thread.course_id):
        abort(404)
    return render_template(
        "community/history.html", course=thread.course, thread=thread, post=post, revisions=posting.revisions(post)
    )


@bp.post(POST_URL + "/delete")
@login_required
def delete_post(slug: str, thread_id: int, post_id: int):
    thread, post = _post(slug, thread_id, post_id, own=True)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        posting.delete_own(current_user, post)
    except core.CommunityError as exc:
        flash(str(exc), "error")
        return _back(thread, post)
    db.session.commit()
    flash(_("Your thread was deleted.") if post.position == 1 else _("Your post was deleted."), "success")
    return _back(thread, post)


@bp.post("/courses/<slug>/community/<int:thread_id>/follow")
@login_required
def follow(slug: str, thread_id: int):
    _course, thread = load_thread(slug, thread_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if request.form.get("follow") == "0":
        posting.unfollow(current_user, thread)
        flash(_("You no longer follow this thread."), "success")
    else:
        posting.follow(current_user, thread)
        flash(_("You follow this thread: replies will reach you."), "success")
    db.session.commit()
    return _back(thread)


@bp.post("/courses/<slug>/community/<int:thread_id>/duplicate")
@login_required
def mark_duplicate(slug: str, thread_id: int):
    _course, thread = load_thread(slug, thread_id)
    form = DuplicateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        original = posting.mark_duplicate(current_user, thread, form.original.data or "")
    except core.CommunityError as exc:
        flash(str(exc), "error")
        return _back(thread)
    db.session.commit()
    flash(_("Marked as a duplicate of “%(title)s”.", title=original.title), "success")
    return _back(thread)
