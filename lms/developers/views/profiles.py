"""The developer profile: the once-only step after sign-up, the page to edit it, and the analysts' aggregates."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.access import role_required
from lms.developers.forms import ProfileForm, SkipForm
from lms.developers.models import Segment
from lms.developers.services import overview as overview_service
from lms.developers.services import profiles
from lms.developers.views import bp
from lms.extensions import db


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed (as after login)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("recommend.dashboard")


def _form() -> ProfileForm:
    user = current_user._get_current_object()
    profile = profiles.profile_of(user.id)
    form = ProfileForm(obj=profile).offer_choices(str(get_locale() or "en"))
    if profile is not None and request.method == "GET":
        form.interests.data = [i.tag for i in profile.interests]
    return form


def _save(form: ProfileForm) -> bool:
    """The form's values through the service; a refused field gets the service's message."""
    data = profiles.ProfileInput(
        developer_type=form.developer_type.data or None,
        organisation=form.organisation.data or "",
        job_role=form.job_role.data or "",
        interests=tuple(form.interests.data or ()),
        main_language=form.main_language.data or "",
        stack=form.stack.data or "",
        years_experience=form.years_experience.data,
        country=form.country.data or None,
    )
    try:
        profiles.save_profile(current_user._get_current_object(), data)
    except profiles.ProfileError as exc:
        db.session.rollback()
        getattr(form, exc.field).errors = [*getattr(form, exc.field).errors, str(exc)]
        return False
    db.session.commit()
    return True


@bp.route("/welcome/profile", methods=["GET", "POST"])
@login_required
def profile_step():
    """Asked once after sign-up (and at the next visit of accounts made before): answer or skip."""
    target = _safe_next(request.values.get("next"))
    skip = SkipForm()
    if "skip" in request.form:
        if skip.validate_on_submit():
            profiles.skip_step(current_user._get_current_object())
            db.session.commit()
            return redirect(target)
    elif request.method == "GET" and not profiles.needs_step(current_user):
        return redirect(target)  # answered or skipped already: asked once
    form = _form()
    if "skip" not in request.form and form.validate_on_submit() and _save(form):
        flash(_("Thank you: your developer profile is saved."), "success")
        return redirect(target)
    return render_template("developers/profile_step.html", form=form, skip=skip, next=target)


@bp.route("/profile/developer", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = _form()
    if form.validate_on_submit() and _save(form):
        flash(_("Developer profile saved."), "success")
        return redirect(url_for("developers.edit_profile"))
    return render_template("developers/edit_profile.html", form=form)


@bp.get("/developers/")
@role_required("analyst")
def overview():
    """Distributions only: never one named person's profile."""
    segment_id = request.args.get("segment", type=int)
    segment = db.session.get(Segment, segment_id) if segment_id else None
    if segment_id and segment is None:
        abort(404)
    data = overview_service.overview(segment, str(get_locale() or "en"))
    return render_template(
        "developers/overview.html", data=data, segment=segment, segments=overview_service.segment_choices()
    )
