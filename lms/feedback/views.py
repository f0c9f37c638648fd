"""Surveys (CSAT, NPS) and feedback on content (issue: workshops and feedback)."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)
