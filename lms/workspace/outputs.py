"""Kernel outputs reduced to what the page may show: text, tracebacks and images as data.

Nothing a learner's code produces is ever shown as HTML or run as script in our origin:
text/html and JavaScript outputs are dropped (their text/plain form is kept), SVG is only
ever shown inside <img> (where browsers run no script), PNG must be valid base64."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
IMAGE_TYPES = ("image/png", "image/svg+xml")
MAX_IMAGE_BYTES = 2 << 20


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _image(mime: str, value: Any) -> dict[str, str] | None:
    """A PNG or SVG as base64 data for an <img src="data:..."> (None if it is not valid)."""
    if mime == "image/png":
        data = _text(value).replace("\n", "")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return None
        if not raw.startswith(b"\x89PNG"):
            return None
    else:
        raw = _text(value).encode("utf-8")
        data = base64.b64encode(raw).decode("ascii")
    if len(raw) > MAX_IMAGE_BYTES:
        return None
    return {"type": "image", "mime": mime, "data": data}


def clean(output: dict[str, Any]) -> dict[str, Any] | None:
    """One nbformat output as plain data for the page, or None if nothing of it is shown."""
    kind = output.get("output_type")
    if kind == "stream":
        return {"type": "stream", "name": output.get("name", "stdout"), "text": _text(output.get("text", ""))}
    if kind == "error":
        lines = [_ANSI.sub("", _text(t)) for t in output.get("traceback", [])]
        head = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
        return {"type": "error", "ename": str(output.get("ename", "")), "text": "\n".join(lines) or head}
    if kind in ("display_data", "execute_result"):
        data = output.get("data", {})
        for mime in IMAGE_TYPES:
            if mime in data:
                image = _image(mime, data[mime])
                if image is not None:
                    return image
        if "text/plain" in data:
            return {"type": "text", "text": _text(data["text/plain"])}
        return {"type": "note", "text": "This output (HTML or JavaScript) is not shown in the workspace."}
    return None


def clean_all(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every output of a cell, cleaned, in order."""
    return [shown for shown in map(clean, outputs) if shown is not None]
