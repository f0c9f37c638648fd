"""Admins' mail pages: deliveries that failed or are retrying (with "Try again"), and in development
the outbox viewer of instance/outbox/*.eml."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.accounts.access import role_required
from lms.extensions import db
from lms.notifications import mail, outbox, services

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")
PAGE_SIZE = 50


@bp.get("/deliveries")
@role_required("admin")
def deliveries():
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = services.troubled_mail(page, PAGE_SIZE)
    items = [(row, mail.subject_line(row)) for row in rows]
    return render_template(
        "notifications/admin/deliveries.html", items=items, total=total, page=page, page_size=PAGE_SIZE
    )


@bp.post("/deliveries/<int:notification_id>/retry")
@role_required("admin")
def retry(notification_id: int):
    notification = services.retry_failed_mail(notification_id)
    if notification is None:
        abort(404)
    db.session.commit()  # enqueued once committed
    flash(_("The message to %(email)s will be sent again.", email=notification.user.email), "success")
    return redirect(url_for(".deliveries", page=request.args.get("page", 1, type=int)))


@bp.get("/outbox")
@role_required("admin")
def outbox_index():
    folder = outbox.folder(current_app.config) or abort(404)
    page = max(request.args.get("page", 1, type=int), 1)
    entries, total = outbox.entries(folder, page, PAGE_SIZE)
    return render_template(
        "notifications/admin/outbox.html", entries=entries, total=total, page=page, page_size=PAGE_SIZE
    )


@bp.get("/outbox/<name>")
@role_required("admin")
def outbox_message(name: str):
    letter = outbox.letter(outbox.folder(current_app.config) or abort(404), name) or abort(404)
    return render_template("notifications/admin/message.html", letter=letter)


@bp.get("/outbox/<name>/html")
@role_required("admin")
def outbox_html(name: str):
    """The HTML part alone, for the message page's sandboxed frame: no script, nothing fetched."""
    letter = outbox.letter(outbox.folder(current_app.config) or abort(404), name) or abort(404)
    if letter.html is None:
        abort(404)
    response = make_response(letter.html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
