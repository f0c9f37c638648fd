"""Threads: the course-wide list, asking (with a Markdown preview), a thread's pages and replying.
Readers are the course's members (core.can_read); anyone else gets the page that says what the
community is and how to join, never its threads."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.community import services as core
from lms.community.forms import AskForm, ButtonForm, DuplicateForm, ReplyForm
from lms.community.models import Thread, ThreadKind
from lms.community.services import posting
from lms.community.services.posting import ThreadFilter
from lms.community.views import bp, thread_url
from lms.developers.services import audiences
from lms.extensions import db


def load_course(slug: str) -> Course:
    return audiences.visible_course(current_user, slug) or abort(404)


def load_thread(slug: str, thread_id: int) -> tuple[Course, Thread]:
    """The course and a thread of it the viewer may read; 404 otherwise (another course's thread,
    a hidden one, a visitor): the same answer, so ids reveal nothing."""
    course = load_course(slug)
    return course, posting.readable_thread(current_user, course, thread_id) or abort(404)


def conduct_redirect(back: str, refusal: core.ConductRequired) -> ResponseReturnValue:
    """To the code of conduct (community.conduct), then back here; without that page in this app,
    back here with the refusal said."""
    if "community.conduct" not in current_app.view_functions:
        flash(str(refusal), "error")
        return redirect(back)
    return redirect(url_for("community.conduct", next=back))


def why_not_post(course: Course, thread: Thread | None = None) -> str | None:
    """What stops the viewer writing here, in their words; None when they may."""
    try:
        core.check_can_post(current_user, course)
        if thread is not None:
            core.check_thread_open(thread)
    except core.ConductRequired:
        return None  # they may, once they accept the code of conduct (asked for at the post)
    except core.CommunityError as exc:
        return str(exc)
    return None


@bp.get("/courses/<slug>/community")
def course_threads(slug: str):
    course = load_course(slug)
    if not core.can_read(current_user, course):
        return render_template("community/about.html", course=course)
    args = request.args
    chosen = {
        "filter": args.get("filter", "") if args.get("filter") in set(ThreadFilter) else "",
        "item": args.get("item", "")[:100],
        "module": args.get("module", "")[:100],
        "tag": args.get("tag", "")[:40],
    }
    listing = posting.list_threads(
        current_user,
        course,
        thread_filter=chosen["filter"] or None,
        item_slug=chosen["item"] or None,
        module_slug=chosen["module"] or None,
        tag=chosen["tag"] or None,
        page=max(1, args.get("page", 1, type=int) or 1),
    )
    return render_template(
        "community/threads.html",
        course=course,
        listing=listing,
        chosen=chosen,
        syllabus=catalog.syllabus(course),
        why_not=why_not_post(course),
    )


@bp.route("/courses/<slug>/community/ask", methods=["GET", "POST"])
@login_required
def ask(slug: str):
    course = load_course(slug)
    if not core.can_read(current_user, course):
        return redirect(url_for(".course_threads", slug=slug))
    form = AskForm(item=request.args.get("item", ""), module=request.args.get("module", ""))
    item = catalog.get_item(course, form.item.data) or abort(404) if form.item.data else None
    module = item.module.slug if item else form.module.data or None
    modules = {m.slug: m.title for m, _items in catalog.syllabus(course)}
    if module and module not in modules:
        abort(404)
    context = {
        "course": course,
        "form": form,
        "item": item,
        "module": module,
        "module_title": modules.get(module or ""),
        "why_not": why_not_post(course),
    }
    if request.method == "GET" or context["why_not"]:
        return render_template("community/ask.html", **context)
    if not form.validate_on_submit():
        return render_template("community/ask.html", **context), 400
    if "preview" in request.form:
        return render_template("community/ask.html", preview=_preview(form.body), **context)
    try:
        thread = posting.ask(
            current_user,
            course,
            title=form.title.data or "",
            body=form.body.data or "",
            kind=ThreadKind(form.kind.data),
            item=item,
            module_slug=module,
            tags=(form.tags.data or "").replace(",", " ").split(),
        )
    except core.ConductRequired as exc:
        return conduct_redirect(request.full_path, exc)
    except core.CommunityError as exc:
        form.body.errors = [str(exc)]
        return render_template("community/ask.html", **context), 400
    db.session.commit()
    return redirect(url_for(".thread", slug=slug, thread_id=thread.id))


@bp.get("/courses/<slug>/community/<int:thread_id>")
def thread(slug: str, thread_id: int):
    course, thread = load_thread(slug, thread_id)
    return thread_page(course, thread, ReplyForm())


def thread_page(course: Course, thread: Thread, reply_form: ReplyForm, preview: str | None = None, status: int = 200):
    """The thread with one page of its posts, the viewer's marks on them and the reply form. The
    other slices' partials read `staff`, `viewer_votes`, `viewer_flags` and `form` (the CSRF token)."""
    page = posting.post_page(thread, request.args.get("page", 1, type=int) or 1)
    votes, flags = posting.viewer_marks(current_user, page.posts)
    context = {
        "course": course,
        "thread": thread,
        "page": page,
        "staff": core.is_staff(current_user, course.id),
        "viewer_votes": votes,
        "viewer_flags": flags,
        "form": ButtonForm(),
        "reply_form": reply_form,
        "duplicate_form": DuplicateForm(),
        "preview": preview,
        "following": posting.is_following(current_user, thread),
        "item_changed": thread.item is not None and catalog.item_changed_since(thread.item, thread.item_sha256),
        "original": db.session.get(Thread, thread.duplicate_of_id) if thread.duplicate_of_id else None,
        "why_not": why_not_post(course, thread),
    }
    return render_template("community/thread.html", **context), status


@bp.post("/courses/<slug>/community/<int:thread_id>/reply")
@login_required
def reply(slug: str, thread_id: int):
    course, thread = load_thread(slug, thread_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    if "preview" in request.form:
        return thread_page(course, thread, form, preview=_preview(form.body))
    try:
        post = posting.reply(current_user, thread, form.body.data or "")
    except core.ConductRequired as exc:
        return conduct_redirect(url_for(".thread", slug=slug, thread_id=thread_id), exc)
    except core.CommunityError as exc:
        form.body.errors = [str(exc)]
        return thread_page(course, thread, form, status=400)
    db.session.commit()
    return redirect(thread_url(slug, thread_id, post))


@bp.post("/community/preview")
@login_required
def preview():
    """The Markdown of a post as it will show, sanitised (for the editors' Preview button)."""
    try:
        return jsonify(html=core.render_post(core.clean_body(request.form.get("body", ""))))
    except core.CommunityError as exc:
        return jsonify(error=str(exc)), 400


def _preview(field) -> str | None:
    """The preview of a form's body without JavaScript; a refusal becomes the field's error."""
    try:
        return core.render_post(core.clean_body(field.data or ""))
    except core.CommunityError as exc:
        field.errors = [str(exc)]
        return None
