"""Live workshops: sessions, registration, waitlist, attendance, calendars (issue: workshops)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from lms.db import utcnow
from lms.developers.services import audiences
from lms.extensions import db
from lms.localtime import viewer_zone
from lms.responses import attachment
from lms.workshops import calendar, registration, services
from lms.workshops.forms import ActionForm
from lms.workshops.models import WORKSHOP_TIERS
from lms.workshops.teach_views import register_teach_routes

bp = Blueprint("workshops", __name__, url_prefix="/workshops")
register_teach_routes(bp)


@bp.get("/")
def index():
    tier, tag = request.args.get("tier", ""), request.args.get("tag", "")[:50]
    past = request.args.get("when") == "past"
    hidden = audiences.hidden_workshop_ids(current_user)
    rows = services.list_workshops(past=past, tier=tier or None, tag=tag or None, hidden=hidden)
    return render_template(
        "workshops/index.html",
        rows=rows,
        past=past,
        tier=tier,
        tag=tag,
        tiers=WORKSHOP_TIERS,
        tags=services.workshop_tags(hidden=hidden),
    )


@bp.get("/<slug>")
def detail(slug: str):
    workshop = services.get_workshop(slug)
    if workshop is None or not audiences.may_see_workshop(current_user, workshop):
        abort(404)
    sessions = workshop.live_sessions
    mine = services.registrations_of(current_user.id, [s.id for s in sessions]) if current_user.is_authenticated else {}
    positions = {sid: services.waitlist_position(r) for sid, r in mine.items()}
    return render_template(
        "workshops/detail.html",
        workshop=workshop,
        sessions=sessions,
        mine=mine,
        positions=positions,
        form=ActionForm(),
        viewer_zone=viewer_zone(),
        teaches=services.teaches(current_user, workshop),
        show_materials=services.materials_visible(workshop, mine),
        now=utcnow(),
    )


def _session_or_404(session_id: int):
    """A live session of a workshop the viewer may see (its audience, staff, or already registered)."""
    session = services.get_session(session_id)
    if session is None or not audiences.may_see_workshop(current_user, session.workshop):
        abort(404)
    return session


@bp.post("/sessions/<int:session_id>/register")
@login_required
def register(session_id: int):
    session = _session_or_404(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        reg = registration.register(current_user, session)
        db.session.commit()
    except services.WorkshopError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    except IntegrityError:  # a double click raced us: the first request registered
        db.session.rollback()
    else:
        if reg.status == "confirmed":
            flash(_("You have a seat. It is in your calendar feed; download the .ics to add it now."), "success")
        else:
            flash(_("The session is full: you are on the waitlist and get the first seat that frees up."), "info")
    return redirect(url_for("workshops.detail", slug=session.workshop.slug))


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    session = _session_or_404(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        registration.cancel(current_user, session)
        db.session.commit()
        flash(_("Your registration is cancelled."), "success")
    except services.WorkshopError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("workshops.detail", slug=session.workshop.slug))


@bp.get("/sessions/<int:session_id>.ics")
@login_required
def session_ics(session_id: int):
    session = _session_or_404(session_id)
    mine = services.registrations_of(current_user.id, [session.id]).get(session.id)
    status = "confirmed" if services.teaches(current_user, session.workshop) else (mine.status if mine else "none")
    url = url_for("workshops.detail", slug=session.workshop.slug, _external=True)
    body = calendar.calendar_bytes(session.workshop.title, [calendar.session_event(session, status=status, url=url)])
    return attachment(body, f"{session.workshop.slug}-{session.key}.ics", "text/calendar")


@bp.get("/mine")
@login_required
def mine():
    token = calendar.feed_token(current_app.config["SECRET_KEY"], current_user.id)
    db.session.commit()
    feed_url = url_for("workshops.feed", user_id=current_user.id, token=token, _external=True)
    rows = services.my_registrations(current_user.id)
    positions = {r.id: services.waitlist_position(r) for r in rows}
    return render_template(
        "workshops/mine.html",
        rows=rows,
        positions=positions,
        feed_url=feed_url,
        form=ActionForm(),
        now=utcnow(),
    )


@bp.post("/feed/reset")
@login_required
def reset_feed():
    if not ActionForm().validate_on_submit():
        abort(400)
    calendar.reset_feed(current_app.config["SECRET_KEY"], current_user.id)
    db.session.commit()
    flash(_("Your calendar feed has a new address; the old one no longer works."), "success")
    return redirect(url_for("workshops.mine"))


@bp.get("/feed/<int:user_id>/<token>.ics")
def feed(user_id: int, token: str):
    if not calendar.check_feed_token(current_app.config["SECRET_KEY"], user_id, token[:100]):
        abort(404)
    events = calendar.feed_events(user_id, lambda slug: url_for("workshops.detail", slug=slug, _external=True))
    return attachment(calendar.calendar_bytes("Academy workshops", events), "academy-workshops.ics", "text/calendar")
