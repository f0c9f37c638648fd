"""Exams, certificates, public verification (issue: certification)."""

from flask import Blueprint

bp = Blueprint("certification", __name__)
