"""The learner dashboard's body (assigned paths, next up, course progress), built once per change.

Building it costs ~6 ms (live BKT recommendations, paths, progress, template) and it changes only
when something about the learner changes. Each worker keeps recent bodies in memory under the
learner's dashboard version and epoch (lms/recommend/freshness.py), which every request reads from
the database first (one query on two primary keys): a change committed by any worker or command,
on any machine, gives new versions, so the very next page is built again. A body also expires
when the first of its future due dates passes (a path step becomes overdue).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from threading import Lock
from typing import NamedTuple

from flask import current_app, render_template, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from lms.accounts.models import SessionUser, User
from lms.db import utcnow
from lms.learning import services
from lms.recommend.freshness import dashboard_key
from lms.recommend.skills import DashboardPanel, dashboard_panel

CACHE_SIZE = 2000  # bodies kept per worker (a few KB each), least recently used dropped first


class Entry(NamedTuple):
    key: tuple  # the versions and settings the body was built for
    body: Markup
    expires_at: datetime | None


class BodyCache:
    """Rendered bodies by learner (least recently used dropped first), each valid for one key until it expires."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[int, Entry] = OrderedDict()
        self._lock = Lock()  # for threaded workers

    def get(self, user_id: int, key: tuple, now: datetime) -> Markup | None:
        """The body if it was built for this key and has not expired."""
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is None or entry.key != key or (entry.expires_at is not None and now >= entry.expires_at):
                return None
            self._entries.move_to_end(user_id)
            return entry.body

    def entry(self, user_id: int) -> Entry | None:
        """What is kept for this learner, whatever it is valid for."""
        return self._entries.get(user_id)

    def put(self, user_id: int, key: tuple, body: Markup, expires_at: datetime | None) -> None:
        with self._lock:
            self._entries[user_id] = Entry(key, body, expires_at)
            self._entries.move_to_end(user_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def body_cache() -> BodyCache:
    """This app's cache (one per worker process)."""
    cache = current_app.extensions.get("dashboard_bodies")
    if cache is None:
        cache = current_app.extensions.setdefault("dashboard_bodies", BodyCache(CACHE_SIZE))
    return cache


def _expires_at(panel: DashboardPanel, now: datetime) -> datetime | None:
    """The first due date still ahead: past it, a step is overdue and the body must change."""
    due = [row.due_at for path in panel.paths for row in path.rows if row.due_at and row.due_at > now]
    return min(due, default=None)


def dashboard_body(user: User | SessionUser) -> Markup:
    """The learner's dashboard body, from this worker's cache when nothing changed since it was built."""
    # The body's links depend on where the app is mounted, its dates on the learner's time zone.
    settings = (str(get_locale()), str(get_timezone()), request.script_root)
    # Versions before the data: whatever is read after them is at least as recent as they are.
    key = (*dashboard_key(user.id, getattr(user, "also", None)), user.created_at, *settings)
    cache = body_cache()
    now = utcnow()
    body = cache.get(user.id, key, now)
    if body is None:
        panel = dashboard_panel(user.id)
        rows = services.dashboard(user.id)
        body = Markup(render_template("recommend/_dashboard_body.html", rows=rows, panel=panel))
        cache.put(user.id, key, body, _expires_at(panel, now))
    return body
