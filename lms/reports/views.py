"""Manager dashboards and completion exports (issue: reports)."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
