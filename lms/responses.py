"""Responses that several domains send."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response


def attachment(body: bytes | Iterable[bytes | str], filename: str, mimetype: str) -> Response:
    """A download saved as `filename`; every one holds someone's data, so no cache keeps it."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
