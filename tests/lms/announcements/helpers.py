"""Writing an announcement through the real form, and running its fan-out as the worker would."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.announcements import tasks
from lms.announcements.models import Announcement
from lms.extensions import db
from lms.notifications.models import Notification


def post(client, to: str, title: str = "Office hours moved", body: str = "Now on **Thursday**.", action="preview"):
    return client.post("/announcements/new", data={"to": to, "title": title, "body": body, "action": action})


def send(client, to: str, **fields):
    return post(client, to, action="send", **fields)


def latest() -> Announcement | None:
    db.session.expire_all()
    return db.session.scalar(select(Announcement).order_by(Announcement.id.desc()))


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Announcement)) or 0


def copies(announcement_id: int) -> list[Notification]:
    db.session.expire_all()
    rows = select(Notification).where(Notification.key == f"announcement:{announcement_id}")
    return list(db.session.scalars(rows.order_by(Notification.user_id)))


def fan_out(announcement_id: int) -> int:
    """The worker's task, run here (its commits are the task's own)."""
    added = tasks.fan_out(announcement_id)
    db.session.expire_all()
    return added
