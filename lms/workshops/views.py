"""Live workshops: sessions, registration, waitlist, attendance, calendars (issue: workshops)."""

from flask import Blueprint

bp = Blueprint("workshops", __name__)
