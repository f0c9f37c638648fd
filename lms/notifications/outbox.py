"""The development outbox read back: the .eml files mail.deliver writes to instance/outbox/ when
there is no MAIL_URL, listed newest first and opened one at a time for the admins' viewer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

# The names mail._write_outbox gives (<UTC time>-<notification id or digest-id>.eml): nothing else is opened.
NAME = re.compile(r"\d{8}T\d{6}-[a-z0-9-]+\.eml")


@dataclass(frozen=True)
class Entry:
    """One message of the outbox, as its list shows it."""

    name: str
    written_at: datetime
    to: str
    subject: str


@dataclass(frozen=True)
class Letter:
    """One message opened: its headers in order, its text part and its HTML part (either may be None)."""

    name: str
    subject: str
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None


def folder(config: dict[str, Any] | Any) -> Path | None:
    """instance/outbox/ when the viewer is on (no MAIL_URL, not production); None otherwise."""
    if not config["MAIL_OUTBOX_VIEWER"]:
        return None
    return Path(config["INSTANCE_DIR"]) / "outbox"


def entries(outbox: Path, page: int, page_size: int) -> tuple[list[Entry], int]:
    """One page of the outbox, newest first (by time written, then name), and how many there are."""
    try:
        files = [(path.stat().st_mtime, path.name, path) for path in outbox.iterdir() if NAME.fullmatch(path.name)]
    except FileNotFoundError:
        return [], 0
    files.sort(reverse=True)
    start = (max(page, 1) - 1) * page_size
    shown = []
    for modified, name, path in files[start : start + page_size]:
        message = _read(path)
        shown.append(
            Entry(
                name=name,
                written_at=datetime.fromtimestamp(modified, UTC),
                to=str(message["To"] or "") if message else "",
                subject=str(message["Subject"] or "") if message else "",
            )
        )
    return shown, len(files)


def letter(outbox: Path, name: str) -> Letter | None:
    """The message called `name` (only an outbox name, never a path), or None."""
    if not NAME.fullmatch(name):
        return None
    message = _read(outbox / name)
    if message is None:
        return None
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return Letter(
        name=name,
        subject=str(message["Subject"] or ""),
        headers=[(key, str(value)) for key, value in message.items()],
        text=cast("EmailMessage", text).get_content() if text is not None else None,
        html=cast("EmailMessage", html).get_content() if html is not None else None,
    )


def _read(path: Path) -> EmailMessage | None:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None
    return cast("EmailMessage", message_from_bytes(data, policy=policy.default))
