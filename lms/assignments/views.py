"""Notebook assignments: release download, submissions, feedback, gradebook (issue: grading)."""

from flask import Blueprint

bp = Blueprint("assignments", __name__)
