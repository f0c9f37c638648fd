"""Writing announcements (compose, preview with the recipient count, send), the author's list, one
announcement's page, and a learner's dismissal of it from their dashboard."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from limits import parse

from lms.accounts.access import role_required
from lms.announcements import services
from lms.announcements.forms import AnnouncementForm, DismissForm
from lms.announcements.tasks import enqueue_fan_out
from lms.catalog.markdown import render_markdown
from lms.extensions import db, limiter

bp = Blueprint("announcements", __name__, url_prefix="/announcements")
log = logging.getLogger(__name__)


@bp.get("")
@role_required("instructor")
def index():
    return render_template("announcements/index.html", announcements=services.authored(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required("instructor")
def compose():
    targets = services.targets(current_user)
    form = AnnouncementForm(to=request.args.get("to"))
    form.to.choices = [(t.value, t.label) for t in targets]
    if request.method == "GET" or request.form.get("action") == "edit":
        if form.to.data and services.target_for(current_user, form.to.data) is None:
            abort(404)
        return render_template("announcements/compose.html", form=form)
    target = services.target_for(current_user, form.to.data)
    if target is None:
        abort(404)  # a course they do not teach, a team or "everyone" for an instructor: as if it did not exist
    if not form.validate():
        return render_template("announcements/compose.html", form=form), 400
    recipients = services.count_recipients(target)
    preview = {"target": target, "recipients": recipients, "html": render_markdown(form.body.data)}
    if request.form.get("action") != "send":
        return render_template("announcements/preview.html", form=form, **preview)
    if not _may_send():
        flash(_sending_limit_message(), "error")
        return render_template("announcements/preview.html", form=form, **preview), 429
    announcement = services.create(current_user.id, target, form.title.data, form.body.data)
    db.session.commit()
    _count_sent()
    _enqueue(announcement.id)
    flash(_("Announcement queued for %(count)d recipient(s); it goes out in a moment.", count=recipients), "success")
    return redirect(url_for(".index"))


@bp.get("/<int:announcement_id>")
@login_required
def show(announcement_id: int):
    announcement = services.visible(current_user, announcement_id)
    if announcement is None:
        abort(404)
    return render_template("announcements/show.html", announcement=announcement, form=DismissForm())


@bp.post("/<int:announcement_id>/dismiss")
@login_required
def dismiss(announcement_id: int):
    if not services.dismiss(current_user.id, announcement_id):
        abort(404)
    db.session.commit()
    return redirect(url_for("recommend.dashboard"))


def _limit():
    return parse(current_app.config["ANNOUNCEMENT_RATE_LIMIT"])


# Counted by hand on Flask-Limiter's storage rather than with its decorator: only a send counts (not
# a preview or a refused form), and a refused send keeps the author's text on the page.
def _may_send() -> bool:
    return not limiter.enabled or limiter.limiter.test(_limit(), "announcements", str(current_user.id))


def _count_sent() -> None:
    if limiter.enabled:
        limiter.limiter.hit(_limit(), "announcements", str(current_user.id))


def _sending_limit_message() -> str:
    limit = _limit()
    return _(
        "You can send %(count)d announcement(s) per %(period)s. Your text is kept below: send it later.",
        count=limit.amount,
        period=_period_name(limit),
    )


def _period_name(limit) -> str:
    names = {"second": _("second"), "minute": _("minute"), "hour": _("hour"), "day": _("day")}
    name = names.get(limit.GRANULARITY.name, limit.GRANULARITY.name)
    return name if limit.multiples == 1 else f"{limit.multiples} {name}"


def _enqueue(announcement_id: int) -> None:
    try:
        enqueue_fan_out(announcement_id)
    except Exception as exc:  # stored and shown as queued: the workers' resume_fan_outs sends it within minutes
        log.warning("announcement %d: the queue is unavailable (%s: %s)", announcement_id, type(exc).__name__, exc)
