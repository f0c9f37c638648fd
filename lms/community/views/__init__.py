"""Community pages: one blueprint; each part of the community registers its routes from its own
module, imported at the end."""

from flask import Blueprint, url_for

from lms.community.models import Post
from lms.community.services import page_of

bp = Blueprint("community", __name__)


def thread_url(course_slug: str, thread_id: int, post: Post | None = None) -> str:
    """The thread's page, at the post's page and anchor when one is named."""
    page = page_of(post.position) if post is not None else 1
    anchor = f"post-{post.id}" if post is not None else None
    return url_for(
        "community.thread", slug=course_slug, thread_id=thread_id, page=page if page > 1 else None, _anchor=anchor
    )


from lms.community.views import answers as answers  # noqa: E402
from lms.community.views import moderation as moderation  # noqa: E402
from lms.community.views import panels as panels  # noqa: E402  (the panel, similar threads, search)
from lms.community.views import posts as posts  # noqa: E402  (registers the routes)
from lms.community.views import queue as queue  # noqa: E402
from lms.community.views import threads as threads  # noqa: E402  (registers the routes)
