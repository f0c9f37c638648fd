"""Application factory: config, extensions, the queue, the issuer, receivers, templating, blueprints, CLI
and error pages, in that order and by name (STYLE.md, "Wiring you can read")."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, g, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_url
from flask_wtf.csrf import CSRFError

from lms import extensions as ext
from lms import templating
from lms.config import load_config
from lms.cookies import VerifiedCookieSessions
from lms.responses import json_refusal, wants_json


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides what the environment says (tests use it)."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_config(config))
    app.config["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)
    _load_nbformat_fast()
    app.session_interface = VerifiedCookieSessions()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("weasyprint", "fontTools", "pyhanko", "alembic.runtime.plugins"):  # chatter, not events
        logging.getLogger(chatty).setLevel(logging.WARNING)

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(app.root_path + "/../migrations"))
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.babel.init_app(app, locale_selector=ext.select_locale, timezone_selector=ext.select_timezone)
    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "accounts.login"
    ext.login_manager.login_message = _l("Please log in to see this page.")
    ext.login_manager.login_message_category = "info"
    ext.queue.init_app(app)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _enable_sqlite_pragmas(app)

    _create_issuer(app)
    _connect_receivers(app)
    templating.init_app(app)
    _register_blueprints(app)
    _register_page_parts(app)
    _register_reminders(app)
    _register_cli(app)
    _register_errors(app)
    _register_security_headers(app)
    return app


def _load_nbformat_fast() -> None:
    """nbformat without jsonschema's IRI grammar (1.5 s of every `flask` command): must run before
    grading or any domain imports nbformat (lms/catalog/notebook_format.py says how)."""
    from lms.catalog import notebook_format

    notebook_format.skip_iri_checker()


def _create_issuer(app: Flask) -> None:
    """The issuer key and certificate, created in instance/issuer when the app is first built."""
    from lms.certification import issuing

    issuing.create_issuer(issuing.config_from_app(app))


def _connect_receivers(app: Flask) -> None:
    """Each domain's reactions to other domains' signals: releases stored and certificates
    awarded, mastery and dashboards, reports' read model, the community's events and notifications,
    notifications' mail enqueued after commit.
    Whatever blueprints the app has."""
    from lms.assignments import receivers as assignments
    from lms.certification import receivers as certification
    from lms.community import receivers as community
    from lms.notifications import receivers as notifications
    from lms.programme import receivers as programme
    from lms.recommend import receivers as recommend
    from lms.reports import receivers as reports

    for domain in (assignments, certification, recommend, reports, programme, community, notifications):
        domain.connect(app)
    from lms.community.services import search as community_search

    community_search.connect(app)  # threads are the search layer's first indexer, kept in step


def _register_blueprints(app: Flask) -> None:
    from lms.accounts.views import bp as accounts_bp
    from lms.admin.views import bp as admin_bp
    from lms.announcements.views import bp as announcements_bp
    from lms.api.views import bp as api_bp
    from lms.assignments.views import bp as assignments_bp
    from lms.certification.views import bp as certification_bp
    from lms.community.views import bp as community_bp
    from lms.developers.views import bp as developers_bp
    from lms.feedback.views import bp as feedback_bp
    from lms.learning.views import bp as learning_bp
    from lms.notifications.admin import bp as mail_admin_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.operations.views import bp as operations_bp
    from lms.programme.views import bp as programme_bp
    from lms.recommend.views import bp as recommend_bp
    from lms.reports.views import bp as reports_bp
    from lms.teaching.views import bp as teaching_bp
    from lms.workshops.views import bp as workshops_bp
    from lms.workspace.views import bp as workspace_bp

    blueprints = (
        accounts_bp,
        admin_bp,
        learning_bp,
        teaching_bp,
        assignments_bp,
        certification_bp,
        workshops_bp,
        feedback_bp,
        recommend_bp,
        reports_bp,
        api_bp,
        workspace_bp,
        operations_bp,
        notifications_bp,
        mail_admin_bp,
        announcements_bp,
        community_bp,
        developers_bp,
        programme_bp,
    )
    for bp in blueprints:
        app.register_blueprint(bp)


def _register_page_parts(app: Flask) -> None:
    """Learning's pages show parts owned by domains above it, which learning cannot import: they plug in here."""
    from flask_login import current_user

    from lms.accounts.services import read_with_login
    from lms.assignments.views import assignment_page
    from lms.certification.rules import exams_remaining
    from lms.certification.views import certificate_card, exam_url
    from lms.community.views.panels import community_panel
    from lms.learning.services import register_exams_remaining
    from lms.learning.views import register_course_panel, register_item_page
    from lms.notifications.services import unread_column, unread_count
    from lms.recommend.views import recommended_modules

    register_item_page(app, "assignment", assignment_page)  # learning checks the enrolment, assignments render
    # "Questions and discussion" on the course, lesson, quiz and assignment pages (never exams).
    app.add_template_global(community_panel, "community_panel")
    register_course_panel(app, "recommended", recommended_modules)
    register_course_panel(app, "exam_url", exam_url)
    register_course_panel(app, "certificate", certificate_card)
    register_exams_remaining(app, exams_remaining)  # no "Completed" label while the exam is needed
    # The bell: counted per request (with the login check), never cached.
    read_with_login("unread_notifications", unread_column)
    templating.register_viewer_part(
        app, "unread", lambda user_id: unread_count(user_id, getattr(current_user, "also", None))
    )


def _register_reminders(app: Flask) -> None:
    """What the worker's periodic `send_reminders` asks for (lms.notifications.reminders): each
    domain finds its own due reminders in one set-based query."""
    from lms.assignments.reminders import due_reminders
    from lms.notifications.reminders import register_finder
    from lms.reports.reminders import path_reminders
    from lms.workshops.reminders import session_reminders

    register_finder(app, "workshops", session_reminders)
    register_finder(app, "assignments", due_reminders)
    register_finder(app, "paths", path_reminders)


def _register_cli(app: Flask) -> None:
    from lms.accounts.cli import teams_cli, users_cli
    from lms.assignments.cli import grading_cli
    from lms.catalog.cli import courses_cli
    from lms.certification.cli import certificates_cli
    from lms.community.cli import community_cli
    from lms.demo.cli import demo_cli, platform_cli
    from lms.feedback.cli import feedback_cli
    from lms.operations.cli import grading_alias, worker_cli
    from lms.programme.cli import programme_cli
    from lms.recommend.cli import recommend_cli
    from lms.reports.cli import reports_cli
    from lms.search.cli import search_cli
    from lms.workshops.cli import workshops_cli

    groups = (
        users_cli,
        teams_cli,
        courses_cli,
        demo_cli,
        platform_cli,
        grading_cli,
        certificates_cli,
        workshops_cli,
        feedback_cli,
        recommend_cli,
        reports_cli,
        programme_cli,
        search_cli,
        community_cli,
        worker_cli,
    )
    for group in groups:
        app.cli.add_command(group)
    grading_cli.add_command(grading_alias)  # `flask grading worker`: the worker's name while it only graded


JSON_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 413: "too_large", 429: "rate_limited"}


def _error_page(code: int, title: str, message: str):
    """The error page; JSON with an `error` code and a `message` for a client that asked for JSON."""
    if wants_json():
        return json_refusal(code, JSON_ERRORS.get(code, "error"), str(message))
    return render_template("error.html", code=code, title=title, message=message), code


def _signed_out():
    """401 for a script whose session ended: it can tell this from a network failure and offer to sign in."""
    message = _l("You are signed out (your session ended). Sign in again to continue.")
    return json_refusal(401, "signed_out", str(message), login_url=login_url("accounts.login"))


def _register_errors(app: Flask) -> None:
    page = _error_page

    @ext.login_manager.unauthorized_handler
    def unauthorized():
        """Flask-Login's redirect to the login form, except for a script, which gets a JSON 401."""
        if wants_json():
            return _signed_out()
        flash(ext.login_manager.login_message, ext.login_manager.login_message_category)
        return redirect(login_url("accounts.login", request.url))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        app.logger.warning("CSRF rejected: %s %s", request.path, error.description)
        if wants_json():  # signed out: the session that held the token is gone; else a page from an older sign-in
            message = _l("This page's security token is missing or out of date. Reload the page and try again.")
            return (
                _signed_out() if not current_user.is_authenticated else json_refusal(400, "page_expired", str(message))
            )
        return page(
            400,
            _l("Form expired"),
            _l("The form was missing its security token or it had expired. Go back, reload the page and try again."),
        )

    @app.errorhandler(400)
    def bad_request(error):
        return page(400, _l("Bad request"), _l("The request could not be understood."))

    @app.errorhandler(403)
    def forbidden(error):
        return page(403, _l("Not allowed"), _l("Your account does not have access to this page."))

    @app.errorhandler(404)
    def not_found(error):
        return page(404, _l("Not found"), _l("There is nothing at this address."))

    @app.errorhandler(413)
    def too_large(error):
        return page(413, _l("Too large"), _l("The upload is larger than this site accepts."))

    @app.errorhandler(429)
    def too_many(error):
        return page(429, _l("Too many attempts"), _l("Too many attempts in a short time. Wait a minute and try again."))

    @app.errorhandler(500)
    def server_error(error):
        return page(500, _l("Something went wrong"), _l("The server failed to answer. Try again in a moment."))


def _register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'{nonce}; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    @app.after_request
    def headers(response):
        # A page that asked for a nonce (csp_nonce() in its template) lets <style nonce=...> through.
        nonce = g.get("csp_nonce")
        response.headers.setdefault("Content-Security-Policy", csp.format(nonce=f" 'nonce-{nonce}'" if nonce else ""))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _enable_sqlite_pragmas(app: Flask) -> None:
    """Foreign keys on, and WAL so the web server and the worker can share the file."""
    from sqlalchemy import event

    with app.app_context():
        engine = ext.db.engine

        @event.listens_for(engine, "connect")
        def pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
