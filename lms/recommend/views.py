"""Recommendations, skills view, assigned paths (issue: personalized paths)."""

from flask import Blueprint

bp = Blueprint("recommend", __name__)
