"""Who is calling the API: a personal bearer token or a manager's browser session (reports), the signed-in
learner's session (their own data under /me)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from flask_login import current_user

from lms.accounts.models import User
from lms.reports.scope import can_view_reports
from lms.reports.tokens import authenticate_token


def api_error(status: int, message: str, details: dict[str, str] | None = None):
    """A JSON error body, the same shape for every API error."""
    body: dict[str, Any] = {"error": message, "status": status}
    if details:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="academy"'
    return response


def _caller() -> User | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, secret = header.partition(" ")
        return authenticate_token(secret.strip()) if scheme.lower() == "bearer" else None
    return current_user if current_user.is_authenticated else None


def reports_reader(view: Callable) -> Callable:
    """401 without valid credentials, 403 for accounts that may not read reports."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        user = _caller()
        if user is None:
            return api_error(401, "Send a valid API token: Authorization: Bearer <token>.")
        if not can_view_reports(user):
            return api_error(403, "Only managers and admins can read reports.")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped


def signed_in(view: Callable) -> Callable:
    """401 unless the browser session is signed in: /me answers with the caller's own data, for the site's pages."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return api_error(401, "Sign in to read your own data.")
        return view(*args, **kwargs)

    return wrapped


def programme_reader(view: Callable) -> Callable:
    """Admins and analysts, by their browser session; an admin's personal token works too. Analysts
    have no tokens: they are created under Reports (managers') and analysts change nothing."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        user = _caller()
        if user is None:
            return api_error(401, "Sign in, or send an admin's token: Authorization: Bearer <token>.")
        if not user.has_role("analyst"):
            return api_error(403, "Only admins and analysts can read the programme's figures.")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped
