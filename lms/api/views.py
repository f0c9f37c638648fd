"""JSON API under /api/v1 (token and session auth)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
