"""Reminders: each domain registers a finder of what is due at a moment (workshop sessions,
assignment due dates, assigned paths); the periodic `send_reminders` task asks them all and
notifies each reminder once per person and key (the key names the moment it is about, so a
due date moved by an extension is a new reminder and the old one is never sent)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import select, tuple_

from lms.extensions import db
from lms.notifications.models import Notification, NotificationKind
from lms.notifications.services import notify

if TYPE_CHECKING:
    from lms.accounts.models import User

log = logging.getLogger(__name__)
BATCH = 500  # (user, key) pairs per "already sent?" query


@dataclass(frozen=True)
class Reminder:
    """One reminder a finder says is due: notify()'s arguments."""

    user: User
    kind: NotificationKind
    key: str
    subject: dict[str, Any]
    context: dict[str, Any]


Finder = Callable[[datetime], Sequence[Reminder]]


def register_finder(app: Flask, name: str, finder: Finder) -> None:
    """Let `send_due` ask `finder(now)` for the reminders due at `now` (one set-based query or two)."""
    app.extensions.setdefault("reminder_finders", {})[name] = finder


def send_due(now: datetime) -> dict[str, int]:
    """Ask every registered finder what is due at `now` and notify each reminder not yet sent;
    commits after each finder, so one that fails (logged) does not hold back the others.
    Returns the new notifications per finder (-1 for one that failed)."""
    sent: dict[str, int] = {}
    finders: dict[str, Finder] = current_app.extensions.get("reminder_finders", {})
    for name, finder in finders.items():
        try:
            sent[name] = send(finder(now))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("reminders of %s failed", name)
            sent[name] = -1
    return sent


def send(reminders: Iterable[Reminder]) -> int:
    """notify() each reminder whose (person, kind, key) has no notification yet; the ones already
    sent are found in one query per BATCH rather than tried one by one. Returns how many are new. Flushes."""
    fresh = 0
    pending = list(reminders)
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        done = _already_sent(batch)
        for reminder in batch:
            if (reminder.user.id, str(reminder.kind), reminder.key) in done:
                continue
            done.add((reminder.user.id, str(reminder.kind), reminder.key))  # a person listed twice (team and own)
            if notify(reminder.user, reminder.kind, reminder.subject, reminder.context, reminder.key) is not None:
                fresh += 1
    return fresh


def _already_sent(batch: Sequence[Reminder]) -> set[tuple[int, str, str]]:
    triples = {(r.user.id, str(r.kind), r.key) for r in batch}
    statement = select(Notification.user_id, Notification.kind, Notification.key).where(
        tuple_(Notification.user_id, Notification.kind, Notification.key).in_(list(triples))
    )
    return {(user_id, kind, key) for user_id, kind, key in db.session.execute(statement)}
