"""Instructor views of workshops: their list, create and edit, sessions, attendees, attendance, CSV export."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.access import role_required
from lms.db import utcnow
from lms.developers.services import audiences
from lms.extensions import db
from lms.localtime import in_zone
from lms.responses import attachment
from lms.workshops import editing, registration, services
from lms.workshops.forms import ActionForm, SessionForm, WorkshopForm, parse_materials, split_list, split_names


def _taught(slug: str):
    workshop = services.get_workshop(slug) or abort(404)
    if not services.teaches(current_user, workshop):
        abort(403)
    return workshop


def _taught_session(session_id: int):
    session = services.get_session(session_id) or abort(404)
    if not services.teaches(current_user, session.workshop):
        abort(403)
    return session


def _workshop_form(workshop=None) -> WorkshopForm:
    form = WorkshopForm(data=editing.form_data_of(workshop) if workshop and request.method == "GET" else None)
    form.course.choices = [("", _("None"))] + editing.course_choices()
    return form


def _workshop_data(form: WorkshopForm) -> dict:
    return {
        "title": form.title.data,
        "description": form.description.data,
        "tier": form.tier.data,
        "tags": split_list(form.tags.data),
        "course": form.course.data or None,
        "instructors": split_list(form.instructors.data),
        "materials": parse_materials(form.materials.data),
        "audience": form.audience.data,
        "audience_segments": split_names(form.audience_segments.data),
        "audience_teams": split_names(form.audience_teams.data),
    }


def _say_audience(workshop) -> None:
    """Tell the editor what the saved audience means today: names nobody made yet (the workshop
    waits for them) and people already registered outside it (they keep their access)."""
    check = audiences.check_workshop_audience(
        workshop.id, workshop.audience, workshop.audience_segments, workshop.audience_teams
    )
    if check.unknown_segments or check.unknown_teams:
        names = ", ".join([*check.unknown_segments, *check.unknown_teams])
        flash(
            _("No segment or team is called %(names)s yet: nobody sees the workshop through it.", names=names), "info"
        )
    if check.kept_outside:
        flash(
            _(
                "%(n)d people already registered are outside this audience: they keep their seats and access.",
                n=check.kept_outside,
            ),
            "info",
        )


@role_required("instructor")
def teach():
    return render_template("workshops/teach.html", workshops=services.taught_workshops(current_user))


@role_required("instructor")
def new_workshop():
    form = _workshop_form()
    if form.validate_on_submit():
        workshop = editing.save_workshop(current_user, _workshop_data(form))
        db.session.commit()
        flash(_("Workshop created. Now add a session."), "success")
        _say_audience(workshop)
        return redirect(url_for("workshops.new_session", slug=workshop.slug))
    return render_template("workshops/edit.html", form=form, workshop=None)


@role_required("instructor")
def edit_workshop(slug: str):
    workshop = _taught(slug)
    form = _workshop_form(workshop)
    if workshop.source == "ui" and form.validate_on_submit():
        editing.save_workshop(current_user, _workshop_data(form), workshop)
        db.session.commit()
        flash(_("Workshop saved."), "success")
        _say_audience(workshop)
        return redirect(url_for("workshops.detail", slug=workshop.slug))
    return render_template("workshops/edit.html", form=form, workshop=workshop)


@role_required("instructor")
def new_session(slug: str):
    return _edit_session(_taught(slug), None)


@role_required("instructor")
def edit_session(session_id: int):
    session = _taught_session(session_id)
    return _edit_session(session.workshop, session)


def _edit_session(workshop, session):
    defaults = None
    if session is not None and request.method == "GET":
        start, end = (
            in_zone(session.starts_at, session.timezone),
            in_zone(session.ends_at, session.timezone),
        )
        closes = in_zone(session.registration_deadline, session.timezone)
        defaults = {
            "title": session.title,
            "timezone": session.timezone,
            "start": start.replace(tzinfo=None),
            "end": end.replace(tzinfo=None),
            "registration_closes": closes.replace(tzinfo=None),
            "online_url": session.online_url,
            "place": session.place,
            "capacity": session.capacity,
        }
    form = SessionForm(data=defaults or ({"timezone": current_user.timezone} if request.method == "GET" else None))
    if workshop.source == "ui" and form.validate_on_submit():
        try:
            editing.save_session(workshop, form.data, session)
            db.session.commit()
        except services.WorkshopError as exc:
            db.session.rollback()
            form.start.errors = [*form.start.errors, str(exc)]
        else:
            flash(_("Session saved."), "success")
            return redirect(url_for("workshops.detail", slug=workshop.slug))
    return render_template("workshops/session_edit.html", form=form, workshop=workshop, session=session)


@role_required("instructor")
def attendees_page(session_id: int):
    session = _taught_session(session_id)
    rows = registration.attendees(session)
    return render_template(
        "workshops/attendees.html",
        session=session,
        rows=rows,
        form=ActionForm(),
        started=session.starts_at <= utcnow(),
    )


@role_required("instructor")
def attendance(session_id: int):
    session = _taught_session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    present = {int(v) for v in request.form.getlist("present")[:100_000] if v.isdigit()}
    try:
        changed = registration.mark_attendance(session, present)
        db.session.commit()
        flash(_("Attendance saved (%(n)d changed).", n=changed), "success")
    except services.WorkshopError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("workshops.attendees_page", session_id=session.id))


@role_required("instructor")
def attendees_csv(session_id: int):
    session = _taught_session(session_id)
    filename = f"{session.workshop.slug}-{session.key}.csv"
    return attachment(registration.attendance_csv(session), filename, "text/csv")


def register_teach_routes(bp: Blueprint) -> None:
    """Attach the instructors' routes to the workshops blueprint."""
    bp.add_url_rule("/teach", view_func=teach)
    bp.add_url_rule("/new", view_func=new_workshop, methods=["GET", "POST"])
    bp.add_url_rule("/<slug>/edit", view_func=edit_workshop, methods=["GET", "POST"])
    bp.add_url_rule("/<slug>/sessions/new", view_func=new_session, methods=["GET", "POST"])
    bp.add_url_rule("/sessions/<int:session_id>/edit", view_func=edit_session, methods=["GET", "POST"])
    bp.add_url_rule("/sessions/<int:session_id>/attendees", view_func=attendees_page)
    bp.add_url_rule("/sessions/<int:session_id>/attendance", view_func=attendance, methods=["POST"])
    bp.add_url_rule("/sessions/<int:session_id>/attendees.csv", view_func=attendees_csv)
