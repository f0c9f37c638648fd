"""What every page template gets: translations looked up once per page; URLs, the CSRF token
and the shared top bar and footer built once per process rather than on every page (the
frame of each page builds a dozen URLs and translations)."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, request, session, url_for
from flask_babel import get_locale, get_translations
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

CSRF_REUSE_SECONDS = 60  # a signed token this old still has most of WTF_CSRF_TIME_LIMIT left
_CACHE_LIMIT = 10_000


def init_app(app: Flask) -> None:
    """Register the context processor and the template globals."""
    urls: dict[tuple, str] = {}
    signed: dict[str, tuple[str, float]] = {}

    def cached_url_for(endpoint: str, **values: Any) -> str:
        """url_for, remembered for the calls that always give the same answer in a process:
        no arguments (navigation) or a static file; relative and external ones are built."""
        if endpoint.startswith(".") or (values and endpoint != "static") or "_external" in values:
            return url_for(endpoint, **values)
        key = (endpoint, request.script_root, values.get("filename"))
        url = urls.get(key)
        if url is None:
            url = url_for(endpoint, **values)
            if len(urls) < _CACHE_LIMIT:
                urls[key] = url
        return url

    def csrf_token() -> str:
        """generate_csrf, reusing this session's signed token for a minute: signing is an HMAC
        every page paid twice, and a token signed seconds ago is just as valid."""
        raw = session.get(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        now = time.monotonic()
        hit = signed.get(raw) if raw else None
        if hit is not None and now - hit[1] < CSRF_REUSE_SECONDS:
            return hit[0]
        token = generate_csrf()
        raw = session.get(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if len(signed) >= _CACHE_LIMIT:
            signed.clear()
        signed[raw] = (token, now)
        return token

    frames: dict[tuple, Markup] = {}

    @pass_context
    def frame(context, name: str) -> Markup:
        """A shared part of every page, rendered once per everything it shows: language, viewer
        (id, name, role), page (for the current-page mark and the language form's return path)
        and the viewer's CSRF token (which changes every CSRF_REUSE_SECONDS)."""
        user = context["current_user"]
        signed_in = user.is_authenticated
        key = (
            name,
            context["current_locale"],
            request.script_root,
            request.endpoint,
            request.full_path if request.method == "GET" else "/",
            user.id if signed_in else None,
            user.display_name if signed_in else None,
            user.role if signed_in else None,
            csrf_token(),
        )
        html = frames.get(key)
        if html is None:
            html = Markup(app.jinja_env.get_template(name).render(context.get_all()))
            if len(frames) >= _CACHE_LIMIT:
                frames.clear()
            frames[key] = html
        return html

    app.jinja_env.globals.update(url_for=cached_url_for, csrf_token=csrf_token, frame=frame)

    @app.context_processor
    def inject() -> dict[str, Any]:
        # Page templates resolve `_`/`gettext` here: the catalog is looked up once per page, not
        # per string (Flask-Babel's per-call lookup was a third of the dashboard's render time).
        # Same semantics as Jinja's newstyle gettext: autoescape, then %-format the variables.
        translations = get_translations()

        @pass_context
        def gettext(context, string: str, **variables: Any) -> str:
            text = translations.ugettext(string)
            if context.eval_ctx.autoescape:
                text = Markup(text)
            return text % variables

        @pass_context
        def ngettext(context, singular: str, plural: str, num: int, **variables: Any) -> str:
            variables.setdefault("num", num)
            text = translations.ungettext(singular, plural, num)
            if context.eval_ctx.autoescape:
                text = Markup(text)
            return text % variables

        return {
            "csrf_token": csrf_token,  # Flask-WTF's own context processor would hand out its own
            "current_locale": str(get_locale() or "en"),
            "languages": app.config["LANGUAGES"],
            "_": gettext,
            "gettext": gettext,
            "ngettext": ngettext,
        }
