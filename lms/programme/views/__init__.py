"""Programme pages: one blueprint; each part registers its routes from its own module, imported at the end."""

from flask import Blueprint

from lms.programme import models as models  # (the tables, for migrations)

bp = Blueprint("programme", __name__, url_prefix="/programme")
from lms.programme.views import dashboard as dashboard  # noqa: E402  (registers its routes on bp)
