"""The inbox: a person's notifications, newest first, with mark-read and mark-all-read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.extensions import db
from lms.notifications import mail, services

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():
    rows = services.inbox(current_user.id)
    items = [(row, mail.subject_line(row), _link(row.subject.get("url"))) for row in rows]
    return render_template("notifications/index.html", items=items, unread=sum(1 for r in rows if r.read_at is None))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    notification = services.own_notification(current_user.id, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(notification)
    db.session.commit()
    target = _link(notification.subject.get("url")) if request.form.get("open") else None
    return redirect(target or url_for(".index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    services.mark_all_read(current_user.id)
    db.session.commit()
    return redirect(url_for(".index"))


def _link(url: object) -> str | None:
    """A path on this site, or None: a notification's link never sends anyone elsewhere."""
    if isinstance(url, str) and url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return None
