"""Flask's signed-cookie sessions, verifying each distinct cookie once per process.

A browser sends the same session cookie on every request until the session changes. Checking
it (HMAC, base64, zlib, tagged JSON, and a new serializer each time) cost a signed-in request
about 0.1 ms, as much as the rest of a cached dashboard page's framework work. A cookie is
trusted again only byte for byte as it was verified, and only while it is younger than the
session lifetime, as Flask's own check requires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

CACHE_LIMIT = 10_000  # verified cookies kept per process; a full cache starts again empty
_IMMUTABLE = (str, int, float, bool, type(None))


class VerifiedCookieSessions(SecureCookieSessionInterface):
    """SecureCookieSessionInterface with the serializer built once and verified cookies kept."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}
        self._verified: dict[str, tuple[dict[str, Any], float]] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        hit = self._verified.get(cookie)
        if hit is not None:
            data, signed_at = hit
            if self.clock() - signed_at <= max_age:
                return self.session_class(data)  # a copy: the cached dict never changes
            self._verified.pop(cookie, None)
            return self.session_class()  # expired, as Flask's check would find
        try:
            data, signed = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        # Only flat sessions: a view may change a list or dict inside its copy in place.
        if all(isinstance(value, _IMMUTABLE) for value in data.values()):
            if len(self._verified) >= CACHE_LIMIT:
                self._verified.clear()
            self._verified[cookie] = (data, signed.timestamp())
        return self.session_class(data)
