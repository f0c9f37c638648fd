"""What every page template gets (filters several domains use, globals, translations), and what
a worker builds once instead of on every page.

Translations are looked up once per page. Navigation URLs, the viewer's signed CSRF token, the
shared top bar and footer, and whole pages that views mark as cacheable (`render_page`) are
kept per process under a key holding everything they show: language, mount point, page,
viewer (id, name, role) and CSRF token. Templates do not change while a process runs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, g, render_template, request, session, url_for
from flask_babel import get_locale, get_translations
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

from lms.catalog.markdown import render_markdown
from lms.localtime import when

CSRF_REUSE_SECONDS = 60  # tokens never expire here (WTF_CSRF_TIME_LIMIT None); re-signed each minute
CACHE_LIMIT = 2_000  # entries per cache and worker; a full cache starts again empty


class PageParts:
    """One worker's caches of URLs, CSRF tokens, frame parts and pages."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.urls: dict[tuple, str] = {}
        self.signed: dict[str, tuple[str, float]] = {}
        self.parts: dict[tuple, Markup] = {}
        self.pages: dict[tuple, str] = {}
        self.viewer_parts: dict[str, Callable[[int], Hashable]] = {}

    def viewer_values(self) -> dict[str, Hashable]:
        """The signed-in viewer's values that change between their pages (the bell's unread count),
        asked once per request and never kept across requests: they join the cache keys, so no
        cached frame or page shows a stale one."""
        if "viewer_values" not in g:
            user = current_user._get_current_object()
            signed_in = user.is_authenticated
            g.viewer_values = {name: fn(user.id) for name, fn in self.viewer_parts.items()} if signed_in else {}
        return g.viewer_values

    @staticmethod
    def _keep(cache: dict, key: Any, value: Any) -> None:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[key] = value

    def url_for(self, endpoint: str, **values: Any) -> str:
        """url_for, remembered for the calls that always give the same answer in a process:
        no arguments (navigation) or a static file; relative and external ones are built."""
        if endpoint.startswith(".") or (values and endpoint != "static") or "_external" in values:
            return url_for(endpoint, **values)
        key = (endpoint, request.script_root, values.get("filename"))
        url = self.urls.get(key)
        if url is None:
            url = url_for(endpoint, **values)
            self._keep(self.urls, key, url)
        return url

    def csrf_token(self) -> str:
        """generate_csrf, reusing this session's signed token for a minute: signing is an HMAC
        every page paid twice, and a token signed seconds ago is just as valid."""
        field = self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        now = time.monotonic()
        hit = self.signed.get(session.get(field, ""))
        if hit is not None and now - hit[1] < CSRF_REUSE_SECONDS:
            return hit[0]
        token = generate_csrf()
        self._keep(self.signed, session[field], (token, now))
        return token

    def viewer_key(self) -> tuple:
        """Everything the frame of a page shows besides its own content."""
        user = current_user._get_current_object()
        signed_in = user.is_authenticated
        return (
            str(get_locale() or "en"),
            request.script_root,
            request.endpoint,
            request.full_path if request.method == "GET" else "/",
            user.id if signed_in else None,
            user.display_name if signed_in else None,
            user.role if signed_in else None,
            self.csrf_token(),
            *sorted(self.viewer_values().items()),
        )

    def frame(self, context: Any, name: str) -> Markup:
        """A shared part of every page (top bar, footer), rendered once per viewer key."""
        key = (name, *self.viewer_key())
        html = self.parts.get(key)
        if html is None:
            html = Markup(self.app.jinja_env.get_template(name).render(context.get_all()))
            self._keep(self.parts, key, html)
        return html

    def page(self, template: str, **context: Any) -> str:
        """The whole page, once per viewer key and `context` (hashable values); a page with
        flashed messages to show is built, and shows them."""
        if session.get("_flashes"):
            return render_template(template, **context)
        key = (template, *self.viewer_key(), *sorted(context.items()))
        html = self.pages.get(key)
        if html is None:
            html = render_template(template, **context)
            self._keep(self.pages, key, html)
        return html


def register_viewer_part(app: Flask, name: str, fn: Callable[[int], Hashable]) -> None:
    """A value of the signed-in viewer that the frame shows (templates: `viewer_parts[name]`),
    computed by `fn(user_id)` once per request: a domain above templating plugs it in (create_app)."""
    app.extensions["page_parts"].viewer_parts[name] = fn


def render_page(template: str, **context: Any) -> str:
    """render_template for a page whose template shows nothing but the viewer key (see
    PageParts.viewer_key) and `context`: built once per process and key."""
    return current_app.extensions["page_parts"].page(template, **context)


@lru_cache(maxsize=64)
def markdown(text: str) -> Markup:
    """People's Markdown (an announcement's body in its e-mail) as sanitized HTML; remembered, as a
    worker renders the same body for each of its recipients."""
    return Markup(render_markdown(text))


def csp_nonce() -> str:
    """This response's CSP nonce for styles, made on first use: the security headers add it to
    style-src only for pages that call this (pages cached across requests must not)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def field_aria(field: Any) -> dict[str, str]:
    """A WTForms field's aria attributes: described by its hint and its errors (the ids macros.field
    gives them), invalid when it has errors. Render with f(**field_aria(f))."""
    described = [f"{field.id}-hint"] if field.description else []
    if field.errors:
        return {"aria-invalid": "true", "aria-describedby": " ".join([*described, f"{field.id}-error"])}
    return {"aria-describedby": described[0]} if described else {}


def form_errors(form: Any) -> list[tuple[str, str, str]]:
    """(field id, label, message) of every error in a WTForms form, nested lists of fields
    included, in the order the fields are shown: the form's error summary links each to its field."""
    found: list[tuple[str, str, str]] = []
    for field in form:
        if field.name == "csrf_token" or not field.errors:
            continue
        if hasattr(field, "entries"):  # a FieldList: its entries' own fields carry the errors
            for entry in field.entries:
                found += form_errors(entry) if hasattr(entry, "_fields") else _own_errors(entry)
        else:
            found += _own_errors(field)
    return found


def _own_errors(field: Any) -> list[tuple[str, str, str]]:
    return [(field.id, str(field.label.text), str(error)) for error in field.errors if isinstance(error, str)]


def init_app(app: Flask) -> None:
    """Register the caches, the filters, the template globals and the context processor."""
    parts = app.extensions["page_parts"] = PageParts(app)
    # Every time a page shows goes through `when` (lms.localtime): the viewer's zone, labelled.
    app.add_template_filter(when)
    app.add_template_filter(markdown)

    @pass_context
    def frame(context: Any, name: str) -> Markup:
        return parts.frame(context, name)

    app.jinja_env.globals.update(
        url_for=parts.url_for,
        csrf_token=parts.csrf_token,
        frame=frame,
        field_aria=field_aria,
        form_errors=form_errors,
        csp_nonce=csp_nonce,
    )

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
            "viewer_parts": parts.viewer_values() if request else {},
            "csrf_token": parts.csrf_token,  # Flask-WTF's own context processor hands out its own
            "current_locale": str(get_locale() or "en"),
            "languages": app.config["LANGUAGES"],
            "_": gettext,
            "gettext": gettext,
            "ngettext": ngettext,
        }
