"""Community pages: one blueprint; each part of the community registers its routes from its own
module, imported at the end."""

from flask import Blueprint

bp = Blueprint("community", __name__)

from lms.community.views import answers as answers  # noqa: E402
from lms.community.views import moderation as moderation  # noqa: E402
from lms.community.views import panels as panels  # noqa: E402  (the panel, similar threads, search)
from lms.community.views import posts as posts  # noqa: E402  (registers the routes)
from lms.community.views import queue as queue  # noqa: E402
from lms.community.views import threads as threads  # noqa: E402  (registers the routes)
