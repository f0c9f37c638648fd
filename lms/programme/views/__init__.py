"""Programme pages: one blueprint; each part registers its routes from its own module, imported at the end."""

from flask import Blueprint

bp = Blueprint("programme", __name__, url_prefix="/programme")
