"""Developer pages: one blueprint; each part registers its routes from its own module, imported at the end."""

from flask import Blueprint

from lms.developers import models as models  # (the tables, for migrations)

bp = Blueprint("developers", __name__)

from lms.developers.views import profiles as profiles  # noqa: E402
from lms.developers.views import segments as segments  # noqa: E402
