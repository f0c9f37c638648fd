"""The inbox: a person's notifications, newest first, with mark-read and mark-all-read; the
settings page where each person chooses how each kind reaches them."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.extensions import csrf, db, limiter
from lms.notifications import mail, services
from lms.notifications.models import Delivery

log = logging.getLogger(__name__)

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


# The choices of the settings page, in the order shown.
CHOICES = (Delivery.EMAIL, Delivery.DIGEST, Delivery.IN_APP, Delivery.OFF)


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    chosen = services.preferences(current_user.id)
    if request.method == "POST":
        form = {name: value for name, value in request.form.items() if name != "csrf_token"}
        try:
            changed = services.set_preferences(current_user.id, services.parse_preferences(form))
        except services.PreferenceError as exc:
            db.session.rollback()
            log.info("notification settings refused for user %d: %s", current_user.id, exc)
            flash(str(exc), "error")
            return _settings_page(chosen), 400
        db.session.commit()
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for(".settings"))
    return _settings_page(chosen)


def _settings_page(chosen: dict):
    kinds = [(kind, *services.KIND_TEXTS[kind], chosen[kind]) for kind in services.configurable_for(current_user)]
    return render_template("notifications/settings.html", kinds=kinds, choices=CHOICES)


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    """The link in a mail's footer: says what will stop, with one button (nothing changes on GET,
    so a mail scanner that follows links unsubscribes no one)."""
    target = services.unsubscribe_target(token)
    if target is None:
        return _invalid_link(token)
    return render_template("notifications/unsubscribe.html", topic=services.unsubscribe_topic(target[1]), done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058 one-click: mail clients POST without a session; the signed token is the credential
@limiter.limit(lambda: current_app.config["UNSUBSCRIBE_RATE_LIMIT"])
def unsubscribe(token: str):
    target = services.unsubscribe_target(token)
    if target is None:
        return _invalid_link(token)
    user_id, kind = target
    changed = services.unsubscribe(user_id, kind)
    db.session.commit()
    log.info("unsubscribed user %d from %s e-mail (%d kind(s) changed)", user_id, kind, changed)
    return render_template("notifications/unsubscribe.html", topic=services.unsubscribe_topic(kind), done=True)


def _invalid_link(token: str):
    log.info("unsubscribe link refused: forged, tampered or expired (%s...)", token[:12])
    return render_template("notifications/unsubscribe.html", invalid=True), 400


def _link(url: object) -> str | None:
    """A path on this site, or None: a notification's link never sends anyone elsewhere."""
    if isinstance(url, str) and url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return None
