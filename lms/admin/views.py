"""Admin pages: list users, set their role, enable or disable them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from lms.accounts import services
from lms.accounts.access import role_required
from lms.accounts.models import User
from lms.admin.forms import ConfirmForm, UserRoleForm
from lms.developers.services.profiles import TYPE_LABELS, country_name, profiles_for
from lms.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


def _back():
    return redirect(url_for("admin.users", q=request.args.get("q", "")))


@bp.get("/users")
@role_required("admin")
def users():
    query = request.args.get("q", "").strip()[:100]
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = select(User).order_by(User.email)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(or_(func.lower(User.email).like(like), func.lower(User.display_name).like(like)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    forms = {u.id: UserRoleForm(prefix=f"u{u.id}", role=u.role) for u in rows}
    return render_template(
        "admin/users.html",
        users=rows,
        forms=forms,
        profiles=profiles_for([u.id for u in rows]),  # issue 18: visible to the person and admins
        type_labels=TYPE_LABELS,
        country_name=country_name,
        confirm=ConfirmForm(),
        query=query,
        page=page,
        total=total,
        page_size=PAGE_SIZE,
    )


@bp.post("/users/<int:user_id>")
@role_required("admin")
def update_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserRoleForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        flash(_("Choose a valid role."), "error")
        return _back()
    if user.id == current_user.id and form.role.data != "admin":
        flash(_("You cannot remove your own admin access."), "error")
        return _back()
    services.set_role(user, form.role.data)
    db.session.commit()
    flash(_("Saved %(email)s.", email=user.email), "success")
    return _back()


@bp.route("/users/<int:user_id>/disable", methods=["GET", "POST"])
@role_required("admin")
def disable_user(user_id: int):
    """GET asks for confirmation (no JavaScript needed); the confirmed POST disables."""
    user = db.session.get(User, user_id) or abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("admin/disable.html", user=user, form=form, query=request.args.get("q", ""))
    try:
        services.set_active(user, False, by=current_user)
    except services.AccountError as exc:
        flash(str(exc), "error")
        return _back()
    db.session.commit()
    flash(_("Disabled %(email)s.", email=user.email), "success")
    return _back()


@bp.post("/users/<int:user_id>/enable")
@role_required("admin")
def enable_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        services.set_active(user, True, by=current_user)
        db.session.commit()
        flash(_("Enabled %(email)s.", email=user.email), "success")
    return _back()
