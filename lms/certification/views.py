"""Exams, certificates, public verification (issue: certification)."""

from flask import Blueprint

from lms.certification import receivers  # noqa: F401  (connects the signal receivers)

bp = Blueprint("certification", __name__)
