"""Access decorators: every view states who may use it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, request
from flask_login import current_user, login_required


def role_required(*roles: str) -> Callable:
    """Allow logged-in users with one of these roles (admins always); 403 otherwise."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# What an analyst may change: their own account and nothing else (issue 18: analysts read). Every
# other POST, PUT, PATCH or DELETE answers 403 to them, whatever the view's own check says.
ANALYST_MAY_CHANGE = frozenset(
    {
        "accounts.logout",
        "accounts.profile",
        "accounts.language",
        "developers.profile_step",
        "developers.edit_profile",
        "notifications.settings",
        "notifications.read",
        "notifications.read_all",
        "notifications.unsubscribe",  # their own mail, from the link in it
        "announcements.dismiss",  # hides a banner from their own dashboard
        "certification.verify_upload",  # checks a certificate PDF; writes nothing
    }
)
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def analyst_read_only() -> None:
    """App-wide before_request (create_app): analysts are read-only outside their own account pages.

    One rule at the door rather than a check in each view, so that a route added later is closed
    to analysts without anyone remembering to. Runs after CSRFProtect's check."""
    if request.method not in STATE_CHANGING or request.endpoint in ANALYST_MAY_CHANGE:
        return
    if current_user.is_authenticated and current_user.role == "analyst":
        abort(403)
