"""Sign-up, login, logout, profile and password reset."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from lms.accounts import services
from lms.accounts.forms import LanguageForm, LoginForm, ProfileForm, RegisterForm, ResetPasswordForm
from lms.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(token: str):
    return services.load_session_user(token) if token else None


def _login_account_key() -> str:
    return "account:" + services.normalize_email(request.form.get("email", ""))


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("recommend.dashboard")


def _sign_in(user) -> None:
    session.clear()
    services.start_session(user)
    login_user(user)
    # A fresh CSRF token in the cookie the login answers with: every page's forms need one, and
    # without it the first page (and any client replaying this cookie) rewrites the cookie.
    # The login form's token is cached in `g` but was cleared from the session just above.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()
    db.session.commit()


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("recommend.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data, form.password.data, form.display_name.data, timezone=form.timezone.data
            )
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            _sign_in(user)
            flash(_("Welcome to Academy, %(name)s!", name=user.display_name), "success")
            # The dashboard says what to do next (the placement quiz); see DECISIONS "Sign-up, in one sequence".
            return redirect(url_for("recommend.dashboard"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("recommend.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountError as exc:  # a disabled account, with its right password
            flash(str(exc), "error")
        else:
            if user is not None:
                _sign_in(user)
                return redirect(_safe_next(request.args.get("next")))
            current_app.logger.info("failed login for %s from %s", form.email.data, request.remote_addr)
            flash(_("Wrong e-mail or password."), "error")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("learning.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user).offer_zones(current_user.timezone)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            display_name=form.display_name.data,
            certificate_name=form.certificate_name.data,
            locale=form.locale.data,
            timezone=form.timezone.data,
        )
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, current_app.config["SECRET_KEY"])
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Password changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
