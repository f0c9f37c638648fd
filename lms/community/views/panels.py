"""The "Questions and discussion" panel other domains' pages show (a template global: learning,
assignments and certification cannot import the community), and search before asking: the
similar answered threads while a title is typed, and a course's thread search page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from lms.community.models import TITLE_LIMIT
from lms.community.services import can_read, search
from lms.community.services import panels as services
from lms.community.views import bp
from lms.developers.services import audiences

if TYPE_CHECKING:
    from lms.catalog.models import Course, Item

MIN_QUERY_CHARS = 2  # one Chinese word is two characters


def community_panel(course: Course, item: Item | None = None, *, quiz_submitted: bool = False) -> Markup:
    """The panel's HTML for the course page (`?module=` narrows it to one module) or an item's
    page; empty on a quiz the learner has not submitted yet."""
    viewer, staff = services.access(current_user, course)
    if not services.shows_on(item, quiz_submitted=quiz_submitted, staff=staff):
        return Markup("")
    module = None
    if item is None:
        wanted = request.args.get("module", "")
        module = next((m for m in course.modules if m.slug == wanted), None)
    panel = services.panel(current_user, course, item=item, module_slug=module.slug if module else None)
    anchor = {"item": item.slug} if item is not None else {"module": module.slug} if module else {}
    return Markup(
        render_template(
            "community/_panel.html",
            course=course,
            item=item,
            module=module,
            modules=course.modules if item is None else [],
            panel=panel,
            all_url=url_for("community.course_threads", slug=course.slug, **anchor),
            ask_url=url_for("community.ask", slug=course.slug, **anchor),
            viewer=viewer,
        )
    )


def _readable_course(slug: str) -> Course:
    course = audiences.visible_course(current_user, slug) or abort(404)
    if not can_read(current_user, course):
        abort(404)
    return course


def _query() -> str:
    return " ".join(request.args.get("q", "").split())[:TITLE_LIMIT]


@bp.get("/courses/<slug>/community/similar")
@login_required
def similar(slug: str):
    """Answered threads like the title being typed (the ask page's script asks as it changes), of
    every course the viewer reads: an HTML fragment, or JSON with `format=json`."""
    course = _readable_course(slug)
    query = _query()
    found = search.similar(current_user, query) if len(query) >= MIN_QUERY_CHARS else []
    if request.args.get("format") == "json":
        return jsonify(
            threads=[
                {
                    "id": f.thread.id,
                    "title": f.thread.title,
                    "course": f.thread.course.slug,
                    "url": url_for("community.thread", slug=f.thread.course.slug, thread_id=f.thread.id),
                    "snippet": f.snippet,
                    "accepted": f.thread.accepted_post_id is not None,
                    "replies": f.thread.reply_count,
                }
                for f in found
            ]
        )
    return render_template("community/_similar_results.html", course=course, found=found)


@bp.get("/courses/<slug>/community/search")
@login_required
def search_threads(slug: str):
    """Search one course's threads: titles and opening posts, with the text around the words."""
    course = _readable_course(slug)
    query = _query()
    found = search.search_course(course, query) if query else []
    return render_template(
        "community/search.html",
        course=course,
        query=query,
        found=found,
    )
