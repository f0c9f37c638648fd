"""Sign-up (with the address confirmed by mail if EMAIL_VERIFICATION), login, logout, profile and
password reset by a mailed link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from lms.accounts import services, tasks
from lms.accounts.forms import (
    ConfirmEmailForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResendVerificationForm,
    ResetPasswordForm,
)
from lms.community.services import conduct
from lms.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(token: str):
    return services.load_session_user(token) if token else None


def _login_account_key() -> str:
    return "account:" + services.normalize_email(request.form.get("email", ""))


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_mail_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]


def _mail_sent(purpose: str, email: str) -> str:
    """The page after a link was mailed (or, for an unknown address, would have been)."""
    return render_template("accounts/mail_sent.html", purpose=purpose, email=email, hours=services.link_hours(purpose))


def _link_problem(exc: services.LinkError, purpose: str):
    """The page of a link that does not work: what is wrong, and how to get a new one."""
    page = render_template("accounts/link_problem.html", message=str(exc), purpose=purpose)
    return page, exc.status


# Where each role starts after logging in: the page that answers its first question (what do my
# courses need, how are my teams doing); learners and admins start on the dashboard.
LANDING = {"instructor": "teaching.index", "manager": "reports.index", "analyst": "programme.dashboard"}


def _landing(user) -> str:
    return url_for(LANDING.get(user.role, "recommend.dashboard"))


def _safe_next(target: str | None, default: str | None = None) -> str:
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default or url_for("recommend.dashboard")


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
    confirm_first = current_app.config["EMAIL_VERIFICATION"]
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data,
                form.password.data,
                form.display_name.data,
                timezone=form.timezone.data,
                verified=not confirm_first,
            )
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            conduct.accept(user)  # the box is required: the version read is recorded with the account
            if confirm_first:  # DECISIONS "Sign-up, in one sequence": the address first, then the first login
                services.start_verification(user, tasks.link_path(services.VERIFY))
                db.session.commit()
                return _mail_sent(services.VERIFY, user.email)
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
        return redirect(_landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, require_verified=current_app.config["EMAIL_VERIFICATION"]
            )
        except services.EmailNotVerified as exc:  # the right password, the address not confirmed yet
            db.session.commit()  # a rehashed password
            resend = ResendVerificationForm(email=services.normalize_email(form.email.data))
            return render_template("accounts/login.html", form=form, unverified=str(exc), resend=resend)
        except services.AccountError as exc:  # a disabled account, with its right password
            flash(str(exc), "error")
        else:
            if user is not None:
                _sign_in(user)
                return redirect(_safe_next(request.args.get("next"), _landing(user)))
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


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_account_mail_limit, methods=["POST"])
@limiter.limit(_account_mail_limit, methods=["POST"], key_func=_login_account_key)
def forgot():
    """The same answer, at the same cost (an enqueue), whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        tasks.ask_for_link(services.RESET, form.email.data)
        return _mail_sent(services.RESET, services.normalize_email(form.email.data))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    try:
        services.check_token(token, services.RESET)
    except services.LinkError as exc:
        return _link_problem(exc, services.RESET)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.LinkError as exc:  # used by another request meanwhile
            db.session.rollback()
            return _link_problem(exc, services.RESET)
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            if current_user.is_authenticated:  # its login session ended with all the others
                logout_user()
            session.clear()
            flash(_("Password changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, min_password=services.MIN_PASSWORD)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def verify(token: str):
    try:
        services.check_token(token, services.VERIFY)
    except services.LinkError as exc:
        return _link_problem(exc, services.VERIFY)
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            services.verify_email(token)
        except services.LinkError as exc:
            db.session.rollback()
            return _link_problem(exc, services.VERIFY)
        db.session.commit()
        flash(_("Your e-mail address is confirmed. Log in to start."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/confirm_email.html", form=form)


@bp.post("/confirm/resend")
@limiter.limit(_account_mail_limit)
@limiter.limit(_account_mail_limit, key_func=_login_account_key)
def resend_verification():
    """Offered on the login page after the right password; says the same for any address."""
    form = ResendVerificationForm()
    if form.validate_on_submit():
        tasks.ask_for_link(services.VERIFY, form.email.data)
        flash(_("If %(email)s is waiting for confirmation, a new link is on its way.", email=form.email.data), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
