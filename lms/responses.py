"""Responses that several domains send."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, jsonify, request


def attachment(body: bytes | Iterable[bytes | str], filename: str, mimetype: str) -> Response:
    """A download saved as `filename`; every one holds someone's data, so no cache keeps it."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def wants_json() -> bool:
    """Whether the client asked for JSON (the workspace's and the uploads' fetch calls do): their
    refusals must be JSON it can read, not an HTML page or a redirect to the login form."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def json_refusal(status: int, error: str, message: str, **extra: object) -> tuple[Response, int]:
    """A refusal a script can show: a stable `error` code and a `message` for people."""
    return jsonify(error=error, message=message, **extra), status
