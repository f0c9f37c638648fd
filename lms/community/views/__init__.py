"""Community pages: one blueprint; each part of the community registers its routes from its own
module, imported at the end."""

from flask import Blueprint

bp = Blueprint("community", __name__)

from lms.community.views import panels as panels  # noqa: E402  (the panel, similar threads, search)
from lms.community.views import threads as threads  # noqa: E402  (registers the routes)
